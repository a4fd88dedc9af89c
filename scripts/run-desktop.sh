#!/usr/bin/env bash
# Installs what is missing, builds, and starts the Sitebook desktop app on the embedded SQLite
# database in the OS app-data folder (or SITEBOOK_DATA_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-system-deps.sh
scripts/build.sh

target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "No display was found, so the desktop window cannot open here." >&2
  echo "Everything is also available from the command line: $target_dir/debug/sitebook --help" >&2
  echo "(To try the window headless: xvfb-run -a $target_dir/debug/sitebook-desktop)" >&2
  exit 1
fi
exec "$target_dir/debug/sitebook-desktop"
