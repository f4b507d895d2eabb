#!/bin/sh
# Seeds for the box walker's fuzz target, made at build time (CMake runs this) rather than committed:
# tiny real movies (3 frames of 32x32, a few KB each) in every layout the walker knows, whole and
# cut short after 512 bytes (a header that arrived before the rest of the file). Each seed is the
# target's input: one byte for the read size (2^n bytes: 12 is 4 KiB, 6 is 64 B), then the file.
#   faststart.mp4  moov before mdat        moov_end.mp4  moov after mdat     frag.mp4  fragmented
#   cues.webm      SeekHead + Cues         live.webm     Segment of unknown size, no Cues
#   cues.mkv       Matroska, H.264 + AAC   pipe.mkv      the same to a pipe  two_audio.mkv  2 audio + SRT
#   camera.mov     QuickTime, moov at end  pcm.mov       PCM audio ('sowt')  ac3.mp4   AC-3 in MP4
#   stream.ts      MPEG-TS, 188-byte packets             stream.m2ts  M2TS, 192-byte packets
set -eu
out="$1"
rm -rf "$out" "$out.movies"
mkdir -p "$out"
src="-f lavfi -i testsrc=size=32x32:rate=25 -f lavfi -i sine=frequency=440:sample_rate=8000 -t 0.12"
ff() { ffmpeg -hide_banner -loglevel error -y "$@"; }
h264="-c:v libx264 -preset ultrafast -g 2 -pix_fmt yuv420p -c:a aac -b:a 16k"
vp9="-c:v libvpx-vp9 -deadline realtime -cpu-used 8 -g 2 -b:v 20k -c:a libopus -b:a 8k -ar 48000"
tmp="$out.movies"  # beside the seeds: libFuzzer reads a corpus directory recursively
mkdir -p "$tmp"
ff $src $h264 -movflags +faststart "$tmp/faststart.mp4"
ff $src $h264 "$tmp/moov_end.mp4"
ff $src $h264 -movflags +frag_keyframe+empty_moov+default_base_moof "$tmp/frag.mp4"
ff $src $vp9 "$tmp/cues.webm"
ff $src $vp9 -f webm pipe:1 > "$tmp/live.webm"
ff $src $h264 "$tmp/cues.mkv"
ff $src $h264 -f matroska pipe:1 > "$tmp/pipe.mkv"
printf '1\n00:00:00,000 --> 00:00:00,100\nHi\n' > "$tmp/subtitles.srt"
ff $src -i "$tmp/subtitles.srt" -t 0.12 -map 0:v -map 1:a -map 1:a -map 2:s -c:v libx264 -preset ultrafast -g 2 \
  -pix_fmt yuv420p -c:a:0 aac -b:a:0 16k -c:a:1 ac3 -c:s srt -metadata:s:a:1 language=fra \
  -metadata:s:a:1 title=Surround "$tmp/two_audio.mkv"
ff $src $h264 -f mov "$tmp/camera.mov"
ff $src -c:v libx264 -preset ultrafast -g 2 -pix_fmt yuv420p -c:a pcm_s16le -f mov "$tmp/pcm.mov"
ff $src -c:v libx264 -preset ultrafast -g 2 -pix_fmt yuv420p -c:a ac3 -metadata:s:a:0 title=Commentary "$tmp/ac3.mp4"
ff $src $h264 -f mpegts "$tmp/stream.ts"
ff $src $h264 -f mpegts -mpegts_m2ts_mode 1 "$tmp/stream.m2ts"
for f in faststart.mp4 moov_end.mp4 frag.mp4 cues.webm live.webm cues.mkv pipe.mkv two_audio.mkv camera.mov pcm.mov \
    ac3.mp4 stream.ts stream.m2ts; do
  { printf '\014'; cat "$tmp/$f"; } > "$out/$f.4k-reads"
  { printf '\006'; cat "$tmp/$f"; } > "$out/$f.64-byte-reads"
  { printf '\014'; head -c 512 "$tmp/$f"; } > "$out/$f.first-512"
done
rm -r "$tmp"
touch "$out.made"  # the build's stamp, beside the seeds (not one of them)
