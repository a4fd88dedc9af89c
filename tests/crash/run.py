#!/usr/bin/env python3
"""Crash harness: a batch of uploads and documents while the worker is killed with SIGKILL at
random, again and again; then one clean run to the end, and the checks that nothing was lost.

It uses the real `sitebook` binary and reads the database only to check it:
- every upload has exactly one estimate, every job completed, none twice;
- every bill and abstract asked for exists once, with its outputs;
- every output file matches its row (size and sha256), PDFs open in `pdfinfo`, XLSX zips pass
  their CRC checks, and no output row is missing its file;
- no temp file (`.*.part`) is left, and `PRAGMA integrity_check` says ok;
- the audit chain verifies.

Usage: run.py --sitebook PATH [--uploads 50] [--kills 30] [--seed N] [--keep]
"""

import argparse
import hashlib
import io
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURE = os.path.join(ROOT, "examples", "estimates", "cc-road-example.xlsx")
PASSWORD = "crash-harness-pass"


class Device:
    def __init__(self, sitebook, data_dir):
        self.sitebook = sitebook
        self.data_dir = data_dir
        self.env = dict(os.environ, SITEBOOK_PASSWORD=PASSWORD, SITEBOOK_NEW_PASSWORD=PASSWORD)
        self.env.pop("SITEBOOK_USER", None)

    def command(self, *args):
        return [self.sitebook, "--data-dir", self.data_dir, "--user", "root", *args]

    def run(self, *args, check=True, env=None):
        result = subprocess.run(self.command(*args), capture_output=True, text=True, env=env or self.env, timeout=600)
        if check and result.returncode != 0:
            sys.exit(f"`sitebook {' '.join(args)}` exited {result.returncode}: {result.stderr}")
        return result

    def db(self):
        return sqlite3.connect(os.path.join(self.data_dir, "sitebook.sqlite"))


def distinct_workbooks(folder, count):
    """`count` copies of the fixture estimate, each with its own name of work."""
    with zipfile.ZipFile(FIXTURE) as z:
        parts = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    paths = []
    for n in range(count):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in parts:
                if name == "xl/sharedStrings.xml":
                    data = data.replace(b"<t>", f"<t>Crash batch {n}: ".encode(), 1)
                z.writestr(name, data)
        path = os.path.join(folder, f"crash-{n:03d}.xlsx")
        with open(path, "wb") as f:
            f.write(buf.getvalue())
        paths.append(path)
    return paths


def queue_documents(device, asked):
    """Queues an abstract and a first bill for each parsed estimate not yet asked for."""
    with device.db() as db:
        ids = [row[0] for row in db.execute("SELECT id FROM estimates ORDER BY id")]
    for estimate in ids:
        if estimate in asked:
            continue
        device.run("estimate", "abstract", str(estimate))
        device.run("bill", "create", str(estimate), "--kind", "first-part")
        asked.add(estimate)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sitebook", required=True)
    parser.add_argument("--uploads", type=int, default=50)
    parser.add_argument("--kills", type=int, default=30)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    rng = random.Random(args.seed)

    work = tempfile.mkdtemp(prefix="sitebook-crash-")
    device = Device(os.path.abspath(args.sitebook), os.path.join(work, "data"))
    device.run("init", "--name", "Crash Tester")
    files = distinct_workbooks(work, args.uploads)
    device.run("upload", *files)

    # A slowed parse child, so that kills land inside parses as well as between them.
    slow = dict(device.env, SITEBOOK_TEST_WORKER_DELAY_MS="400")
    asked = set()
    kills = 0
    worker = None
    try:
        while kills < args.kills:
            worker = subprocess.Popen(
                device.command("worker", "--workers", "2"),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=slow,
                start_new_session=True,
            )
            time.sleep(rng.uniform(0.15, 1.2))
            if rng.random() < 0.5:
                queue_documents(device, asked)
            if worker.poll() is None:
                # The worker and its parse children, at once, as a power cut would.
                os.killpg(worker.pid, signal.SIGKILL)
                kills += 1
            worker.wait()
    finally:
        # Whatever stops the harness, no worker of its own outlives it.
        if worker is not None and worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()

    queue_documents(device, asked)
    final = device.run("worker", "--exit-when-idle", check=False)
    queue_documents(device, asked)
    final = device.run("worker", "--exit-when-idle", check=False)

    problems = []
    with device.db() as db:
        jobs = db.execute("SELECT id, kind, status, error_message FROM jobs").fetchall()
        estimates = db.execute("SELECT upload_id, COUNT(*) FROM estimates GROUP BY upload_id").fetchall()
        uploads = db.execute("SELECT COUNT(*) FROM uploads").fetchone()[0]
        bills = db.execute("SELECT estimate_id, number, COUNT(*) FROM bills GROUP BY estimate_id, number").fetchall()
        outputs = db.execute("SELECT job_id, filename, kind, stored_path, size, sha256 FROM output_files").fetchall()
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
        interrupted = db.execute("SELECT COUNT(*) FROM jobs WHERE error_log LIKE '%\"step\":\"recovery\"%'").fetchone()[0]

    if uploads != args.uploads:
        problems.append(f"{uploads} uploads stored, {args.uploads} sent")
    if len(estimates) != args.uploads:
        problems.append(f"{len(estimates)} uploads have an estimate, {args.uploads} should")
    problems += [f"upload {u} has {n} estimates" for u, n in estimates if n != 1]
    problems += [f"job {i} ({k}) ended {s}: {e}" for i, k, s, e in jobs if s != "completed"]
    parse_jobs = sum(1 for _, k, _, _ in jobs if k == "parse_estimate")
    if parse_jobs != args.uploads:
        problems.append(f"{parse_jobs} parse jobs for {args.uploads} uploads")
    problems += [f"estimate {e} has {n} bills numbered {b}" for e, b, n in bills if n != 1]
    if len(bills) != len(asked):
        problems.append(f"{len(bills)} bills for {len(asked)} asked")
    seen = set()
    for job, filename, kind, stored, size, digest in outputs:
        if (job, filename) in seen:
            problems.append(f"job {job} recorded {filename} twice")
        seen.add((job, filename))
        path = os.path.join(device.data_dir, stored)
        if not os.path.isfile(path):
            problems.append(f"output {filename} of job {job} is missing on disk")
            continue
        if os.path.getsize(path) != size or sha256(path) != digest:
            problems.append(f"output {filename} of job {job} differs from its row")
        if kind == "pdf" and subprocess.run(["pdfinfo", path], capture_output=True).returncode != 0:
            problems.append(f"output {filename} does not open as a PDF")
        if kind == "xlsx":
            try:
                with zipfile.ZipFile(path) as z:
                    bad = z.testzip()
                if bad:
                    problems.append(f"output {filename}: entry {bad} fails its CRC")
            except zipfile.BadZipFile as error:
                problems.append(f"output {filename} is not a zip: {error}")
        if kind == "json":
            try:
                with open(path, "rb") as f:
                    json.load(f)
            except ValueError as error:
                problems.append(f"output {filename} is not JSON: {error}")
    completed_jobs = {i for i, _, s, _ in jobs if s == "completed"}
    jobs_with_outputs = {job for job, *_ in outputs}
    problems += [f"completed job {j} has no output" for j in sorted(completed_jobs - jobs_with_outputs)]
    leftovers = []
    for folder, _, names in os.walk(device.data_dir):
        leftovers += [os.path.join(folder, n) for n in names if n.endswith(".part")]
    problems += [f"temp file left behind: {p}" for p in leftovers]
    if integrity != "ok":
        problems.append(f"integrity_check says {integrity}")
    verify = device.run("audit", "verify", check=False)
    if verify.returncode != 0:
        problems.append(f"audit verify exited {verify.returncode}: {verify.stderr.strip()}")

    print(
        json.dumps(
            {
                "seed": args.seed,
                "uploads": args.uploads,
                "kills": kills,
                "jobs_interrupted_and_rerun": interrupted,
                "jobs": len(jobs),
                "bills": len(bills),
                "outputs": len(outputs),
                "lost": sum(1 for p in problems if "missing" in p or "ended" in p),
                "problems": problems,
            },
            indent=2,
        )
    )
    if args.keep:
        print(f"kept {work}", file=sys.stderr)
    else:
        shutil.rmtree(work, ignore_errors=True)
    if problems:
        sys.exit(1)


if __name__ == "__main__":
    main()
