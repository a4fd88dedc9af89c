#!/usr/bin/env python3
"""Runs the hostile corpus through the real `sitebook` binary, as a user would meet each file:
`upload --wait`, then, for what parses into an estimate, every document command.

For every file it checks that
- the command ends with a clean result: exit 0 with an estimate, or a non-zero exit other than
  101 (a Rust panic) or a signal, with an error message that names the file;
- no output contains panic text;
- the peak memory of the command and its parse worker stays under 512 MB (from `wait4`);
and afterwards that the database passes `PRAGMA integrity_check` and the audit chain verifies.

It reports the corpus size, the slowest refusal and the highest peak memory, and exits 1 if
any rule was broken. Timings are reported, not asserted: the machine is shared.

Usage: run.py --sitebook PATH [--corpus DIR] [--keep]
"""

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PASSWORD = "hostile-corpus-pass"
MAX_RSS_MB = 512
PANIC_TEXT = ("panicked at", "RUST_BACKTRACE", "stack backtrace")


def run(sitebook, data_dir, args, timeout=600):
    """Runs one command; returns (exit code, stdout, stderr, seconds, peak RSS in MB of it and
    every child it waited for)."""
    env = dict(os.environ, SITEBOOK_PASSWORD=PASSWORD, SITEBOOK_NEW_PASSWORD=PASSWORD)
    env.pop("SITEBOOK_USER", None)
    out = tempfile.TemporaryFile()
    err = tempfile.TemporaryFile()
    started = time.monotonic()
    process = subprocess.Popen(
        [sitebook, "--data-dir", data_dir, "--user", "root", *args],
        stdout=out,
        stderr=err,
        env=env,
    )
    deadline = started + timeout
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            process.kill()
            pid, status, usage = os.wait4(process.pid, 0)
            break
        time.sleep(0.01)
    seconds = time.monotonic() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    out.seek(0)
    err.seek(0)
    # Linux reports ru_maxrss in KiB, and wait4 includes the waited-for children (the worker).
    return process.returncode, out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"), seconds, usage.ru_maxrss / 1024


class Report:
    def __init__(self):
        self.problems = []
        self.files = 0
        self.parsed = 0
        self.refused = 0
        self.slowest_refusal = (0.0, "")
        self.slowest_parse = (0.0, "")
        self.highest_rss = (0.0, "")
        self.documents = 0

    def problem(self, name, what):
        self.problems.append(f"{name}: {what}")


def check_clean(report, name, what, result):
    code, out, err, seconds, rss = result
    if code == 101 or code < 0:
        report.problem(name, f"{what} ended with {'a panic' if code == 101 else f'signal {-code}'}: {err.strip()[-400:]}")
    for text in PANIC_TEXT:
        if text in out or text in err:
            report.problem(name, f"{what} printed panic text ({text!r}): {(err or out).strip()[-400:]}")
    if rss > MAX_RSS_MB:
        report.problem(name, f"{what} peaked at {rss:.0f} MB (the limit is {MAX_RSS_MB} MB)")
    if rss > report.highest_rss[0]:
        report.highest_rss = (rss, f"{name} ({what})")


def documents(report, sitebook, data_dir, name, estimate_id):
    estimate = str(estimate_id)
    for what, args in (
        ("estimate show", ["estimate", "show", estimate]),
        ("estimate abstract", ["estimate", "abstract", estimate, "--wait"]),
        ("bill create", ["bill", "create", estimate, "--kind", "first-part", "--wait"]),
        ("workslip create", ["workslip", "create", estimate, "--wait"]),
        ("bill list", ["bill", "list", estimate]),
    ):
        result = run(sitebook, data_dir, args)
        report.documents += 1
        check_clean(report, name, what, result)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sitebook", required=True)
    parser.add_argument("--corpus")
    parser.add_argument("--keep", action="store_true", help="keep the data dir and corpus")
    args = parser.parse_args()
    sitebook = os.path.abspath(args.sitebook)

    work = tempfile.mkdtemp(prefix="sitebook-hostile-")
    corpus = args.corpus or os.path.join(work, "corpus")
    if not args.corpus:
        subprocess.run([sys.executable, os.path.join(HERE, "generate.py"), corpus], check=True, stdout=subprocess.DEVNULL)
    data_dir = os.path.join(work, "data")
    code, out, err, _, _ = run(sitebook, data_dir, ["init", "--name", "Hostile Tester"])
    if code != 0:
        sys.exit(f"could not initialise a data dir: {err}")

    report = Report()
    for name in sorted(os.listdir(corpus)):
        report.files += 1
        path = os.path.join(corpus, name)
        result = run(sitebook, data_dir, ["--json", "upload", "--wait", path])
        code, out, err, seconds, rss = result
        check_clean(report, name, "upload --wait", result)
        try:
            answer = json.loads(out) if out.strip() else {}
        except json.JSONDecodeError:
            report.problem(name, f"upload --json printed something that is not JSON: {out[:200]!r}")
            continue
        jobs = answer.get("jobs", []) if isinstance(answer, dict) else []
        uploads = answer.get("uploads", []) if isinstance(answer, dict) else []
        job = jobs[0] if jobs else None
        if job and job.get("status") == "completed" and job.get("estimateId"):
            report.parsed += 1
            if code != 0:
                report.problem(name, f"the parse completed but upload exited {code}")
            if seconds > report.slowest_parse[0]:
                report.slowest_parse = (seconds, name)
            documents(report, sitebook, data_dir, name, job["estimateId"])
            continue
        report.refused += 1
        if code == 0:
            report.problem(name, "refused or failed, but upload exited 0")
        message = (job or {}).get("errorMessage") or next((u["error"]["message"] for u in uploads if u.get("error")), None)
        if not message:
            report.problem(name, f"no error message was given (exit {code}): {err.strip()[-300:]}")
        elif name not in message:
            report.problem(name, f"the error does not name the file: {message}")
        if seconds > report.slowest_refusal[0]:
            report.slowest_refusal = (seconds, name)

    database = os.path.join(data_dir, "sitebook.sqlite")
    with sqlite3.connect(database) as db:
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    if integrity != "ok":
        report.problem("database", f"integrity_check says {integrity}")
    verify = run(sitebook, data_dir, ["audit", "verify"])
    if verify[0] != 0:
        report.problem("audit log", f"verify exited {verify[0]}: {verify[2].strip()}")

    print(
        json.dumps(
            {
                "files": report.files,
                "parsed": report.parsed,
                "refused": report.refused,
                "document_commands": report.documents,
                "slowest_refusal_s": round(report.slowest_refusal[0], 2),
                "slowest_refusal": report.slowest_refusal[1],
                "slowest_parse_s": round(report.slowest_parse[0], 2),
                "slowest_parse": report.slowest_parse[1],
                "highest_rss_mb": round(report.highest_rss[0], 1),
                "highest_rss": report.highest_rss[1],
                "integrity_check": integrity,
                "problems": report.problems,
            },
            indent=2,
        )
    )
    if args.keep:
        print(f"kept {work}", file=sys.stderr)
    else:
        shutil.rmtree(work, ignore_errors=True)
    if report.problems:
        sys.exit(1)


if __name__ == "__main__":
    main()
