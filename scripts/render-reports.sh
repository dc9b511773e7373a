#!/bin/sh
# Renders every HTML report in a folder to PNG with headless Chromium (Debian's `chromium`
# package: apt-get install -y chromium), so the charts can be looked at as a reader sees them.
#   scripts/render-reports.sh [reports] [out-folder]
set -eu
folder="${1:-reports}"
out="${2:-$folder/screenshots}"
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
    echo "skipped: no chromium (apt-get install -y chromium)" >&2
    exit 0
fi
mkdir -p "$out"
for page in "$folder"/*.html; do
    name=$(basename "$page" .html)
    # Tall window: the page is cut at the window's height.
    "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1000,1400 \
        --screenshot="$out/$name.png" "file://$(cd "$(dirname "$page")" && pwd)/$(basename "$page")" >/dev/null 2>&1
    echo "$out/$name.png"
done
