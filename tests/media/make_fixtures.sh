#!/bin/sh
# Small real movies for the media tests, made by ffmpeg at build time (CMake runs this):
#   faststart.mp4  H.264 High (B-frames) + AAC, moov before mdat
#   moov_end.mp4   the same, moov after mdat (ffmpeg's default), with its 8-byte 'free' before mdat
#   frag.mp4       fragmented MP4 (a moof per keyframe)
#   cues.webm      VP9 + Opus, SeekHead at the start, Cues at the end (seekable output)
#   live.webm      VP9 + Opus written to a pipe: no Cues, a Segment of unknown size
#   cues.mkv       H.264 + AAC in Matroska (ffmpeg's default: SeekHead at the start, Cues at the end)
#   nocues.mkv     the same written to a pipe: no Cues, a Segment of unknown size
#   two_audio.mkv  H.264 + AAC stereo "eng" titled "Stereo" + AC-3 5.1 "fra" titled "Surround 5.1"
#                  + an SRT subtitle track "eng"
#   hevc.mkv       H.265 (libx265) + AAC
#   camera.mov     H.264 + AAC in QuickTime ('qt  ' brand, a 'wide' box, moov at the end)
#   pcm.mov        H.264 + 16-bit PCM ('sowt') in QuickTime
#   ac3.mp4        H.264 + AC-3 in MP4, the AC-3 track "fra" titled "Commentary" (its udta 'name')
#   stream.ts      H.264 + AAC (ADTS) in MPEG-TS, 188-byte packets
#   stream.m2ts    the same in 192-byte M2TS packets
#   noisy.mkv      2 s of H.264 noise + AAC in Matroska, ~1.8 MB: its Cues sit in its second 1 MiB piece
#   convert.srt    two subtitles by hand, and convert.vtt, convert.ass: ffmpeg's conversions of it
#   subs.mkv       H.264 + FLAC + convert.srt as an SRT track "eng" titled "English", convert.ass as
#                  an ASS track "fra", convert.vtt as a WebVTT track "deu" (forced); subs.webm: VP9 +
#                  convert.vtt (WebM's D_WEBVTT/SUBTITLES). The cues run past the picture (to 64 s).
#                  No AAC or Opus: their priming would move the whole timeline by 21 or 7 ms.
#   subs-mkvmerge.mkv  subs.mkv remuxed by mkvmerge; subs-zlib.mkv the same with its SRT and ASS
#                  tracks zlib-compressed (mkvmerge --compression)
#   subs.mp4       H.264 + convert.srt as MP4 timed text (tx3g, "eng"), moov at the end; subs.mov the
#                  same in QuickTime
# Each is 4 s (noisy.mkv 2 s), 25 fps, a keyframe every second.
set -eu
out="$1"
mkdir -p "$out"
src="-f lavfi -i testsrc=size=320x240:rate=25 -f lavfi -i sine=frequency=440:sample_rate=48000 -t 4"
ff() { ffmpeg -hide_banner -loglevel error -y "$@"; }
h264v="-c:v libx264 -profile:v high -bf 2 -g 25 -keyint_min 25 -sc_threshold 0 -pix_fmt yuv420p"
h264="$h264v -c:a aac -b:a 64k"
vp9="-c:v libvpx-vp9 -deadline realtime -cpu-used 8 -g 25 -keyint_min 25 -b:v 300k -c:a libopus -b:a 48k"
ff $src $h264 -movflags +faststart "$out/faststart.mp4"
ff $src $h264 "$out/moov_end.mp4"
ff $src $h264 -movflags +frag_keyframe+empty_moov+default_base_moof "$out/frag.mp4"
ff $src $vp9 "$out/cues.webm"
ff $src $vp9 -f webm pipe:1 > "$out/live.webm"
ff $src $h264 "$out/cues.mkv"
ff $src $h264 -f matroska pipe:1 > "$out/nocues.mkv"
printf '1\n00:00:00,500 --> 00:00:02,000\nHello\n\n2\n00:00:02,500 --> 00:00:03,500\nWorld\n' > "$out/subtitles.srt"
ff -f lavfi -i testsrc=size=320x240:rate=25 -f lavfi -i sine=frequency=440:sample_rate=48000 \
  -f lavfi -i sine=frequency=660:sample_rate=48000 -i "$out/subtitles.srt" -t 4 \
  -map 0:v -map 1:a -map 2:a -map 3:s $h264v -c:a:0 aac -b:a:0 64k -ac:a:0 2 -c:a:1 ac3 -b:a:1 192k -ac:a:1 6 \
  -c:s srt -metadata:s:a:0 language=eng -metadata:s:a:0 title=Stereo -metadata:s:a:1 language=fra \
  -metadata:s:a:1 "title=Surround 5.1" -metadata:s:s:0 language=eng "$out/two_audio.mkv"
# A hand-written SubRip file and ffmpeg's conversions of it to WebVTT and ASS: the subtitle reader
# must find the same cues in all three.
printf '1\n00:00:01,000 --> 00:00:02,500\n<i>Bonjour</i> \303\240 tous\nsecond line\n\n2\n00:01:02,040 --> 00:01:04,000\nB & <b>bold</b> <font color="red">red</font>\n' > "$out/convert.srt"
ff -i "$out/convert.srt" "$out/convert.vtt"
ff -i "$out/convert.srt" "$out/convert.ass"
lavfi4="-t 4 -f lavfi -i testsrc=size=320x240:rate=25 -t 4 -f lavfi -i sine=frequency=440:sample_rate=48000"
ff $lavfi4 -i "$out/convert.srt" -i "$out/convert.ass" -i "$out/convert.vtt" -map 0:v -map 1:a -map 2:s -map 3:s -map 4:s \
  $h264v -c:a flac -c:s:0 srt -c:s:1 ass -c:s:2 webvtt -metadata:s:s:0 language=eng -metadata:s:s:0 title=English \
  -metadata:s:s:1 language=fra -metadata:s:s:2 language=deu -disposition:s:2 forced "$out/subs.mkv"
mkvmerge -q -o "$out/subs-mkvmerge.mkv" "$out/subs.mkv"
mkvmerge -q -o "$out/subs-zlib.mkv" --compression 2:zlib --compression 3:zlib "$out/subs.mkv"
ff $lavfi4 -i "$out/convert.srt" -map 0:v -map 2:s $h264v -c:s mov_text -metadata:s:s:0 language=eng "$out/subs.mp4"
ff $lavfi4 -i "$out/convert.srt" -map 0:v -map 2:s $h264v -c:s mov_text -f mov "$out/subs.mov"
ff $lavfi4 -i "$out/convert.vtt" -map 0:v -map 2:s $vp9 -c:s webvtt "$out/subs.webm"  # no sound: Opus's pre-skip would move it by 7 ms
ff $src -c:v libx265 -preset ultrafast -x265-params log-level=error -g 25 -keyint_min 25 -pix_fmt yuv420p \
  -c:a aac -b:a 64k "$out/hevc.mkv"
ff $src $h264 -f mov "$out/camera.mov"
ff $src $h264v -c:a pcm_s16le -f mov "$out/pcm.mov"
ff $src $h264v -c:a ac3 -b:a 192k -metadata:s:a:0 language=fra -metadata:s:a:0 title=Commentary "$out/ac3.mp4"
ff $src $h264 -f mpegts "$out/stream.ts"
ff $src $h264 -f mpegts -mpegts_m2ts_mode 1 "$out/stream.m2ts"
ff -f lavfi -i "testsrc=size=320x240:rate=25,noise=alls=60:allf=t" -f lavfi -i sine=frequency=440:sample_rate=48000 \
  -t 2 -c:v libx264 -preset ultrafast -crf 18 -g 25 -pix_fmt yuv420p -c:a aac -b:a 64k "$out/noisy.mkv"
# Independent facts for the tests, from ffprobe: the duration, the video keyframes' times (and, in
# NAME.keyframe_pos, "time byte-offset" of each: where its packet starts in the file), and each
# stream (NAME.tracks: one "stream|key=value|..." line each, in stream order: codec, kind, language,
# title, channels, sample rate, size, default flag; a program's own list of its streams, which
# ffprobe prints first for a transport stream, is left out).
for f in faststart.mp4 moov_end.mp4 frag.mp4 cues.webm live.webm cues.mkv nocues.mkv two_audio.mkv hevc.mkv \
    camera.mov pcm.mov ac3.mp4 stream.ts stream.m2ts noisy.mkv; do
  ffprobe -v error -show_entries format=duration -of csv=p=0 "$out/$f" > "$out/$f.duration"
  ffprobe -v error -select_streams v:0 -show_entries packet=pts_time,flags -of csv=p=0 "$out/$f" \
    | awk -F, '$2 ~ /K/ { print $1 }' > "$out/$f.keyframes"
  ffprobe -v error -select_streams v:0 -show_entries packet=pts_time,pos,flags -of csv=p=0 "$out/$f" \
    | awk -F, '$3 ~ /K/ { print $1, $2 }' > "$out/$f.keyframe_pos"
  entries="stream=index,codec_type,codec_name,channels,sample_rate,width,height"
  ffprobe -v error -show_entries "$entries:stream_tags=language,title:stream_disposition=default" -of compact \
    "$out/$f" | awk -F'|' '/^stream\|index=/ { split($2, i, "="); line[i[2]] = $0 }
      END { for (n = 0; n in line; n++) print line[n] }' > "$out/$f.tracks"
done
