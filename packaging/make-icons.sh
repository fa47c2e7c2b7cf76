#!/usr/bin/env bash
# Regenerates every raster icon in assets/icon/ from assets/icon/icon.svg.
# Needs Debian's librsvg2-bin (rsvg-convert), imagemagick (convert) and
# icnsutils (png2icns); installs them when run as root and they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=assets/icon

need=()
command -v rsvg-convert >/dev/null || need+=(librsvg2-bin)
command -v convert >/dev/null || need+=(imagemagick)
command -v png2icns >/dev/null || need+=(icnsutils)
if ((${#need[@]})); then
    if [[ $(id -u) -eq 0 ]]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
    else
        echo "make-icons.sh: please install: ${need[*]}" >&2
        exit 1
    fi
fi

for s in 16 32 48 64 128 256 512; do
    rsvg-convert -w "$s" -h "$s" "$dir/icon.svg" -o "$dir/icon-$s.png"
done
# Windows .ico: the usual sizes, 256 stored as PNG by ImageMagick.
convert "$dir/icon-16.png" "$dir/icon-32.png" "$dir/icon-48.png" \
        "$dir/icon-64.png" "$dir/icon-128.png" "$dir/icon-256.png" "$dir/icon.ico"
# macOS .icns: png2icns accepts 16, 32, 48, 128, 256, 512 (and 1024).
png2icns "$dir/icon.icns" "$dir/icon-16.png" "$dir/icon-32.png" "$dir/icon-48.png" \
         "$dir/icon-128.png" "$dir/icon-256.png" "$dir/icon-512.png" >/dev/null
ls -l "$dir"
