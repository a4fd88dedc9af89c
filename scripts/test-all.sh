#!/usr/bin/env bash
# Installs what is missing, then runs every check and test: formatting, lints, the UI's unit
# tests, the Rust unit and integration tests (core and the `sitebook` binary), a long
# differential run of the fast XLSX reader against calamine, the parse worker's reliability
# tests in a release build, the hostile-input corpus and the crash
# harness (tests/hostile, tests/crash), the OS keyring test, the TypeScript
# bindings drift check, and the desktop end-to-end test under Xvfb through WebDriver.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

# A run from a clean checkout gains nothing from incremental caches, and they would be the
# largest thing in target/ (tens of GB over the test binaries). Set CARGO_INCREMENTAL=1 to keep
# them on a machine where you rerun this often.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

step "system packages"
scripts/install-system-deps.sh --tests

step "build (UI, then all crates)"
scripts/build.sh

step "UI unit tests"
(cd ui && npm test --silent)

step "formatting and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings

step "LibreOffice's first start, so that the recalculation tests start it warm"
# On a new machine its first starts build caches, and several at once have crashed it.
lo_profile=$(mktemp -d)
soffice "-env:UserInstallation=file://$lo_profile" --headless --terminate_after_init || true
rm -rf "$lo_profile"

step "Rust tests"
# The 200-run parse and upload tests of tests/worker_memory.rs run in the release step below:
# the random worker failures they guard against showed only in release builds.
cargo test --workspace -- --skip two_hundred_worker_parses --skip two_hundred_uploads

step "the fast XLSX reader against calamine: a long seeded differential run"
# cargo-fuzz needs a nightly toolchain, so CI runs the differential property test long instead:
# 15,000 random damaged worksheets (about two minutes), from a seed printed here so that a
# failure replays with the same two values.
seed=$(date +%s)
echo "SITEBOOK_DIFFERENTIAL_SEED=$seed SITEBOOK_DIFFERENTIAL_CASES=15000"
SITEBOOK_DIFFERENTIAL_SEED=$seed SITEBOOK_DIFFERENTIAL_CASES=15000 \
  cargo test -p sitebook-core --lib the_fast_reader_agrees_with_calamine_on_damaged_parts

step "parse-worker reliability, release build (200 parses, 200 uploads)"
cargo test --release -p sitebook-core --test worker_memory

step "hostile corpus: every file through upload --wait and every document command"
# The debug build `cargo test` made: the suite checks outcomes and memory, and its timings
# (reported, not asserted) are recorded from a release build in BENCHMARKS.md.
python3 tests/hostile/run.py --sitebook "${CARGO_TARGET_DIR:-target}/debug/sitebook"

step "crash harness: 50 uploads and their documents while the worker is killed 30 times"
python3 tests/crash/run.py --sitebook "${CARGO_TARGET_DIR:-target}/debug/sitebook" --uploads 50 --kills 30

step "OS keyring (the Secret Service of gnome-keyring on a private D-Bus session), and the sync fault test alone"
# A keyring of its own, new each run: the daemon creates it unlocked with this password.
keyring_home=$(mktemp -d)
XDG_DATA_HOME="$keyring_home" dbus-run-session -- sh -c \
  'eval "$(printf sitebook-ci | gnome-keyring-daemon --unlock --components=secrets)" \
  && cargo build --workspace --examples \
  && cargo test --workspace --test keyring_os --test sync --test sync_bucket -- --ignored'
rm -rf "$keyring_home"

step "generated TypeScript bindings match the Rust types"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  if ! git diff --exit-code -- ui/src/bindings; then
    echo "error: ui/src/bindings differs from the Rust types; commit the regenerated files." >&2
    exit 1
  fi
  untracked=$(git ls-files --others --exclude-standard ui/src/bindings)
  if [ -n "$untracked" ]; then
    echo "error: new generated bindings are not committed: $untracked" >&2
    exit 1
  fi
else
  echo "not a git checkout: the drift check compares against git, so it cannot run here" >&2
  exit 1
fi

step "desktop end-to-end (Xvfb + WebKitWebDriver, with a real keyring for the sync secret)"
keyring_home=$(mktemp -d)
XDG_DATA_HOME="$keyring_home" dbus-run-session -- sh -c \
  'eval "$(printf sitebook-ci | gnome-keyring-daemon --unlock --components=secrets)" \
  && xvfb-run -a -s "-screen 0 1280x800x24" python3 tests/e2e/run_e2e.py'
rm -rf "$keyring_home"
