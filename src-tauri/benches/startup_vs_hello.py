#!/usr/bin/env python3
"""Start-up and memory of the desktop app against a Tauri hello-world window, side by side.

Each run starts one program on a private X display (Xvfb) with fresh data, cache and config
folders, and watches the screen until it stops changing: the moment of the last change is when
the program's first screen was fully drawn. The program's memory is then read as the PSS
(proportional set size, so shared pages are not counted twice) of it and every process it started
(WebKit's web and network processes). The two programs alternate, and the order within each pair
alternates too, so neither always runs on a warmer machine.

    python3 src-tauri/benches/startup_vs_hello.py --runs 10 \
        --ours target/release/sitebook-desktop --peer target/release/examples/hello_window

Needs Xvfb and Pillow. Prints one line per run and the medians and ratios (ours / peer).
"""

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

from PIL import ImageChops, ImageGrab
from window_env import private_window_env

SETTLED_AFTER = 2.0  # seconds without a change that count as "drawn"
CARET_AREA = 600  # square pixels: a change this small is a caret blinking, not drawing
GIVE_UP_AFTER = 60.0


def descendants(pid):
    """The pid and every process below it, from /proc."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
        except OSError:
            continue
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def memory_kib(pid):
    """(PSS, RSS, PSS by process name) in KiB, summed over the process tree."""
    pss = rss = 0
    by_name = {}
    for member in descendants(pid):
        try:
            with open(f"/proc/{member}/comm") as comm:
                name = comm.read().strip()
            with open(f"/proc/{member}/smaps_rollup") as rollup:
                for line in rollup:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1])
                        by_name[name] = by_name.get(name, 0) + int(line.split()[1])
                    elif line.startswith("Rss:"):
                        rss += int(line.split()[1])
        except OSError:
            continue
    return pss, rss, by_name


def grab(display, patience=5.0):
    """The screen in grey. The X server can refuse a connection for a moment (while it starts,
    or is busy), so a refusal is retried for a few seconds."""
    deadline = time.perf_counter() + patience
    while True:
        try:
            return ImageGrab.grab(xdisplay=display).convert("L")
        except OSError:
            if time.perf_counter() > deadline:
                raise
            time.sleep(0.05)


def changed(before, after):
    """Whether the screen changed by more than a blinking text caret (a few pixels wide)."""
    box = ImageChops.difference(before, after).getbbox()
    if box is None:
        return False
    left, top, right, bottom = box
    return (right - left) * (bottom - top) > CARET_AREA


def run_once(binary, display, blank, shot=None, data_from=None):
    home = tempfile.mkdtemp(prefix="startup-bench-")
    if data_from:
        shutil.copytree(data_from, f"{home}/sitebook")
    env = private_window_env(home, display)
    errors = open(f"{home}/stderr.txt", "w+")
    started = time.perf_counter()
    process = subprocess.Popen(
        [binary],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=errors,
        start_new_session=True,
    )
    last, last_change = blank, None
    try:
        while True:
            now = time.perf_counter()
            if now - started > GIVE_UP_AFTER:
                raise RuntimeError(f"{binary} drew nothing stable in {GIVE_UP_AFTER} s")
            current = grab(display)
            if changed(last, current):
                last, last_change = current, time.perf_counter()
            elif last_change is not None and now - last_change >= SETTLED_AFTER:
                break
            if process.poll() is not None:
                errors.seek(0)
                raise RuntimeError(
                    f"{binary} exited with {process.returncode}; its last words:\n"
                    + errors.read()[-4000:]
                )
        pss, rss, by_name = memory_kib(process.pid)
        if shot:
            last.save(shot)
        return last_change - started, pss, rss, by_name
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        errors.close()
        shutil.rmtree(home, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--ours", default="target/release/sitebook-desktop")
    parser.add_argument("--peer", default="target/release/examples/hello_window")
    parser.add_argument("--display", default=":91")
    parser.add_argument("--json", help="also write the runs here")
    parser.add_argument("--shots", help="save each program's settled screen here (first run)")
    parser.add_argument(
        "--existing-data",
        help="start Sitebook on a copy of this data folder each run (a later start: the sign-in "
        "screen) instead of an empty one (the first start: creating the database and the "
        "first-account screen); make one with `sitebook --data-dir DIR --user NAME init --name "
        "'FULL NAME'`",
    )
    args = parser.parse_args()

    xvfb = subprocess.Popen(
        ["Xvfb", args.display, "-screen", "0", "1280x800x24", "-nolisten", "tcp", "-maxclients", "2048"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(1.0)
        blank = grab(args.display)
        results = {"ours": [], "peer": []}
        display_refusals = {"ours": 0, "peer": 0}
        for run in range(args.runs):
            order = [("ours", args.ours), ("peer", args.peer)]
            if run % 2:
                order.reverse()
            for name, binary in order:
                shot = None
                if args.shots and run < 2:
                    os.makedirs(args.shots, exist_ok=True)
                    shot = os.path.join(args.shots, f"{name}-run{run + 1}.png")
                data_from = args.existing_data if name == "ours" else None
                for attempt in range(1, 4):
                    try:
                        seconds, pss, rss, by_name = run_once(binary, args.display, blank, shot, data_from)
                        break
                    except RuntimeError as error:
                        # The grabs open an X connection each; now and then the X server refuses
                        # a program's own connection at that moment and GTK cannot start. Such a
                        # run says nothing about the program, so it is counted and run again (up
                        # to three tries).
                        if "Failed to initialize GTK" not in str(error) or attempt == 3:
                            raise
                        display_refusals[name] += 1
                        print(f"run {run + 1:2} {name:4}: the X server refused the program; again", flush=True)
                        time.sleep(1.0)
                results[name].append(
                    {"seconds": seconds, "pss_kib": pss, "rss_kib": rss, "pss_by_process": by_name}
                )
                print(
                    f"run {run + 1:2} {name:4}: drawn in {seconds * 1000:7.0f} ms, "
                    f"PSS {pss / 1024:6.1f} MiB, RSS {rss / 1024:6.1f} MiB ("
                    + ", ".join(f"{k} {v / 1024:.0f}" for k, v in sorted(by_name.items()))
                    + ")",
                    flush=True,
                )
                time.sleep(1.0)
    finally:
        xvfb.terminate()
        xvfb.wait()

    def median(name, key):
        return statistics.median(r[key] for r in results[name])

    for key, unit, scale in (("seconds", "ms", 1000), ("pss_kib", "MiB", 1 / 1024), ("rss_kib", "MiB", 1 / 1024)):
        ours, peer = median("ours", key), median("peer", key)
        print(
            f"median {key:8}: ours {ours * scale:8.1f} {unit}, peer {peer * scale:8.1f} {unit}, "
            f"ratio {ours / peer:.2f}"
        )
    print(f"runs repeated after the X server refused the program: {display_refusals}")
    if args.json:
        with open(args.json, "w") as out:
            json.dump(results, out, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
