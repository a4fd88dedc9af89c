#!/usr/bin/env bash
# Installs what Sitebook needs on Debian/Ubuntu, and only what is missing: the build set (webkit
# development packages for the desktop shell), the run and end-to-end set (Xvfb, WebKitWebDriver,
# poppler), with --tests LibreOffice Calc, and checks for Rust and Node. Safe to run again; it
# does nothing when all is there.
set -euo pipefail

packages=(
  # build set
  build-essential pkg-config libssl-dev file curl ca-certificates
  libwebkit2gtk-4.1-dev librsvg2-dev xdg-utils
  # run and end-to-end set
  xvfb xauth webkit2gtk-driver fonts-dejavu-core poppler-utils
  python3 python3-gi gir1.2-gtk-3.0 xdotool imagemagick
  # the OS keyring test: a Secret Service on a private D-Bus session
  dbus gnome-keyring
)
# With --tests, also what only the test suite needs: LibreOffice recalculates the workbooks
# Sitebook writes, as an independent check of formulas, cached values and number formats.
if [ "${1:-}" = "--tests" ]; then
  # qpdf checks the structure of the archival PDFs (with poppler's pdffonts for the fonts).
  # gdb: when the end-to-end driver falls silent, the test prints where the window's threads stood.
  packages+=(libreoffice-calc qpdf gdb)
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]})); then
  echo "Installing system packages: ${missing[*]}"
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "error: run as root or install sudo" >&2; exit 1; }
    sudo_cmd=(sudo)
  fi
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null; then
  echo "Rust is missing; installing it with rustup."
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal \
    --component rustfmt,clippy
  # shellcheck disable=SC1091
  source "$HOME/.cargo/env"
fi

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "error: Node.js 20 or newer is needed to build the UI (found: $(node --version 2>/dev/null || echo none))." >&2
  echo "Install it from your distribution or nodejs.org, then run this again." >&2
  exit 1
fi
