#!/usr/bin/env python3
"""Records which of the desktop binary's functions run while the window starts, for the linker.

At start-up the window runs about 2,600 of the binary's functions, 2.5 MiB of its 25 MiB of
code, scattered all over it. The kernel maps a binary's code 64 KiB at a time around each page
first touched, so that scatter made 11 MiB of code resident for 2.5 MiB used. `src-tauri/build.rs`
hands the list this script writes to the linker (`--symbol-ordering-file`), which places those
functions side by side at the start of the code; the rest of the binary is laid out as before.

The list is a layout hint, never a correctness matter: a name the linker no longer finds (code
renamed, a dependency updated) is skipped, and only the memory gain shrinks. Run this again
after large changes to the start-up path or the dependencies (see BENCHMARKS.md for the check):

    cargo build --release -p sitebook-desktop --bin sitebook-desktop
    python3 src-tauri/benches/record_startup_order.py target/release/sitebook-desktop

It starts the binary under valgrind's callgrind on a private Xvfb display, on a data folder
that already has an account (a later start; a first start runs the same code and the
migrations), waits until the sign-in screen has been drawn and the background work has
started, and writes the mangled names of every function of the binary that ran.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from window_env import private_window_env

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUTPUT = os.path.join(ROOT, "src-tauri", "startup-order.txt")
HEADER = (
    "# Functions the desktop window runs while it starts, for the linker's"
    " --symbol-ordering-file.\n"
    "# Written by src-tauri/benches/record_startup_order.py; see that script for why.\n"
)


def functions_run_by(callgrind_out, binary_name):
    """Mangled names of the functions of `binary_name` that have cost in a callgrind dump."""
    objects, functions, current_object = {}, {}, None
    names, seen = [], set()
    # Callgrind writes a name once with its number, "fn=(12) name", and "fn=(12)" after that.
    labelled = re.compile(r"^(ob|cob|fl|fi|fe|cfi|cfl|fn|cfn)=\((\d+)\)(?: (.*))?$")
    with open(callgrind_out, errors="replace") as dump:
        for line in dump:
            match = labelled.match(line.rstrip("\n"))
            if not match:
                continue
            kind, number, name = match.groups()
            if kind in ("ob", "cob"):
                if name:
                    objects[number] = name
                if kind == "ob":
                    current_object = objects.get(number)
            elif kind in ("fn", "cfn"):
                if name:
                    functions[number] = name
                if kind == "fn" and current_object and current_object.endswith("/" + binary_name):
                    # Recursion levels are reported as name'2, name'3 …
                    function = re.sub(r"'\d+$", "", functions.get(number, ""))
                    if function and not function.startswith("0x") and function not in seen:
                        seen.add(function)
                        names.append(function)
    return names


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("binary", help="the release build of sitebook-desktop")
    parser.add_argument("--cli", default=None,
                        help="the sitebook CLI, to make the account (default: beside the binary)")
    parser.add_argument("--seconds", type=float, default=120,
                        help="how long to let it run under callgrind (it is about 50x slower)")
    parser.add_argument("--output", default=OUTPUT)
    args = parser.parse_args()
    binary = os.path.abspath(args.binary)
    cli = args.cli or os.path.join(os.path.dirname(binary), "sitebook")
    for tool in ("valgrind", "callgrind_control", "Xvfb"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is needed (Debian packages valgrind and xvfb)")

    home = tempfile.mkdtemp(prefix="sitebook-order-")
    display = ":97"
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1280x800x24"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    app = None
    try:
        env = private_window_env(home, display)
        data_dir = env["SITEBOOK_DATA_DIR"]
        account_env = dict(env, SITEBOOK_PASSWORD="record-the-order-1",
                   SITEBOOK_NEW_PASSWORD="record-the-order-1")
        subprocess.run([cli, "--data-dir", data_dir, "--user", "asha", "init", "--name",
                        "Asha Verma"], env=account_env, check=True, stdout=subprocess.DEVNULL)
        dump = os.path.join(home, "callgrind.out")
        # %p: WebKit's helpers are forked from the program before they exec, and each fork
        # would otherwise overwrite the program's dump when it ends.
        app = subprocess.Popen(
            ["valgrind", "--tool=callgrind", "--demangle=no",
             f"--callgrind-out-file={dump}.%p", binary],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(args.seconds)
        subprocess.run(["callgrind_control", "--dump", str(app.pid)], check=True,
                       stdout=subprocess.DEVNULL)
        time.sleep(5)
        dumps = sorted(f for f in os.listdir(home) if f.startswith(f"callgrind.out.{app.pid}"))
        if not dumps:
            sys.exit("callgrind wrote no dump for the program")
        # A dict keeps the first-seen order and drops repeats across the dumps.
        names = list(dict.fromkeys(
            function
            for name in dumps
            for function in functions_run_by(os.path.join(home, name), os.path.basename(binary))
        ))
        if len(names) < 500:
            sys.exit(f"only {len(names)} functions ran: did the window start? (try --seconds)")
        with open(args.output, "w") as out:
            out.write(HEADER)
            out.writelines(name + "\n" for name in names)
        print(f"{len(names)} functions written to {args.output}")
    finally:
        if app and app.poll() is None:
            app.terminate()
            try:
                app.wait(timeout=30)
            except subprocess.TimeoutExpired:
                app.kill()
        xvfb.terminate()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
