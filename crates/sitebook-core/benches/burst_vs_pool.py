#!/usr/bin/env python3
"""Whole-process burst benchmark (issue: throughput): the same folder of workbooks imported by
Sitebook's job engine and by the Python process-pool peer, in alternating runs.

Ours, per run: a fresh data dir with its account and the files uploaded (not timed), then
`sitebook worker --exit-when-idle` (timed): every parse job claimed, run in its sandboxed worker
and stored. The peer, per run: `multiprocessing.Pool(2)` over the files, each worker doing
openpyxl `load_workbook(read_only=True, data_only=True)`, `iter_rows`, `json.dumps`, and one
SQLite insert and commit (WAL, synchronous=FULL) per file.

Prints each run's wall and CPU seconds (children included), the medians, the ratio pair by
pair, and the failed jobs. With --strace, also one traced run of ours counting fsync calls.

Usage: burst_vs_pool.py --sitebook PATH --files DIR [--runs 5] [--workers 2] [--strace]
"""

import argparse
import glob
import json
import multiprocessing
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import tempfile
import time

PASSWORD = "burst-bench-password"


def peer_one(args):
    path, database = args
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    text = json.dumps(rows, default=str)
    db = sqlite3.connect(database, timeout=60)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("INSERT INTO parsed (file, rows) VALUES (?, ?)", (os.path.basename(path), text))
    db.commit()
    db.close()


def run_peer(files, workers):
    work = tempfile.mkdtemp(prefix="burst-peer-")
    database = os.path.join(work, "peer.sqlite")
    db = sqlite3.connect(database)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE parsed (file TEXT, rows TEXT)")
    db.commit()
    db.close()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    with multiprocessing.Pool(workers) as pool:
        pool.map(peer_one, [(f, database) for f in files], chunksize=1)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    db = sqlite3.connect(database)
    stored = db.execute("SELECT COUNT(*) FROM parsed").fetchone()[0]
    db.close()
    shutil.rmtree(work)
    assert stored == len(files), f"the peer stored {stored} of {len(files)}"
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def sitebook(binary, data_dir, *args, env=None):
    env = dict(env or os.environ, SITEBOOK_PASSWORD=PASSWORD, SITEBOOK_NEW_PASSWORD=PASSWORD)
    return subprocess.run(
        [binary, "--data-dir", data_dir, "--user", "root", *args],
        capture_output=True, text=True, env=env, check=True,
    )


def prepare_ours(binary, files):
    work = tempfile.mkdtemp(prefix="burst-ours-")
    data_dir = os.path.join(work, "data")
    sitebook(binary, data_dir, "init", "--name", "Burst Bench")
    for start in range(0, len(files), 100):
        sitebook(binary, data_dir, "upload", *files[start : start + 100])
    return work, data_dir


def run_ours(binary, files, workers, strace=False):
    work, data_dir = prepare_ours(binary, files)
    command = [binary, "--data-dir", data_dir, "--user", "root", "worker", "--exit-when-idle", "--workers", str(workers)]
    trace = os.path.join(work, "strace.txt")
    if strace:
        command = ["strace", "-f", "-c", "-o", trace, *command]
    env = dict(os.environ, SITEBOOK_PASSWORD=PASSWORD)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    subprocess.run(command, capture_output=True, env=env, check=True)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    db = sqlite3.connect(os.path.join(data_dir, "sitebook.sqlite"))
    statuses = dict(db.execute("SELECT status, COUNT(*) FROM jobs GROUP BY status").fetchall())
    db.close()
    syscalls = {}
    if strace:
        with open(trace) as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 5 and parts[-1] in ("fsync", "fdatasync", "write", "futex", "clock_nanosleep", "pwrite64", "execve"):
                    syscalls[parts[-1]] = int(parts[3])
    shutil.rmtree(work)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), statuses, syscalls


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sitebook", required=True)
    parser.add_argument("--files", required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--strace", action="store_true")
    args = parser.parse_args()
    files = sorted(glob.glob(os.path.join(args.files, "*.xlsx")))
    binary = os.path.abspath(args.sitebook)
    ours, peers, ratios = [], [], []
    for run in range(args.runs):
        wall, cpu, statuses, _ = run_ours(binary, files, args.workers)
        peer_wall, peer_cpu = run_peer(files, args.workers)
        ours.append((wall, cpu))
        peers.append((peer_wall, peer_cpu))
        ratios.append(peer_wall / wall)
        failed = {k: v for k, v in statuses.items() if k != "completed"}
        print(f"run {run + 1}: ours {wall:.2f} s (cpu {cpu:.2f} s) · peer {peer_wall:.2f} s (cpu {peer_cpu:.2f} s) · {peer_wall / wall:.1f}x · not completed: {failed or 0}")
    n = len(files)
    med = lambda values: statistics.median(values)
    print(json.dumps({
        "files": n,
        "ours_wall_s_median": round(med([w for w, _ in ours]), 2),
        "ours_ms_per_job": round(1000 * med([w for w, _ in ours]) / n, 1),
        "ours_cpu_ms_per_job": round(1000 * med([c for _, c in ours]) / n, 1),
        "peer_wall_s_median": round(med([w for w, _ in peers]), 2),
        "peer_cpu_ms_per_job": round(1000 * med([c for _, c in peers]) / n, 1),
        "speedup_median": round(med(ratios), 2),
        "speedup_range": [round(min(ratios), 2), round(max(ratios), 2)],
    }, indent=2))
    if args.strace:
        _, _, _, syscalls = run_ours(binary, files, args.workers, strace=True)
        print(json.dumps({"per_job": {k: round(v / n, 1) for k, v in syscalls.items()}, "total": syscalls}, indent=2))


if __name__ == "__main__":
    main()
