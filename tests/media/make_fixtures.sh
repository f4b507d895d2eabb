#!/bin/sh
# Small real movies for the media tests, made by ffmpeg at build time (CMake runs this):
#   faststart.mp4  H.264 High (B-frames) + AAC, moov before mdat
#   moov_end.mp4   the same, moov after mdat (ffmpeg's default), with its 8-byte 'free' before mdat
#   frag.mp4       fragmented MP4 (a moof per keyframe)
#   cues.webm      VP9 + Opus, SeekHead at the start, Cues at the end (seekable output)
#   live.webm      VP9 + Opus written to a pipe: no Cues, a Segment of unknown size
# Each is 4 s, 25 fps, a keyframe every second.
set -eu
out="$1"
mkdir -p "$out"
src="-f lavfi -i testsrc=size=320x240:rate=25 -f lavfi -i sine=frequency=440:sample_rate=48000 -t 4"
ff() { ffmpeg -hide_banner -loglevel error -y "$@"; }
h264="-c:v libx264 -profile:v high -bf 2 -g 25 -keyint_min 25 -sc_threshold 0 -pix_fmt yuv420p -c:a aac -b:a 64k"
vp9="-c:v libvpx-vp9 -deadline realtime -cpu-used 8 -g 25 -keyint_min 25 -b:v 300k -c:a libopus -b:a 48k"
ff $src $h264 -movflags +faststart "$out/faststart.mp4"
ff $src $h264 "$out/moov_end.mp4"
ff $src $h264 -movflags +frag_keyframe+empty_moov+default_base_moof "$out/frag.mp4"
ff $src $vp9 "$out/cues.webm"
ff $src $vp9 -f webm pipe:1 > "$out/live.webm"
# Independent facts for the tests, from ffprobe: the duration, and the video keyframes' times.
for f in faststart.mp4 moov_end.mp4 frag.mp4 cues.webm live.webm; do
  ffprobe -v error -show_entries format=duration -of csv=p=0 "$out/$f" > "$out/$f.duration"
  ffprobe -v error -select_streams v:0 -show_entries packet=pts_time,flags -of csv=p=0 "$out/$f" \
    | awk -F, '$2 ~ /K/ { print $1 }' > "$out/$f.keyframes"
done
