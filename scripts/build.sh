#!/usr/bin/env bash
# Builds the UI first (the desktop binary embeds ui/dist at compile time), then every crate.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  (cd ui && npm ci --no-audit --no-fund --loglevel=error)
fi
(cd ui && npm run --silent build)
cargo build --workspace "$@"
