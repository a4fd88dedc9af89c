#!/usr/bin/env python3
"""Desktop end-to-end tests: the real built app, driven through WebKitWebDriver under Xvfb.

Each scenario prepares a data dir with the real `sitebook` CLI, starts the desktop binary
through WebDriver, acts as a person would (type, click, press keys) and checks what the window
shows. Screenshots land in tests/e2e/artifacts/ for a person to look at.

Run it under a display, e.g. `xvfb-run -a python3 tests/e2e/run_e2e.py`.
"""

import base64
import http.client
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback
import zipfile
from decimal import Decimal, ROUND_HALF_UP

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ARTIFACTS = os.path.join(ROOT, "tests", "e2e", "artifacts")
PASSWORD = "e2e-password-1"
ENTER = "\ue007"


def target_dir():
    meta = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--no-deps"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    )
    return json.loads(meta.stdout)["target_directory"]


BIN = os.path.join(target_dir(), "debug")
CLI = os.path.join(BIN, "sitebook")
DESKTOP = os.path.join(BIN, "sitebook-desktop")
S3_SERVER = os.path.join(BIN, "examples", "s3_test_server")
S3_ACCESS_KEY = "GKsitebooke2e0001"
S3_SECRET_KEY = "sitebook-e2e-secret-key-0001"
S3_BUCKET = "district-works"
FIXTURE = os.path.join(ROOT, "crates", "sitebook-core", "tests", "fixtures", "estimate.xlsx")


def cli(data_dir, *args, password=PASSWORD, new_password=PASSWORD):
    env = dict(os.environ, SITEBOOK_PASSWORD=password, SITEBOOK_NEW_PASSWORD=new_password)
    result = subprocess.run([CLI, "--data-dir", data_dir, *args], env=env,
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise AssertionError(f"sitebook {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DriverSilent(Exception):
    """WebKitWebDriver closed the connection or gave no answer in time. Not an AssertionError:
    the waits below retry those, and a silent driver must end the test at once (see `main`)."""


# Processes whose state explains a silent driver: the window's own, WebKit's web process
# (where the page runs) and the driver. /proc truncates names to 15 characters.
WATCHED = ("sitebook-deskto", "WebKitWebProces", "WebKitWebDriver")


def what_the_processes_were_doing():
    """The watched processes' states, the kernel call each waits in and CPU used, and, when gdb
    is installed, where the window's and the web page's main threads stood: enough to tell a
    frozen window from a busy machine or a stuck driver."""
    lines = []
    for pid in sorted(int(p) for p in os.listdir("/proc") if p.isdigit()):
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
            with open(f"/proc/{pid}/wchan") as f:
                wchan = f.read().strip()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        if name not in WATCHED or fields[0] == "Z":
            continue
        ticks = os.sysconf("SC_CLK_TCK")
        cpu = (int(fields[11]) + int(fields[12])) / ticks
        lines.append(f"{name} {pid}: state {fields[0]}, waiting in {wchan or '-'}, {cpu:.1f} s of CPU")
        if name != "WebKitWebDriver" and shutil.which("gdb"):
            trace = subprocess.run(
                ["gdb", "-p", str(pid), "-batch", "-ex", "thread apply 1 bt 12"],
                capture_output=True, text=True, timeout=30)
            lines += ["    " + line[:160] for line in trace.stdout.splitlines() if line.startswith("#")]
    if shutil.which("import"):
        os.makedirs(ARTIFACTS, exist_ok=True)
        shot = os.path.join(ARTIFACTS, f"silent-driver-{int(time.time())}.png")
        taken = subprocess.run(["import", "-window", "root", shot], capture_output=True, timeout=30)
        lines.append(f"the screen then: {shot}" if taken.returncode == 0 else "the screen could not be taken")
    return "\n".join(lines) or "no watched process was running"


class WebDriver:
    """A minimal W3C WebDriver client over one keep-alive connection (see TOOLING.md: a new
    connection per request makes the driver reset requests at random)."""

    # An answer normally takes well under a second; a loaded machine has taken 20 s.
    PATIENCE_S = 90

    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=self.PATIENCE_S)
        self.session = None
        self.silent = False

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body)
        headers = {"Content-Type": "application/json"} if data else {}
        asked = time.time()
        try:
            self.conn.request(method, path, body=data, headers=headers)
            response = self.conn.getresponse()
            payload = json.loads(response.read() or b"{}")
        except (OSError, http.client.HTTPException) as lost:
            # Once in many CI runs the driver did not answer a key typed at sign-in. Say what the
            # window was doing then, so that a recurrence names its cause.
            self.silent = True
            raise DriverSilent(
                f"{method} {path}: WebKitWebDriver gave no answer ({lost!r} after "
                f"{time.time() - asked:.0f} s). The processes then:\n"
                f"{what_the_processes_were_doing()}") from None
        if response.status >= 400:
            raise RuntimeError(f"{method} {path}: {response.status} {payload}")
        return payload.get("value")

    def start(self, binary, env_note=""):
        caps = {"capabilities": {"alwaysMatch": {
            "webkitgtk:browserOptions": {"binary": binary, "args": []},
        }}}
        value = self.call("POST", "/session", caps)
        self.session = value["sessionId"]

    def s(self, path):
        return f"/session/{self.session}{path}"

    def find(self, testid, timeout=15, inner=""):
        selector = f"[data-testid='{testid}'] {inner}".strip()
        deadline = time.time() + timeout
        while True:
            try:
                value = self.call("POST", self.s("/element"), {
                    "using": "css selector", "value": selector})
                return next(iter(value.values()))
            except RuntimeError:
                if time.time() > deadline:
                    raise AssertionError(f"no element {selector!r} appeared")
                time.sleep(0.2)

    def text(self, testid):
        return self.call("GET", self.s(f"/element/{self.find(testid)}/text")).strip()

    def attribute(self, testid, name):
        return self.call("GET", self.s(f"/element/{self.find(testid)}/attribute/{name}"))

    def type(self, testid, text):
        self.call("POST", self.s(f"/element/{self.find(testid)}/value"), {"text": text})

    def value(self, testid):
        """What a field holds now, or None when there is no such field (no waiting)."""
        return self.execute("const e = document.querySelector(`[data-testid='${arguments[0]}']`);"
                            "return e ? e.value : null;", [testid])

    def clear_and_type(self, testid, text):
        """Replaces a field's text. A re-render that lands between the clear and the typing (a
        live preview arriving) can put the old value back, so the result is checked and the
        whole step repeated until the field holds exactly `text`."""
        for _ in range(5):
            element = self.find(testid)
            self.call("POST", self.s(f"/element/{element}/clear"), {})
            self.call("POST", self.s(f"/element/{element}/value"), {"text": text})
            time.sleep(0.2)
            if self.value(testid) == text:
                return
        raise AssertionError(f"{testid} would not take {text!r}")

    def wait_until(self, script, what, timeout=30, args=None):
        deadline = time.time() + timeout
        while time.time() < deadline:
            value = self.execute(script, args)
            if value:
                return value
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}")

    def click(self, testid, inner=""):
        self.call("POST", self.s(f"/element/{self.find(testid, inner=inner)}/click"), {})

    def _wait_for_text(self, testid, accept, wanted, timeout):
        deadline = time.time() + timeout
        seen = None
        while time.time() < deadline:
            try:
                seen = self.text(testid)
                if accept(seen):
                    return seen
            except (AssertionError, RuntimeError):
                pass
            time.sleep(0.2)
        raise AssertionError(f"{testid} shows {seen!r}, expected {wanted}")

    def wait_text(self, testid, expected, timeout=15):
        self._wait_for_text(testid, lambda seen: seen == expected, repr(expected), timeout)

    def wait_containing(self, testid, part, timeout=15):
        """Waits until the element shows text containing `part`; returns the whole text."""
        return self._wait_for_text(testid, lambda seen: part in seen,
                                   f"it to contain {part!r}", timeout)

    def execute(self, script, args=None):
        return self.call("POST", self.s("/execute/sync"), {"script": script, "args": args or []})

    def wait_for(self, testid, timeout=30):
        return self.find(testid, timeout=timeout)

    def screenshot(self, name):
        os.makedirs(ARTIFACTS, exist_ok=True)
        png = base64.b64decode(self.call("GET", self.s("/screenshot")))
        path = os.path.join(ARTIFACTS, name)
        with open(path, "wb") as f:
            f.write(png)
        return path

    def quit(self):
        if self.session and not self.silent:
            try:
                self.call("DELETE", self.s(""))
            except Exception:
                pass
        self.conn.close()


class App:
    """WebKitWebDriver plus the desktop app on a prepared data dir; cleaned up on exit."""

    def __init__(self, data_dir, **extra_env):
        self.port = free_port()
        env = dict(os.environ, SITEBOOK_DATA_DIR=data_dir, TAURI_WEBVIEW_AUTOMATION="true",
                   **extra_env)
        self.driver_proc = subprocess.Popen(
            ["WebKitWebDriver", f"--port={self.port}"], env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.time() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if time.time() > deadline:
                    raise AssertionError("WebKitWebDriver did not start")
                time.sleep(0.1)
        self.wd = WebDriver(self.port)
        self.wd.start(DESKTOP)

    def close(self):
        self.wd.quit()
        try:
            os.killpg(self.driver_proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self.driver_proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.driver_proc.pid, signal.SIGKILL)
        # Reap WebKit children left <defunct> (TOOLING.md).
        try:
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        except ChildProcessError:
            pass


def prepared_data_dir():
    data_dir = tempfile.mkdtemp(prefix="sitebook-e2e-")
    cli(data_dir, "init", "--user", "root", "--name", "Root Admin")
    cli(data_dir, "--user", "root", "org", "import", os.path.join(ROOT, "examples", "orgs.csv"))
    cli(data_dir, "--user", "root", "--org", "MOH", "user", "add", "field",
        "--name", "Field Engineer", "--role", "member", "--no-personal-org")
    return data_dir


def drop_files(wd, paths):
    """Emits the window's drop event for `paths`, as the shell does for a real drop. The app
    does not expose Tauri's global API (`withGlobalTauri` is off), so this goes through the IPC
    call that `emit` of @tauri-apps/api makes."""
    wd.execute(
        "window.__TAURI_INTERNALS__.invoke('plugin:event|emit', {event: 'tauri://drag-drop', "
        "payload: {paths: arguments[0], position: {x: 10, y: 10}}});",
        [paths],
    )


def sign_in(wd, username, org=None):
    """Signs in with the shared password and waits for the top bar to show the active org:
    `org`, or the person's own (named like them) when it is not given."""
    wd.type("signin-username", username)
    wd.type("signin-password", PASSWORD)
    wd.click("signin-submit")
    try:
        wd.wait_text("active-org-code", org or username)
    except AssertionError as failure:
        # Once in many runs the top bar never came; say what the window showed instead, so
        # that a recurrence names its cause (a lost key, an error from the core, a reload).
        try:
            shot = wd.screenshot(f"sign-in-failed-{username}.png")
            password = wd.value("signin-password")
            seen = {"url": wd.execute("return location.href;"),
                    "username": wd.value("signin-username"),
                    "passwordLength": None if password is None else len(password),
                    "text": wd.execute("return document.body.innerText.slice(0, 400);")}
            shown = f"the window showed {seen!r} (see {shot})"
        except Exception as unseen:  # a window gone altogether must not hide the first failure
            shown = f"and the window could not be read ({unseen})"
        raise AssertionError(f"{failure}; {shown}") from None


def signed_in_ready_for_drops(wd, username="root"):
    """Signs in and waits until the window hears file drops (the listeners attach
    asynchronously; a real drop cannot come sooner either)."""
    sign_in(wd, username)
    wd.wait_until("return !!document.querySelector('.layout[data-drop-ready=\"true\"]');",
                  "the window to hear drops", timeout=15)


def test_sign_in_pick_and_switch_org():
    """Sign in, open the picker with the keyboard-searchable list, switch to MOH, and check
    the top bar and the remembered choice."""
    data_dir = prepared_data_dir()
    app = App(data_dir)
    try:
        wd = app.wd
        # The sign-in screen is the one drawn at build time: React has not taken it over (nor
        # been loaded) before the person types; the first key hands it to React.
        adopted = ("const e = document.querySelector('[data-testid=\"signin-username\"]');"
                   "return Object.keys(e).some((key) => key.startsWith('__reactProps'));")
        wd.find("signin-username")
        time.sleep(1)
        assert wd.execute(adopted) is False, "React took the sign-in screen over before anyone typed"
        wd.screenshot("sign-in-drawn-at-build-time.png")
        sign_in(wd, "root")
        assert wd.text("active-role-badge") == "Superuser", wd.text("active-role-badge")
        wd.find("works-pane")

        wd.click("org-picker-button")
        wd.find("org-picker")
        assert wd.attribute("org-option-root", "data-active") == "true"
        wd.find("org-option-MAFAR")
        wd.type("org-picker-search", "moh")
        wd.screenshot("picker.png")
        wd.type("org-picker-search", ENTER)
        wd.wait_text("active-org-code", "MOH")
        wd.wait_text("active-org-name", "Ministry of Health")
        wd.screenshot("switched.png")

        shown = cli(data_dir, "--user", "root", "org", "show", "--json")
        assert json.loads(shown)["code"] == "MOH", shown
        audit = json.loads(cli(data_dir, "--user", "root", "audit", "list", "--json", "--limit", "200"))
        assert any(r["action"] == "org.switch" and r["orgCode"] == "MOH" and r["outcome"] == "success"
                   for r in audit), "the switch is audited"

        # A superuser creates an organization in the picker, and lands in it. The list is
        # waited for first: arriving, it moves the button down, and a click aimed while it
        # loaded (a busy machine) landed on an organization instead.
        wd.click("org-picker-button")
        wd.find("org-picker")
        wd.find("org-option-MAFAR")
        wd.click("new-org-open")
        wd.type("new-org-code", "PWD-7")
        wd.type("new-org-name", "Public Works Division 7")
        wd.screenshot("picker-new-org.png")
        wd.click("new-org-create")
        wd.wait_text("active-org-code", "PWD-7")
        wd.wait_text("active-org-name", "Public Works Division 7")
        orgs = json.loads(cli(data_dir, "--user", "root", "org", "list", "--json"))
        assert any(o["code"] == "PWD-7" and o["orgType"] == "office" for o in orgs), orgs
    finally:
        app.close()
        shutil.rmtree(data_dir, ignore_errors=True)


def test_wrong_password_is_shown_where_the_user_typed_it():
    data_dir = prepared_data_dir()
    app = App(data_dir)
    try:
        wd = app.wd
        wd.type("signin-username", "field")
        wd.type("signin-password", "not-the-password")
        wd.click("signin-submit")
        deadline = time.time() + 10
        message = ""
        while time.time() < deadline and "password is wrong" not in message:
            try:
                message = wd.text("form-error")
            except AssertionError:
                pass
            time.sleep(0.2)
        assert "The username or password is wrong." in message, message
        wd.screenshot("wrong-password.png")
    finally:
        app.close()
        shutil.rmtree(data_dir, ignore_errors=True)


def test_dropped_workbook_becomes_an_estimate():
    """Drop a workbook on the window (through the same event a real drop raises), watch its
    job finish, and read the items table. Then import a second one through the "choose them…"
    button, whose native dialog SITEBOOK_CHOOSE_WORKBOOKS answers."""
    data_dir = prepared_data_dir()
    fixtures = os.path.join(ROOT, "crates", "sitebook-core", "tests", "fixtures")
    workbook = os.path.join(fixtures, "estimate.xlsx")
    chosen = os.path.join(fixtures, "estimate.ods")
    app = App(data_dir, SITEBOOK_CHOOSE_WORKBOOKS=chosen)
    try:
        wd = app.wd
        signed_in_ready_for_drops(wd)
        wd.find("works-pane")
        # The page gets no global Tauri API (less to load at start-up, less for a stray script
        # to reach); the drop arrives as the shell sends it.
        assert wd.execute("return typeof window.__TAURI__;") == "undefined"
        drop_files(wd, [workbook])
        # The parse job runs in the app's own worker pool; the estimate appears when it is done.
        try:
            wd.wait_for("estimate-row-1", timeout=60)
        except AssertionError:
            wd.screenshot("drop-failure.png")
            jobs = cli(data_dir, "--user", "root", "jobs", "list")
            raise AssertionError(f"no estimate appeared; jobs:\n{jobs}")
        wd.click("estimate-row-1", inner="button")
        wd.find("estimate-detail")
        items = wd.text("items-table")
        assert "Aerial bunched cable" in items, items
        assert "12,345.00" in items, "amounts in Indian grouping: " + items
        assert wd.find("item-row-9")
        warnings = wd.text("warnings-list")
        assert "Estimate!H12" in warnings, warnings
        footer = wd.text("footer-table")
        assert "1,30,000.00" in footer, footer
        wd.screenshot("estimate.png")

        wd.click("nav-jobs")
        jobs = wd.text("jobs-pane")
        assert "estimate.xlsx" in jobs and "Completed" in jobs, jobs
        wd.screenshot("jobs.png")

        listed = json.loads(cli(data_dir, "--user", "root", "jobs", "list", "--json"))
        assert [j["status"] for j in listed] == ["completed"], listed

        wd.click("nav-works")
        wd.click("choose-workbooks")
        # Added under the first drop's line, which has followed its job to the end.
        wd.wait_for("upload-result-1")
        assert "Read (job #1)" in wd.text("upload-result-0"), wd.text("upload-result-0")
        assert "estimate.ods" in wd.text("upload-result-1"), wd.text("upload-result-1")
        wd.wait_for("estimate-row-2", timeout=60)
        wd.screenshot("chosen-workbook.png")
    finally:
        app.close()
        shutil.rmtree(data_dir, ignore_errors=True)


def jobs_by_status(data_dir):
    """The job counts by status, read from the app's database beside it (WAL lets a reader in)."""
    db = sqlite3.connect(f"file:{os.path.join(data_dir, 'sitebook.sqlite')}?mode=ro", uri=True,
                         timeout=10)
    try:
        return dict(db.execute("SELECT status, COUNT(*) FROM jobs GROUP BY status").fetchall())
    finally:
        db.close()


def jobs_pane_shows_a_job_waiting_for_a_reader(wd, within=2.0):
    """Whether a row of the Jobs pane says "Waiting for a reader" within `within` seconds; the
    first such row is scrolled into view."""
    deadline = time.time() + within
    while True:
        found = wd.execute(
            "const cell = [...document.querySelectorAll(\"[data-testid^='job-step-']\")]"
            "  .find(c => c.textContent === 'Waiting for a reader');"
            "if (cell) cell.scrollIntoView({block: 'center'});"
            "return !!cell;")
        if found or time.time() >= deadline:
            return found
        time.sleep(0.1)


def test_a_burst_of_200_dropped_files_shows_live_progress_while_the_window_answers():
    """Drop 200 distinct workbooks at once. While they are read, the top bar counts the jobs
    still waiting, and the window answers clicks: each click opens its pane at once. In the
    end every file is an estimate."""
    data_dir = prepared_data_dir()
    burst_dir = tempfile.mkdtemp(prefix="sitebook-burst-")
    paths = []
    for n in range(200):
        path = os.path.join(burst_dir, f"ward-{n:03}.xlsx")
        shutil.copyfile(FIXTURE, path)
        # A different zip comment makes each copy's bytes, and so its upload, distinct.
        with zipfile.ZipFile(path, "a") as copy:
            copy.comment = f"burst copy {n}".encode()
        paths.append(path)
    # Each parse is slowed so that the burst lasts about 20 s whatever the machine: the app runs
    # one worker per core, so the delay grows with the cores. A loaded CI machine takes a second
    # or two per click below, and a burst of a few seconds once left room for only four clicks.
    cores = len(os.sched_getaffinity(0))
    app = App(data_dir, SITEBOOK_TEST_WORKER_DELAY_MS=str(100 * cores))
    try:
        wd = app.wd
        signed_in_ready_for_drops(wd)
        drop_files(wd, paths)
        # The summary follows the jobs: the first may already be read when it shows.
        dropped = re.compile(r"200 files dropped on root: (\d+ read, )?\d+ queued\.|200 files dropped on root: 200 read\.")
        summary = wd._wait_for_text("upload-results", lambda seen: dropped.search(seen) is not None,
                                    "all 200 files taken, none refused", 120)
        assert "Show the other 195 files" in summary, summary

        waiting_seen = []
        answered_while_busy = 0
        said_waiting = 0
        panes = ["jobs", "works", "outputs"]
        deadline = time.time() + 900
        shot = False
        while time.time() < deadline:
            counts = jobs_by_status(data_dir)
            busy = counts.get("queued", 0) + counts.get("running", 0)
            if busy == 0:
                break
            indicator = wd.execute(
                "const e = document.querySelector(\"[data-testid='jobs-indicator-text']\");"
                "return e ? e.textContent : '';")
            if " waiting" in indicator:
                waiting_seen.append(int(indicator.split("·")[1].split()[0]))
            pane = panes[answered_while_busy % len(panes)]
            wd.click(f"nav-{pane}")
            # Answering means the pane is there well within a person's patience.
            wd.find(f"{pane}-pane", timeout=5)
            answered_while_busy += 1
            # The jobs claimed behind a busy reader say so, rather than all looking busy. The
            # pane's list may still be loading when it appears, so each look lasts a moment.
            if pane == "jobs" and jobs_pane_shows_a_job_waiting_for_a_reader(wd):
                if not said_waiting:
                    wd.screenshot("burst-jobs-waiting.png")
                said_waiting += 1
            if not shot and len(waiting_seen) >= 2:
                wd.screenshot("burst-in-progress.png")
                shot = True
            time.sleep(0.3)
        counts = jobs_by_status(data_dir)
        print(f"     {answered_while_busy} clicks answered during the burst, {said_waiting} Jobs panes "
              f"with jobs waiting for a reader; waiting counts seen: "
              f"{sorted(set(waiting_seen), reverse=True)}")
        assert counts == {"completed": 200}, counts
        assert answered_while_busy >= 5, f"only {answered_while_busy} clicks landed during the burst"
        assert said_waiting >= 1, "no job in the Jobs pane said it was waiting for a reader"
        distinct = sorted(set(waiting_seen), reverse=True)
        assert len(distinct) >= 3, f"the waiting count did not move: {waiting_seen}"
        assert waiting_seen[0] > waiting_seen[-1], waiting_seen

        wd.click("nav-works")
        wd.wait_for("works-pane")
        wd.wait_until("return document.querySelectorAll(\"[data-testid^='estimate-row-']\").length >= 200;",
                      "200 estimates listed", timeout=60)
        wd.screenshot("burst-done.png")
    finally:
        app.close()
        shutil.rmtree(data_dir, ignore_errors=True)
        shutil.rmtree(burst_dir, ignore_errors=True)


def test_audit_shows_the_chain_verified_then_the_break_after_tampering():
    """The Audit screen says the log's hash chain is intact; after a row is forged in the
    database file (as someone holding it could), it names the forged entry as an alert."""
    data_dir = prepared_data_dir()
    app = App(data_dir)
    try:
        wd = app.wd
        sign_in_as_root(wd)
        wd.click("nav-audit")
        wd.wait_containing("audit-chain", "Verified:")
        wd.screenshot("audit-verified.png")

        # The anchor file lost for good: a break, until the superuser accepts the log with a
        # reason, which the log keeps.
        os.remove(os.path.join(data_dir, "audit-anchor.json"))
        wd.click("audit-reload")
        wd.wait_containing("audit-chain", "is missing")
        wd.click("audit-reanchor-open")
        wd.type("audit-reanchor-reason", "Disk restored from the March backup")
        wd.screenshot("audit-reanchor.png")
        wd.click("audit-reanchor-confirm")
        wd.wait_containing("audit-chain", "Verified:")
        assert os.path.exists(os.path.join(data_dir, "audit-anchor.json"))
        kept = json.loads(cli(data_dir, "--user", "root", "audit", "list", "--json", "--limit", "50"))
        assert any(r["action"] == "audit.reanchor" and "March backup" in (r["reason"] or "")
                   for r in kept), kept

        with sqlite3.connect(os.path.join(data_dir, "sitebook.sqlite")) as db:
            forged = db.execute(
                "INSERT INTO audit_log (at, username, action, outcome, device) "
                "VALUES ('2026-01-01T00:00:00Z', 'root', 'org.create', 'success', 'x') "
                "RETURNING id"
            ).fetchone()[0]
        wd.click("audit-reload")
        wd.wait_containing("audit-chain", f"breaks at entry {forged}")
        wd.screenshot("audit-broken.png")
        # A forged entry is not anchored away.
        wd.click("audit-reanchor-open")
        wd.type("audit-reanchor-reason", "Accept the log as it is now")
        wd.click("audit-reanchor-confirm")
        wd.wait_containing("audit-reanchor-error", f"own chain is broken at entry {forged}")
    finally:
        app.close()
        shutil.rmtree(data_dir, ignore_errors=True)


def sign_in_as_root(wd):
    sign_in(wd, "root")


# Each visible, enabled run of text against the colour actually behind it (its own and its
# ancestors' backgrounds blended, opacity included), by the WCAG 2 ratio: 4.5 for body text,
# 3 for large text. Disabled controls are exempt in WCAG, and the PDF preview is paper.
CONTRAST_AUDIT = r"""
const parse = c => {
  const m = c.match(/rgba?\(([^)]+)\)/);
  if (!m) return null;
  const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number);
  return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
};
const over = (top, bottom) => [0, 1, 2].map(i => top[i] * top[3] + bottom[i] * (1 - top[3]));
const backdrop = el => {
  const layers = [];
  for (let e = el; e; e = e.parentElement) {
    const bg = parse(getComputedStyle(e).backgroundColor);
    if (bg && bg[3] > 0) { layers.push(bg); if (bg[3] >= 1) break; }
  }
  return layers.reduceRight((below, layer) => over(layer, below), [255, 255, 255]);
};
const luminance = c => {
  const [r, g, b] = c.map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
const ratio = (a, b) => {
  const [x, y] = [luminance(a), luminance(b)];
  return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
};
const failures = [];
let checked = 0;
for (const el of document.querySelectorAll('body *')) {
  if (![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
  const box = el.getBoundingClientRect();
  if (!box.width || !box.height || box.bottom < 0 || box.top > innerHeight) continue;
  const style = getComputedStyle(el);
  if (style.visibility === 'hidden') continue;
  if (el.closest(':disabled, [aria-disabled="true"], canvas, [data-testid=pdf-preview]')) continue;
  let opacity = 1;
  for (let e = el; e; e = e.parentElement) opacity *= Number(getComputedStyle(e).opacity);
  if (opacity === 0) continue;
  const back = backdrop(el);
  const fg = parse(style.color);
  const r = ratio(over([fg[0], fg[1], fg[2], fg[3] * opacity], back), back);
  const size = parseFloat(style.fontSize);
  const needed = size >= 24 || (Number(style.fontWeight) >= 700 && size >= 18.66) ? 3 : 4.5;
  checked += 1;
  if (r < needed) {
    failures.push(`${r.toFixed(2)} < ${needed}: "${el.textContent.trim().slice(0, 40)}" `
      + `(${el.tagName.toLowerCase()}.${el.className}) ${style.color} on rgb(${back.map(Math.round)})`);
  }
}
return {checked, failures, dark: matchMedia('(prefers-color-scheme: dark)').matches,
        background: getComputedStyle(document.body).backgroundColor};
"""


def legible_everywhere(wd, theme, screen, at_least):
    """Runs the contrast audit on the screen once it has drawn what it loads (a loaded CI
    machine once audited the works pane before its list came); every run of text passes."""
    deadline = time.time() + 20
    while True:
        seen = wd.execute(CONTRAST_AUDIT)
        loading = "Loading" in wd.execute("return document.body.innerText;")
        if (seen["checked"] >= at_least and not loading) or time.time() > deadline:
            break
        time.sleep(0.3)
    assert seen["dark"] == (theme == "dark"), f"{screen}: the window did not follow the {theme} theme"
    assert seen["checked"] >= at_least, f"{screen}: only {seen['checked']} runs of text were seen"
    assert not seen["failures"], f"{theme} {screen}: text below WCAG contrast:\n" + "\n".join(
        seen["failures"])
    return seen


def test_text_is_legible_in_the_light_and_the_dark_desktop_theme():
    """The window follows the desktop's theme (UI.md: light and dark, following the OS), and in
    each every visible run of text meets WCAG AA contrast: sign-in, an estimate, the bill editor
    and its memorandum, and every pane. The audit is first shown to catch grey on grey."""
    data_dir = prepared_data_dir()
    cli(data_dir, "--user", "root", "upload", FIXTURE, "--wait")
    for theme, env in (("light", {"GTK_THEME": "Adwaita"}), ("dark", {"GTK_THEME": "Adwaita:dark"})):
        app = App(data_dir, **env)
        try:
            wd = app.wd
            wd.find("signin-username")
            seen = legible_everywhere(wd, theme, "sign-in", 5)
            background = [int(v) for v in seen["background"][4:-1].split(",")[:3]]
            assert (sum(background) < 200) == (theme == "dark"), (theme, seen["background"])
            # The audit can fail: a faint note added to the page is caught, then removed.
            wd.execute("const p = document.createElement('p'); p.id = 'faint';"
                       "p.textContent = 'faint'; p.style.cssText = 'position:fixed;top:0;left:0;"
                       "color:' + getComputedStyle(document.body).backgroundColor + ';opacity:0.9';"
                       "document.body.append(p);")
            caught = wd.execute(CONTRAST_AUDIT)["failures"]
            assert any('"faint"' in failure for failure in caught), caught
            wd.execute("document.getElementById('faint').remove();")

            sign_in_as_root(wd)
            legible_everywhere(wd, theme, "works", 20)
            wd.click(wd.execute("return [...document.querySelectorAll('[data-testid^=estimate-row-]')]"
                                ".pop().dataset.testid;"), inner="button")
            wd.find("work-name")
            legible_everywhere(wd, theme, "estimate", 60)
            wd.screenshot(f"theme-{theme}-estimate.png")
            wd.click("new-bill")
            wd.clear_and_type("qty-1", "20")
            wd.find("ae-row")
            wd.execute("document.querySelector('[data-testid=ae-row]')"
                       ".scrollIntoView({block: 'center', behavior: 'instant'})")
            legible_everywhere(wd, theme, "bill editor", 40)
            wd.execute("document.querySelector('[data-testid=memo-net]')"
                       ".scrollIntoView({block: 'center', behavior: 'instant'})")
            legible_everywhere(wd, theme, "memorandum", 40)
            wd.screenshot(f"theme-{theme}-memorandum.png")
            for pane in ("jobs", "outputs", "members", "audit", "settings"):
                wd.click(f"nav-{pane}")
                wd.wait_until(f"return document.querySelector('[data-testid=nav-{pane}]"
                              "[aria-current=page]');", f"the {pane} pane")
                time.sleep(0.5)
                legible_everywhere(wd, theme, pane, 15)
            wd.screenshot(f"theme-{theme}-settings.png")
        finally:
            app.close()


def test_bill_from_the_editor_opens_as_a_pdf_and_saves_a_copy():
    """Work data, then a first bill typed in the editor with one quantity past the estimate
    (an AE row in the live preview), saved; its PDF is drawn in the app by pdf.js, and Save as
    writes a copy and counts a download."""
    data_dir = prepared_data_dir()
    save_dir = tempfile.mkdtemp(prefix="sitebook-save-as-")
    workbook = os.path.join(ROOT, "crates", "sitebook-core", "tests", "fixtures", "estimate.xlsx")
    cli(data_dir, "--user", "root", "upload", workbook, "--wait")
    # A name of work in English and Telugu: the window draws the Telugu with the bundled font,
    # and the bill's PDF gives it back exactly.
    name_of_work = "CC road సిమెంట్ కాంక్రీట్ రోడ్డు, Ward 4"
    cli(data_dir, "--user", "root", "work", "edit", "1", "--name-of-work", name_of_work)
    app = App(data_dir, SITEBOOK_SAVE_AS_DIR=save_dir)
    try:
        wd = app.wd
        sign_in_as_root(wd)
        wd.click("estimate-row-1", inner="button")
        wd.find("work-name")
        wd.wait_until(
            "return [...document.fonts].some(f => f.family.includes('Sitebook Telugu')"
            " && f.status === 'loaded');",
            "the bundled Telugu font to load for the name of work")
        wd.execute("document.querySelector('[data-testid=work-name]')"
                   ".scrollIntoView({block: 'center', behavior: 'instant'})")
        wd.screenshot("work-form-telugu.png")
        wd.clear_and_type("work-agreement", "Agt 7/2024")
        wd.click("work-save")
        wd.find("work-saved")

        wd.click("new-bill")
        wd.find("qty-1")
        # A decimal comma is refused on its row, never read as 125.
        wd.clear_and_type("qty-1", "12,5")
        problem = wd.wait_until(
            "const e = document.querySelector('[data-testid=qty-problem-1]');"
            "return e && e.textContent;",
            "the comma refused in place")
        assert "could mean 12.5 or 125" in problem, problem
        assert wd.attribute("editor-save", "disabled") is not None, "Save stays disabled"
        wd.screenshot("bill-editor-comma.png")
        wd.clear_and_type("qty-1", "20")
        wd.wait_until(
            "const r = document.querySelector('[data-testid=ae-row]'); return r && r.textContent;",
            "an AE row in the preview")
        ae_row = wd.text("ae-row")
        assert "AE1" in ae_row and "3,375.00" in ae_row, ae_row

        # A one-off recovery: the memorandum in the preview takes it off the net, live.
        wd.click("add-recovery")
        wd.type("recovery-0-label", "Mobilisation advance")
        wd.type("recovery-0-amount", "10,000")
        lines = wd.wait_until(
            "const rows = [...document.querySelectorAll('[data-testid=memo-line]')]"
            ".map(r => [...r.querySelectorAll('td')].map(c => c.textContent));"
            "return rows.some(r => r[1].includes('Mobilisation advance')) && rows;",
            "the recovery in the memorandum")
        amount_of = lambda particulars: Decimal(
            next(r for r in lines if r[1].startswith(particulars))[3].replace(",", ""))
        # The example deductions, worked out here: SD 5 %, IT-TDS 2 % of the gross (no GST-TDS
        # on a 1,30,000 contract, and no labour cess: the estimate's footer has `Add LC @ 1 %`,
        # so the cess was collected there), then the 10,000 recovered.
        # The deposit stops at 5 % of the agreement's value: the fixture's items at the
        # estimate's quantities (12.5 × 450 + 1,234.5 × 10 + 1 × 1,000 + 2 × 40,064.95 =
        # 99,099.90) let at the workbook's 5 % Excess. Item 1 at 20 goes past that value.
        cent = Decimal("0.01")
        paise = lambda d: d.quantize(cent, rounding=ROUND_HALF_UP)
        gross = amount_of("Gross amount of this bill")
        ecv = Decimal("12.5") * 450 + Decimal("1234.5") * 10 + 1000 + 2 * Decimal("40064.95")
        agreement = ecv + paise(ecv * 5 / 100)
        deposit = min(paise(gross * 5 / 100), paise(agreement * 5 / 100))
        expected = gross - deposit - paise(gross * 2 / 100) - Decimal(10000)
        cess = next(r for r in lines if "Labour cess" in r[1])
        assert "nil: collected in the estimate" in " ".join(cess), cess
        net_text = wd.text("memo-net")
        assert Decimal(net_text.replace(",", "")) == expected, (net_text, expected, lines)
        wd.screenshot("bill-editor.png")
        wd.execute("document.querySelector('[data-testid=memorandum]').scrollIntoView()")
        wd.screenshot("bill-memorandum.png")
        wd.click("editor-save")

        assert_preview_drawn(wd, "the PDF preview", timeout=60)
        wd.screenshot("bill-preview.png")

        wd.click("output-save-as")
        saved = wd.text("output-saved")
        copies = [f for f in os.listdir(save_dir) if f.endswith(".pdf")]
        assert len(copies) == 1, (copies, saved)
        with open(os.path.join(save_dir, copies[0]), "rb") as f:
            assert f.read(5) == b"%PDF-"
        printed = subprocess.run(
            ["pdftotext", "-layout", os.path.join(save_dir, copies[0]), "-"],
            capture_output=True, text=True, check=True).stdout
        assert "MEMORANDUM OF PAYMENTS" in printed and "Mobilisation advance" in printed, printed
        assert name_of_work in " ".join(printed.split()), printed
        net_line = next(l for l in printed.splitlines() if "Net amount payable by cheque" in l)
        assert net_text in net_line, (net_text, net_line)
        outputs = json.loads(cli(data_dir, "--user", "root", "outputs", "list", "--json"))
        pdf = next(o for o in outputs if o["filename"] == copies[0])
        assert pdf["downloadCount"] == 1, pdf

        # The PDF deleted from the data folder by hand: opened again, the window says so and
        # offers Make again, which has the bill's job draw the same file again.
        os.remove(os.path.join(data_dir, "outputs", "root", pdf["filename"]))
        wd.execute("document.querySelector('[aria-label=\"Close the preview\"]').click()")
        wd.click(f"output-row-{pdf['id']}", inner="td")
        missing = wd.text("output-error")
        assert "is missing from the data folder" in missing, missing
        wd.screenshot("output-file-missing.png")
        wd.click("output-make-again")
        assert f"Job {pdf['jobId']} is making it again" in wd.text("output-mending")
        cli(data_dir, "--user", "root", "jobs", "wait", str(pdf["jobId"]))
        wd.execute("document.querySelector('[aria-label=\"Close the preview\"]').click()")
        wd.click(f"output-row-{pdf['id']}", inner="td")
        assert_preview_drawn(wd, "the PDF made again", timeout=60)
        with open(os.path.join(data_dir, "outputs", "root", pdf["filename"]), "rb") as f:
            assert hashlib.sha256(f.read()).hexdigest() == pdf["sha256"], "the same bytes again"

        # The bill's workbook was never saved: a cleanup with no days to spare takes it with
        # its record. Found again from the bill's row, its Outputs say so, and Make again
        # draws it again under its name.
        xlsx = next(o for o in outputs if o["jobId"] == pdf["jobId"] and o["kind"] == "xlsx")
        xlsx_path = os.path.join(data_dir, "outputs", "root", xlsx["filename"])
        cli(data_dir, "--user", "root", "outputs", "cleanup", "--days", "0")
        assert not os.path.exists(xlsx_path)
        wd.click("nav-works")
        wd.click("estimate-row-1", inner="button")
        wd.find("bills-table")
        # The list says what the bill pays, as the core figured it from the bill's input.
        listed = json.loads(cli(data_dir, "--user", "root", "bill", "list", "1", "--json"))
        net = wd.wait_containing("bill-net-1", "net payable ")
        assert net.replace("net payable ", "").replace(",", "") == listed[0]["netPayable"], net
        wd.execute("document.querySelector('[data-testid=bills-table]')"
                   ".scrollIntoView({block: 'center', behavior: 'instant'})")
        wd.screenshot("estimate-bills.png")
        wd.execute("document.querySelector("
                   f"'[aria-label=\"Outputs of job {pdf['jobId']}\"]').click()")
        removed = wd.wait_containing("outputs-removed", "removed by the cleanup")
        assert f"1 file of job #{pdf['jobId']} was removed" in removed, removed
        wd.screenshot("outputs-removed-by-cleanup.png")
        wd.click("outputs-make-again")
        wd.wait_until("return !document.querySelector('[data-testid=outputs-removed]');",
                      "the notice gone once the job has made the file again", timeout=60)
        again = json.loads(cli(data_dir, "--user", "root", "outputs", "list", "--job",
                               str(pdf["jobId"]), "--json"))
        assert sorted(o["filename"] for o in again) == sorted([pdf["filename"], xlsx["filename"]])
        with open(xlsx_path, "rb") as f:
            assert hashlib.sha256(f.read()).hexdigest() == xlsx["sha256"], "the same bytes again"
    finally:
        app.close()
        shutil.rmtree(data_dir, ignore_errors=True)
        shutil.rmtree(save_dir, ignore_errors=True)


class S3Server:
    """The s3s-fs test server (it checks SigV4 like a real service) on a free loopback port."""

    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="sitebook-s3-")
        os.makedirs(os.path.join(self.root, S3_BUCKET))
        self.proc = subprocess.Popen([S3_SERVER, self.root, S3_ACCESS_KEY, S3_SECRET_KEY],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.endpoint = self.proc.stdout.readline().strip()
        assert self.endpoint.startswith("http://127.0.0.1:"), self.endpoint

    def tell(self, command):
        """`hold` makes the next object downloads wait, `open` lets them all through again."""
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def objects(self):
        bucket = os.path.join(self.root, S3_BUCKET)
        return sorted(os.path.relpath(os.path.join(d, f), bucket)
                      for d, _, files in os.walk(bucket) for f in files)

    def close(self):
        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.root, ignore_errors=True)


def test_sync_set_in_settings_goes_from_waiting_to_up_to_date_and_shares_a_link():
    """Point the org at a local S3 server in Settings (the secret goes to the real keyring),
    watch the top bar count the outputs waiting, sync them, and download one through a copied
    share link."""
    import urllib.request

    data_dir = prepared_data_dir()
    cli(data_dir, "--user", "root", "upload", FIXTURE, "--wait")
    outputs = json.loads(cli(data_dir, "--user", "root", "outputs", "list", "--json"))
    assert outputs, "the parse left an output to sync"
    server = S3Server()
    # A long pass interval, so the background syncer cannot empty the outbox before the test
    # has seen it waiting; "Sync now" does the work.
    app = App(data_dir, SITEBOOK_SYNC_INTERVAL_SECS="3600")
    try:
        wd = app.wd
        sign_in_as_root(wd)
        wd.click("nav-settings")
        wd.find("sync-state")
        wd.clear_and_type("sync-endpoint", server.endpoint)
        wd.clear_and_type("sync-region", "us-east-1")
        wd.clear_and_type("sync-bucket", S3_BUCKET)
        wd.clear_and_type("sync-accessKeyId", S3_ACCESS_KEY)
        wd.type("sync-secret", S3_SECRET_KEY)
        wd.click("sync-pathStyle")
        wd.click("sync-save")
        said = wd.text("sync-said")
        assert "keyring" in said, said
        waiting = f"{len(outputs)} waiting"
        wd.wait_text("sync-indicator-text", waiting)
        wd.screenshot("sync-waiting.png")

        wd.click("sync-test")
        wd.wait_until(
            "const e = document.querySelector('[data-testid=sync-said]');"
            "return e && e.textContent.includes('Connected');",
            "the connection test to pass")
        wd.click("sync-run")
        wd.wait_text("sync-indicator-text", "Up to date", timeout=60)
        wd.screenshot("sync-settings.png")
        # Beside the outputs, the audit log's anchor (the app anchors it as it starts).
        objects = server.objects()
        anchors = [key for key in objects if "/audit/anchor-" in key]
        assert len(anchors) == 1, objects
        assert len(objects) - len(anchors) == len(outputs), objects

        # An output deleted in the bucket's console: "Check the bucket" finds it and sends it
        # again.
        deleted = next(key for key in objects if "/audit/" not in key)
        os.remove(os.path.join(server.root, S3_BUCKET, deleted))
        wd.click("sync-check")
        wd.wait_until(
            "const e = document.querySelector('[data-testid=sync-said]');"
            "return e && e.textContent.includes('no longer in the bucket');",
            "the check to find the deleted output")
        said = wd.text("sync-said")
        assert os.path.basename(deleted) in said and "After sending again: " in said, said
        assert server.objects() == objects, (server.objects(), objects)
        wd.execute("document.querySelector('[data-testid=sync-said]')"
                   ".scrollIntoView({block: 'center'});")
        wd.screenshot("sync-check.png")

        # The output, sent again, now overwritten by other bytes of the very same size: only
        # comparing contents finds it, and ours goes beside it, the other bytes left in place.
        replaced = deleted
        replaced_path = os.path.join(server.root, S3_BUCKET, replaced)
        with open(replaced_path, "rb") as f:
            size = len(f.read())
        forged = bytes([0x2A]) * size
        with open(replaced_path, "wb") as f:
            f.write(forged)
        wd.click("sync-check")
        wd.wait_until(
            "const e = document.querySelector('[data-testid=sync-said]');"
            "return e && e.textContent.includes('in the bucket as it was sent');",
            "the quick check to pass the same-size forgery")
        # The server holds the downloads: the window shows how far the comparing has got.
        server.tell("hold")
        wd.click("sync-check-deep")
        wd.click("sync-check")
        progress = wd.wait_until(
            "const e = document.querySelector('[data-testid=sync-check-progress]');"
            "return e && /comparing contents: 0 of [1-9][0-9]* outputs?$/.test(e.textContent)"
            " && e.textContent;",
            "the deep check's progress while the first download waits")
        assert wd.text("sync-check") == "Comparing contents…", wd.text("sync-check")
        wd.execute("document.querySelector('[data-testid=sync-counts]')"
                   ".scrollIntoView({block: 'center'});")
        wd.screenshot("sync-check-deep-progress.png")
        server.tell("open")
        wd.wait_until(
            "const e = document.querySelector('[data-testid=sync-said]');"
            "return e && e.textContent.includes('replaced there by other content');",
            "comparing contents to find the forgery")
        wd.wait_until(
            "return !document.querySelector('[data-testid=sync-check-progress]');",
            f"the progress ({progress}) to leave once the check is done")
        said = wd.text("sync-said")
        assert os.path.basename(replaced) in said, said
        with open(replaced_path, "rb") as f:
            assert f.read() == forged, "the bucket's bytes are never overwritten"
        assert any("conflict from" in key for key in server.objects()), server.objects()
        wd.execute("document.querySelector('[data-testid=sync-said]')"
                   ".scrollIntoView({block: 'center'});")
        wd.screenshot("sync-check-deep.png")

        wd.click("nav-outputs")
        first = outputs[0]
        wd.click(f"output-row-{first['id']}", inner="button")
        wd.click("output-share")
        link = wd.wait_until(
            "const e = document.querySelector('[data-testid=output-share-link]');"
            "return e && e.value;",
            "the share link")
        with urllib.request.urlopen(link, timeout=30) as response:
            shared = response.read()
        exported = os.path.join(tempfile.mkdtemp(prefix="sitebook-export-"), first["filename"])
        cli(data_dir, "--user", "root", "outputs", "export", str(first["id"]), exported)
        with open(exported, "rb") as f:
            assert shared == f.read(), "the link downloads the very file"
        wd.screenshot("sync-share.png")

        # Its file deleted from the data folder by hand: Open says so, and Fetch back has a
        # restore put it back from the bucket, byte for byte, under its own row.
        kept = os.path.join(data_dir, "outputs", "root", first["filename"])
        os.remove(kept)
        wd.click("output-open")
        missing = wd.text("output-error")
        assert "Restore from bucket" in missing, missing
        wd.click("output-fetch-back")
        mending = wd.text("output-mending")
        restore_job = re.search(r"Restore job (\d+)", mending).group(1)
        cli(data_dir, "--user", "root", "jobs", "wait", restore_job)
        with open(kept, "rb") as f:
            assert hashlib.sha256(f.read()).hexdigest() == first["sha256"], "the same bytes"
        after = json.loads(cli(data_dir, "--user", "root", "outputs", "list", "--json"))
        assert [o["id"] for o in after] == [o["id"] for o in outputs], (after, outputs)

        # The secret went to the keyring, never into the data folder.
        for folder, _, files in os.walk(data_dir):
            for name in files:
                with open(os.path.join(folder, name), "rb") as f:
                    assert S3_SECRET_KEY.encode() not in f.read(), f"the secret is in {name}"
    finally:
        app.close()
        server.close()
        shutil.rmtree(data_dir, ignore_errors=True)


def test_inbox_set_in_settings_imports_a_copied_workbook():
    """Choose an inbox folder in Settings, copy a workbook into it, and see the estimate appear
    with its job marked as coming from the inbox."""
    data_dir = prepared_data_dir()
    inbox = tempfile.mkdtemp(prefix="sitebook-inbox-")
    app = App(data_dir, SITEBOOK_CHOOSE_FOLDER=inbox)
    try:
        wd = app.wd
        sign_in_as_root(wd)
        wd.click("nav-settings")
        wd.wait_until(
            "const e = document.querySelector('[data-testid=inbox-state]');"
            "return e && e.textContent.includes('No inbox folder is set');",
            "the inbox settings to load")
        wd.click("inbox-choose")
        wd.wait_until(
            "const e = document.querySelector('[data-testid=inbox-folder]');"
            "return e && e.value === arguments[0];",
            "the chosen folder in the field", args=[inbox])
        # `sitebook watch` of another data folder has the folder first: the window waits and
        # says so, and takes over when that watcher stops.
        other_dir = prepared_data_dir()
        other = subprocess.Popen(
            [CLI, "--data-dir", other_dir, "--user", "root", "watch", "--inbox", inbox],
            env=dict(os.environ, SITEBOOK_PASSWORD=PASSWORD), stdout=subprocess.PIPE, text=True)
        try:
            first_line = other.stdout.readline()
            assert first_line.startswith("Watching "), first_line
            wd.click("inbox-watch")
            wd.wait_until(
                "const e = document.querySelector('[data-testid=inbox-indicator]');"
                "return e && e.textContent.includes('Inbox watched elsewhere');",
                "the top bar to say another Sitebook has the folder")
            state = wd.text("inbox-state")
            assert f"process {other.pid} is watching" in state, state
            wd.screenshot("inbox-watched-elsewhere.png")
        finally:
            other.terminate()
            other.wait(timeout=30)
            shutil.rmtree(other_dir, ignore_errors=True)
        wd.wait_until(
            "const e = document.querySelector('[data-testid=inbox-indicator]');"
            "return e && e.textContent.includes('Inbox:');",
            "the top bar to show the inbox")
        wd.screenshot("inbox-settings.png")

        # A copy that stalls half-way (a network share reconnecting): the top bar says a file
        # is arriving, and nothing is read until the rest comes.
        with open(FIXTURE, "rb") as f:
            workbook = f.read()
        copied = os.path.join(inbox, "road-estimate.xlsx")
        with open(copied, "wb") as f:
            f.write(workbook[:len(workbook) // 2])
        wd.wait_until(
            "const e = document.querySelector('[data-testid=inbox-arriving]');"
            "return e && e.textContent === '· 1 arriving';",
            "the top bar to count the stalled copy as arriving")
        state = wd.text("inbox-state")
        assert "road-estimate.xlsx looks incomplete" in state, state
        wd.screenshot("inbox-arriving.png")
        with open(copied, "ab") as f:
            f.write(workbook[len(workbook) // 2:])
        wd.click("nav-works")
        try:
            wd.wait_for("estimate-row-1", timeout=60)
        except AssertionError:
            wd.screenshot("inbox-failure.png")
            raise
        wd.click("nav-jobs")
        jobs = wd.text("jobs-pane")
        assert "road-estimate.xlsx" in jobs and "inbox" in jobs, jobs
        wd.screenshot("inbox-jobs.png")
        deadline = time.time() + 30
        while os.path.exists(os.path.join(inbox, "road-estimate.xlsx")) and time.time() < deadline:
            time.sleep(0.2)
        imported = os.listdir(os.path.join(inbox, "imported"))
        assert len(imported) == 1 and imported[0].endswith(" road-estimate.xlsx"), imported
    finally:
        app.close()
        shutil.rmtree(data_dir, ignore_errors=True)
        shutil.rmtree(inbox, ignore_errors=True)


def test_deductions_changed_in_settings_reach_the_next_bill():
    """An owner changes a line of the deductions table in Settings; the CLI sees the org's own
    table, and the next bill's memorandum prints the new rate."""
    data_dir = prepared_data_dir()
    cli(data_dir, "--user", "root", "upload", FIXTURE, "--wait")
    app = App(data_dir)
    try:
        wd = app.wd
        sign_in_as_root(wd)
        wd.click("nav-settings")
        wd.wait_for("deductions-table")
        wd.click("deduction-edit-IT-TDS")
        wd.clear_and_type("deduction-label", "Income tax TDS (194C, individual)")
        wd.clear_and_type("deduction-value", "1")
        wd.click("deduction-save")
        said = wd.text("deductions-said")
        assert "Line IT-TDS saved" in said, said
        wd.execute("document.querySelector('[data-testid=deductions-table]').scrollIntoView()")
        wd.screenshot("settings-deductions.png")
        table = json.loads(cli(data_dir, "--user", "root", "deductions", "list", "--json"))
        assert table["isExample"] is False, table
        line = next(l for l in table["lines"] if l["code"] == "IT-TDS")
        assert line["charge"] == {"kind": "percent", "value": "1"}, line
    finally:
        app.close()
    out = cli(data_dir, "--user", "root", "bill", "create", "1", "--kind", "first-part", "--wait", "--json")
    pdf = next(o for o in json.loads(out)["outputs"] if o["kind"] == "pdf")
    path = next(
        os.path.join(folder, pdf["filename"])
        for folder, _, files in os.walk(os.path.join(data_dir, "outputs"))
        if pdf["filename"] in files)
    printed = subprocess.run(["pdftotext", "-layout", path, "-"],
                             capture_output=True, text=True, check=True).stdout
    it_line = next(l for l in printed.splitlines() if "Income tax TDS (194C, individual)" in l)
    assert "1 % of" in it_line, it_line
    shutil.rmtree(data_dir, ignore_errors=True)


def test_members_managed_in_the_window():
    """An owner unlocks the field engineer, locked out by wrong passwords, creates an account
    for a clerk, makes the field engineer an admin, removes the clerk, and is told on her own
    row that the last owner cannot step down; she then resets the field engineer's forgotten
    password, and they choose their own at sign-in. Each change is in the audit log."""
    data_dir = prepared_data_dir()
    cli(data_dir, "--user", "root", "--org", "MOH", "user", "add", "meena",
        "--name", "Meena Iyer", "--role", "owner", "--no-personal-org")
    for _ in range(5):
        try:
            cli(data_dir, "--user", "field", "org", "show", password="not-the-password")
        except AssertionError:
            pass
    app = App(data_dir)
    try:
        wd = app.wd
        sign_in(wd, "meena", org="MOH")
        wd.click("nav-members")
        wd.find("member-field")

        wd.wait_containing("member-locked-field", "Locked until")
        wd.screenshot("members-locked.png")
        wd.click("member-unlock-field")
        wd.wait_containing("member-done-field", "field is unlocked and may sign in again now")
        cli(data_dir, "--user", "field", "org", "show")

        wd.click("member-mode-new")
        wd.type("member-full-name", "Sunil Das")
        wd.type("member-username", "sunil")
        wd.type("member-password", PASSWORD)
        wd.click("member-add")
        wd.wait_containing("member-add-done", "Sunil Das (sunil) is now a member of MOH")
        wd.find("member-sunil")

        wd.execute(
            "const s = document.querySelector('[data-testid=\"member-role-field\"]');"
            "s.value = 'admin'; s.dispatchEvent(new Event('change', {bubbles: true}));")
        wd.wait_containing("member-done-field", "field is now an admin")

        wd.click("member-remove-sunil")
        wd.click("member-remove-confirm-sunil")
        wd.wait_containing("member-removed", "sunil was removed from MOH")

        wd.execute(
            "const s = document.querySelector('[data-testid=\"member-role-meena\"]');"
            "s.value = 'admin'; s.dispatchEvent(new Event('change', {bubbles: true}));")
        # Her own role: asked first.
        wd.wait_containing("member-own-role-confirm", "Make yourself an admin of MOH?")
        wd.click("member-own-role-change")
        wd.wait_containing("member-error-meena", "last owner of MOH, so they cannot be demoted")
        wd.screenshot("members.png")

        # field forgot their password: meena sets a temporary one, and field chooses their own
        # at the next sign-in, in the same window.
        wd.click("member-reset-field")
        wd.type("member-reset-password-field", "temporary-e2e-1")
        wd.screenshot("members-reset-password.png")
        wd.click("member-reset-confirm-field")
        wd.wait_containing("member-done-field", "field has a temporary password")
        wd.click("sign-out")
        wd.type("signin-username", "field")
        wd.type("signin-password", "temporary-e2e-1")
        wd.click("signin-submit")
        wd.wait_containing("form-error", "choose a new one")
        wd.type("signin-new-password", "fields-own-e2e-1")
        wd.type("signin-new-password-again", "fields-own-e2e-1")
        wd.screenshot("sign-in-choose-password.png")
        wd.click("signin-submit")
        wd.wait_text("active-org-code", "MOH")
        cli(data_dir, "--user", "field", "org", "show", password="fields-own-e2e-1")

        members = json.loads(cli(data_dir, "--user", "root", "--org", "MOH", "member", "list",
                                 "--json"))
        roles = {m["username"]: m["role"] for m in members}
        assert roles.get("field") == "admin" and roles.get("meena") == "owner", roles
        assert "sunil" not in roles, roles
        audit = json.loads(cli(data_dir, "--user", "root", "audit", "list", "--json",
                               "--limit", "200"))
        done = {(r["action"], r["objectId"], r["outcome"]) for r in audit if r["orgCode"] == "MOH"}
        for expected in [("account.create", "sunil", "success"), ("member.role", "field", "success"),
                         ("member.remove", "sunil", "success"), ("member.role", "meena", "denied"),
                         ("member.unlock", "field", "success"),
                         ("member.password_reset", "field", "success")]:
            assert expected in done, (expected, sorted(done))
    finally:
        app.close()
        shutil.rmtree(data_dir, ignore_errors=True)


def test_first_minute_ends_with_the_example_bill_drawn():
    """A fresh device: the first account is created, the empty Works pane offers the example,
    and one click ends with the example's first bill drawn by pdf.js in Outputs."""
    data_dir = tempfile.mkdtemp(prefix="sitebook-e2e-fresh-")
    app = App(data_dir)
    try:
        wd = app.wd
        wd.type("setup-username", "asha")
        wd.type("setup-fullname", "Asha Verma")
        wd.type("setup-password", PASSWORD)
        wd.type("setup-password-confirm", PASSWORD)
        wd.click("setup-submit")
        empty = wd.text("works-empty")
        assert ".xlsx, .xlsm, .xls or .ods" in empty, empty
        wd.screenshot("first-minute-offer.png")
        started = time.time()
        wd.click("example-start")
        assert_preview_drawn(wd, "the example bill", timeout=90)
        print(f"     the example bill was drawn {time.time() - started:.1f}s after the click")
        wd.screenshot("first-minute-bill.png")
        outputs = json.loads(cli(data_dir, "--user", "asha", "outputs", "list", "--json"))
        assert any(o["filename"].endswith(".pdf") and "bill1" in o["filename"] for o in outputs), outputs
    finally:
        app.close()
        shutil.rmtree(data_dir, ignore_errors=True)



def assert_preview_drawn(wd, what, timeout):
    """Waits for the Outputs pane's PDF preview to draw, and checks the page is really drawn: a
    good share of its pixels are ink, not blank paper."""
    wd.find("outputs-pane", timeout=timeout)
    wd.wait_until(
        "const p = document.querySelector('[data-testid=pdf-preview]');"
        "return p && p.dataset.status === 'ready';",
        f"{what} to draw", timeout=timeout)
    inked = wd.execute(
        "const c = document.querySelector('canvas.pdf-page');"
        "const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        "let ink = 0; for (let i = 0; i < d.length; i += 4) { if (d[i] < 128) ink++; }"
        "return ink;")
    assert inked > 2000, f"only {inked} dark pixels on {what}'s page"

FITS_SCRIPT = """
const pane = document.querySelector('[data-testid=works-pane] .pane-body');
const table = document.querySelector('[data-testid=editor-table]');
if (!pane || !table) return null;
// Every column in view without scrolling sideways, and no scroller inside the pane.
const nested = [...pane.querySelectorAll('*')].filter((e) => {
  const s = getComputedStyle(e);
  return (['auto', 'scroll'].includes(s.overflowY) && e.scrollHeight > e.clientHeight + 1)
      || (['auto', 'scroll'].includes(s.overflowX) && e.scrollWidth > e.clientWidth + 1);
}).map((e) => e.className);
return {
  paneOverflow: pane.scrollWidth - pane.clientWidth,
  tableRight: Math.round(table.getBoundingClientRect().right),
  paneRight: Math.round(pane.getBoundingClientRect().right),
  columns: table.querySelectorAll('thead th').length,
  nested,
};
"""


def example_with_workslips(item_1_quantities):
    """A data dir with the shipped example estimate and one work slip for each quantity of its
    item 1 (item 3 executed as 0 throughout)."""
    data_dir = prepared_data_dir()
    example = os.path.join(ROOT, "examples", "estimates", "cc-road-example.xlsx")
    cli(data_dir, "--user", "root", "upload", example, "--wait")
    executed = os.path.join(data_dir, "executed.csv")
    for quantity in item_1_quantities:
        with open(executed, "w") as f:
            f.write(f"sl_no,executed_qty\n1,{quantity}\n3,0\n")
        cli(data_dir, "--user", "root", "workslip", "create", "1", "--executed", executed, "--wait")
    return data_dir


def open_the_example(wd):
    """Signs in as root and opens estimate 1."""
    sign_in_as_root(wd)
    wd.click("estimate-row-1", inner="button")
    wd.find("work-name")


def assert_editor_fits(wd, shot):
    """Screenshots the open editor as `shot` and asserts that the pane does not scroll
    sideways, that the table's right edge is in view, and that no scroller is nested in it."""
    fit = wd.execute(FITS_SCRIPT)
    wd.execute("document.querySelector('[data-testid=editor-table]').scrollIntoView()")
    wd.screenshot(f"{shot}.png")
    print(f"     {shot}: {fit}")
    assert fit["paneOverflow"] <= 1, (shot, fit)
    assert fit["tableRight"] <= fit["paneRight"], (shot, fit)
    assert not fit["nested"], (shot, fit)


def open_editor_at(wd, editor, width, height):
    """Sizes the window, then opens an editor by its button and waits for its first preview."""
    wd.call("POST", wd.s("/window/rect"), {"width": width, "height": height})
    wd.click(editor)
    wd.wait_until(
        "return document.querySelectorAll('[data-testid=preview-total]').length > 0;",
        f"the {editor} preview")


def test_editors_fit_the_window():
    """The Nth-bill editor and a second work slip's editor show every column in the default
    1280x800 window and at 1024x700, with no scroller nested in the pane; the work slip's too
    with a rate typed over the estimate's, its input and the estimate's rate under it."""
    data_dir = example_with_workslips((190,))
    cli(data_dir, "--user", "root", "bill", "create", "1", "--kind", "first-part", "--wait")
    app = App(data_dir)
    try:
        wd = app.wd
        open_the_example(wd)
        for editor, shot in (("new-bill", "editor-nth-bill"), ("new-workslip", "editor-workslip-2")):
            for width, height in ((1280, 800), (1024, 700)):
                open_editor_at(wd, editor, width, height)
                time.sleep(0.5)
                # Every column in view, the second work slip's thirteen at 1024 too.
                assert_editor_fits(wd, f"{shot}-{width}x{height}")
                if editor == "new-workslip":
                    # Work slip 1 took item 1 to its estimate's 180.5 (the rest is an AE row):
                    # 180.5 x 345.60 = 62,380.80.
                    wd.clear_and_type("rate-1", "345.60")
                    wd.wait_until(
                        "const n = document.querySelector('[data-testid=rate-note-1]');"
                        "return n !== null && document.querySelector('[data-testid=editor-row-1]')"
                        ".textContent.includes('62,380.80');",
                        "the typed rate in the row's figures")
                    time.sleep(0.5)
                    assert_editor_fits(wd, f"{shot}-typed-rate-{width}x{height}")
                    wd.clear_and_type("rate-1", wd.execute(
                        "return document.querySelector('[data-testid=rate-note-1]')"
                        ".textContent.replace('estimate ', '').replace(/,/g, '');"))
                    wd.wait_until(
                        "return document.querySelector('[data-testid=rate-note-1]') === null;",
                        "the estimate's rate typed back")
                wd.click("editor-close")
    finally:
        app.close()
        shutil.rmtree(data_dir, ignore_errors=True)


def test_a_later_work_slip_folds_its_earlier_phases_to_fit_the_window():
    """From the sixth work slip, the earlier phases' columns would push the editor past the
    default window; all but the latest fold until asked for, and come back on request."""
    data_dir = example_with_workslips((190, 185, 180, 175, 170))
    app = App(data_dir)
    try:
        wd = app.wd
        open_the_example(wd)
        headings = ("return Array.from(document.querySelectorAll("
                    "'[data-testid=editor-table] thead th')).map((th) => th.textContent.trim());")
        for width, height in ((1280, 800), (1024, 700)):
            open_editor_at(wd, "new-workslip", width, height)
            time.sleep(0.5)
            shown = wd.execute(headings)
            assert_editor_fits(wd, f"editor-workslip-6-{width}x{height}")
            assert "Workslip-5 Qty" in shown and "Workslip-5 Amt" in shown, shown
            assert not any(h.startswith(f"Workslip-{k} ") for k in (1, 2, 3, 4) for h in shown), shown
            assert wd.text("fold-phases") == "Show work slips 1–4 too", wd.text("fold-phases")
            wd.click("fold-phases")
            # Every phase is wider than the pane at both sizes: the table goes into its box.
            wd.wait_until(
                "return Array.from(document.querySelectorAll('[data-testid=editor-table] thead th'))"
                ".some((th) => th.textContent.trim() === 'Workslip-1 Qty')"
                " && document.querySelector('[data-testid=editor-box]').classList.contains('table-box');",
                "the folded phases shown again, in a box")
            every = wd.execute(headings)
            wd.execute("document.querySelector('[data-testid=fold-phases]').scrollIntoView({block: 'start'})")
            wd.screenshot(f"editor-workslip-6-every-phase-{width}x{height}.png")
            assert all(f"Workslip-{k} {w}" in every for k in (1, 2, 3, 4, 5) for w in ("Qty", "Amt")), every
            assert wd.text("fold-phases") == "Fold work slips 1–4", wd.text("fold-phases")
            wd.click("editor-close")
    finally:
        app.close()
        shutil.rmtree(data_dir, ignore_errors=True)


FROZEN_SCRIPT = """
const pane = document.querySelector('[data-testid=works-pane] .pane-body');
const box = document.querySelector('[data-testid=editor-box]');
const table = document.querySelector('[data-testid=editor-table]');
const editor = document.querySelector('[data-testid=workslip-editor]');
const head = table.querySelector('thead th.description-col');
const serial = table.querySelector('thead th.frozen');
const p = pane.getBoundingClientRect();
const b = box.getBoundingClientRect();
const h = head.getBoundingClientRect();
const middle = (r) => [r.left + r.width / 2, r.top + r.height / 2];
// What is drawn on top at the description heading, and halfway down the box in its column.
const atHead = document.elementFromPoint(...middle(h));
const below = document.elementFromPoint(middle(h)[0], b.top + b.height / 2);
const cell = below && below.closest('td');
return {
  boxed: box.classList.contains('table-box'),
  scrollLeft: box.scrollLeft,
  scrollTop: box.scrollTop,
  paneOverflow: pane.scrollWidth - pane.clientWidth,
  paneScrollLeft: pane.scrollLeft,
  paneLeft: Math.round(p.left + pane.clientLeft),
  paneBottom: Math.round(p.bottom),
  editorLeft: Math.round(editor.getBoundingClientRect().left),
  editorRight: Math.round(editor.getBoundingClientRect().right),
  paneRight: Math.round(p.left + pane.clientLeft + pane.clientWidth),
  boxLeft: Math.round(b.left + box.clientLeft),
  boxTop: Math.round(b.top + box.clientTop),
  boxBottom: Math.round(b.bottom),
  serialLeft: Math.round(serial.getBoundingClientRect().left),
  headLeft: Math.round(h.left),
  headTop: Math.round(h.top),
  headOnTop: head.contains(atHead),
  cellBelow: cell ? cell.className : (below ? below.tagName : null),
  shifted: table.classList.contains('columns-shifted'),
};
"""


def test_a_wide_editor_scrolls_in_its_own_box_with_its_first_columns_in_view():
    """A later work slip with every phase shown is wider than a 1024-pixel window, and than the
    900x600 minimum: the table scrolls in a box of its own while the page keeps the window's
    width (the editor's edges stay in view). Scrolled sideways and down, the serial and
    description stay at the box's left edge, drawn above the figures that pass under them and
    below the headings, which stay at the box's top."""
    data_dir = example_with_workslips((190, 185, 180, 175, 170))
    app = App(data_dir)
    try:
        wd = app.wd
        open_the_example(wd)
        for width, height in ((1024, 700), (900, 600)):
            open_editor_at(wd, "new-workslip", width, height)
            wd.click("fold-phases")
            wd.wait_until(
                "return Array.from(document.querySelectorAll('[data-testid=editor-table] thead th'))"
                ".some((th) => th.textContent.trim() === 'Workslip-1 Qty')"
                " && document.querySelector('[data-testid=editor-box]').classList.contains('table-box');",
                "every phase shown, in a box")
            wd.execute(
                "const pane = document.querySelector('[data-testid=works-pane] .pane-body');"
                "const box = document.querySelector('[data-testid=editor-box]');"
                "pane.scrollTop += box.getBoundingClientRect().top - pane.getBoundingClientRect().top;"
                "box.scrollTop = 120; box.scrollLeft = box.scrollWidth;")
            time.sleep(0.5)
            frozen = wd.execute(FROZEN_SCRIPT)
            wd.screenshot(f"editor-workslip-6-scrolled-sideways-{width}x{height}.png")
            print(f"     scrolled at {width}x{height}: {frozen}")
            assert frozen["boxed"], frozen
            # The page keeps the window's width: the pane cannot scroll sideways, and the
            # editor's edges are in view.
            assert frozen["paneOverflow"] <= 1 and frozen["paneScrollLeft"] == 0, frozen
            assert frozen["editorLeft"] >= frozen["paneLeft"], frozen
            assert frozen["editorRight"] <= frozen["paneRight"] + 1, frozen
            # Scrolled to, the box is seen whole, its horizontal scroll bar too.
            assert frozen["boxBottom"] <= frozen["paneBottom"] + 1, frozen
            assert frozen["scrollLeft"] > 100 and frozen["scrollTop"] > 0, frozen
            assert frozen["shifted"], frozen
            # The serial's heading sits at the box's left edge and the description's just right
            # of it, at the box's top, and nothing is drawn over them.
            assert abs(frozen["serialLeft"] - frozen["boxLeft"]) <= 1, frozen
            assert 0 < frozen["headLeft"] - frozen["serialLeft"] < 80, frozen
            assert abs(frozen["headTop"] - frozen["boxTop"]) <= 2, frozen
            assert frozen["headOnTop"], frozen
            # Under it, the body's description (or a heading row's title), not a passing figure.
            assert frozen["cellBelow"] and ("description" in frozen["cellBelow"]
                                            or "heading-cell" in frozen["cellBelow"]), frozen
            if width == 1024:
                # A row that grows while shifted (a problem message under an input, say) keeps
                # its frozen cells as tall as itself: nothing passing under them shows at its foot.
                grown = wd.execute(
                    "const row = document.querySelector('[data-testid=editor-row-4]');"
                    "const extra = document.createElement('div'); extra.textContent = 'x';"
                    "extra.style.height = '90px'; row.lastElementChild.appendChild(extra);"
                    "row.scrollIntoView({block: 'center'});"
                    "return Math.round(row.getBoundingClientRect().height);")
                time.sleep(0.5)
                foot = wd.execute(
                    "const row = document.querySelector('[data-testid=editor-row-4]');"
                    "const cell = row.querySelector('td.description'); const r = cell.getBoundingClientRect();"
                    "const hit = document.elementFromPoint(r.left + r.width / 2, row.getBoundingClientRect().bottom - 4);"
                    "return {cellHeight: Math.round(r.height), onTop: cell.contains(hit)};")
                wd.screenshot("editor-workslip-6-scrolled-row-grown-1024x700.png")
                print(f"     row 4 grown to {grown}px: {foot}")
                assert foot["onTop"] and foot["cellHeight"] >= grown - 2, (grown, foot)
                wd.execute("document.querySelector('[data-testid=editor-row-4]').lastElementChild.lastElementChild.remove();")
                time.sleep(0.5)
                wd.screenshot("editor-workslip-6-scrolled-row-shrunk-1024x700.png")
            # Back at the left, nothing is shifted.
            wd.execute("document.querySelector('[data-testid=editor-box]').scrollLeft = 0;")
            time.sleep(0.3)
            back = wd.execute(FROZEN_SCRIPT)
            assert back["scrollLeft"] == 0 and not back["shifted"], back
            wd.execute("document.querySelector('[data-testid=works-pane] .pane-body').scrollTop = 0;")
            wd.click("editor-close")
    finally:
        app.close()
        shutil.rmtree(data_dir, ignore_errors=True)


DRAWN_ROWS = ("return document.querySelectorAll("
              "`[data-testid='${arguments[0]}'] tbody:not(.row-spacer) tr`).length;")


def long_estimate(items, wrong_amount_row):
    """A workbook of `items` priced items (made by the burst example) whose item on sheet row
    `wrong_amount_row` keeps a typed amount its quantity and rate do not give, so that the
    estimate has a warning pointing far down its items."""
    made = tempfile.mkdtemp(prefix="sitebook-long-")
    subprocess.run([os.path.join(BIN, "examples", "burst_workbooks"), made, "1", str(items)], check=True)
    plain = os.path.join(made, "burst-0000.xlsx")
    edited = os.path.join(made, f"long-{items}.xlsx")
    cell = re.compile(rf'<c r="H{wrong_amount_row}"><f>[^<]*</f><v>[^<]*</v></c>')
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(edited, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                text, replaced = cell.subn(f'<c r="H{wrong_amount_row}"><v>99999.99</v></c>', data.decode())
                assert replaced == 1, "the amount cell to change was not found"
                data = text.encode()
            target.writestr(name, data)
    return edited


def test_a_long_estimate_draws_only_the_rows_in_view():
    """A 5,000-item estimate: its items table and the bill editor draw only the rows in view
    (all of them froze the window for half a minute at 60,000 items), yet every row can be
    reached. A warning on row 4003 brings that row into view; the editor opens in view under
    its button; Tab walks from one quantity to the next past the rows first drawn; and the last
    item, scrolled to, takes a quantity that the total follows."""
    data_dir = prepared_data_dir()
    workbook = long_estimate(5000, 4003)
    cli(data_dir, "--user", "root", "upload", workbook, "--wait")
    app = App(data_dir)
    try:
        wd = app.wd
        sign_in_as_root(wd)
        wd.click("estimate-row-1", inner="button")
        wd.find("items-table", timeout=60)
        drawn = wd.execute(DRAWN_ROWS, ["items-table"])
        assert 0 < drawn < 200, f"{drawn} item rows drawn"
        # The warning on row 4003's amount brings its row, undrawn until then, into view.
        warnings = wd.execute(
            "return Array.from(document.querySelectorAll('[data-testid^=warning-]'))"
            ".filter((w) => w.textContent.includes('H4003')).map((w) => w.dataset.testid);")
        assert len(warnings) == 1, warnings
        wd.click(warnings[0])
        wd.wait_until(
            "const row = document.querySelector('[data-testid=item-row-4003]');"
            "if (!row || row.dataset.highlighted !== 'true') return false;"
            "const r = row.getBoundingClientRect();"
            "const pane = document.querySelector('[data-testid=works-pane] .pane-body').getBoundingClientRect();"
            "return r.top >= pane.top && r.bottom <= pane.bottom;",
            "row 4003 highlighted in view")
        wd.screenshot("long-estimate-warning-row-4003.png")

        wd.click("new-bill")
        wd.find("qty-1", timeout=60)
        wd.wait_until(
            "const head = document.querySelector('[data-testid=bill-editor]').getBoundingClientRect();"
            "const pane = document.querySelector('[data-testid=works-pane] .pane-body').getBoundingClientRect();"
            "return head.top >= pane.top - 1 && head.top < pane.top + pane.height / 2;",
            "the editor brought into view")
        wd.wait_until("return document.querySelectorAll('[data-testid=preview-total]').length > 0;",
                      "the bill's preview")
        drawn = wd.execute(DRAWN_ROWS, ["editor-table"])
        assert 0 < drawn < 200, f"{drawn} editor rows drawn"
        wd.screenshot("long-estimate-bill-editor.png")

        # Tab, a few keys at a time as a person presses it, from item 1 to item 61: well past
        # the rows drawn when the editor opened.
        first_drawn = drawn
        wd.call("POST", wd.s(f"/element/{wd.find('qty-1')}/click"), {})
        for _ in range(12):
            active = wd.call("GET", wd.s("/element/active"))
            wd.call("POST", wd.s(f"/element/{next(iter(active.values()))}/value"), {"text": "\ue004" * 5})
            time.sleep(0.2)
        focused = wd.execute("return document.activeElement.dataset.testid;")
        assert focused == "qty-61", f"after 60 Tabs from qty-1 the focus is on {focused} ({first_drawn} rows drawn at first)"

        # The last item, scrolled to, is drawn and typed into; the bill's total drops by its
        # amount.
        def total():
            return wd.execute(
                "const cells = document.querySelector('[data-testid=preview-total]').querySelectorAll('td');"
                "return cells[cells.length - 1].textContent.trim();")
        before = Decimal(total().replace(",", ""))
        wd.execute(
            "const pane = document.querySelector('[data-testid=works-pane] .pane-body');"
            "const table = document.querySelector('[data-testid=editor-table]');"
            "pane.scrollTop += table.getBoundingClientRect().bottom - pane.getBoundingClientRect().bottom;")
        wd.find("qty-5000", timeout=15)
        last_amount = Decimal(wd.execute(
            "const cells = document.querySelector('[data-testid=editor-row-5000]').querySelectorAll('td');"
            "return cells[cells.length - 1].textContent.trim();").replace(",", ""))
        assert last_amount > 0, last_amount
        wd.clear_and_type("qty-5000", "0")
        expected = before - last_amount
        wd.wait_until("const cells = document.querySelector('[data-testid=preview-total]').querySelectorAll('td');"
                      "return cells[cells.length - 1].textContent.trim().replace(/,/g, '') === arguments[0];",
                      f"the total to become {expected}", args=[f"{expected:.2f}"])
        drawn = wd.execute(DRAWN_ROWS, ["editor-table"])
        assert 0 < drawn < 200, f"{drawn} editor rows drawn at the end"
        wd.screenshot("long-estimate-bill-editor-last-item.png")
    finally:
        app.close()
        shutil.rmtree(data_dir, ignore_errors=True)
        shutil.rmtree(os.path.dirname(workbook), ignore_errors=True)


def main():
    for needed in (CLI, DESKTOP, S3_SERVER):
        if not os.path.exists(needed):
            print(f"error: {needed} is missing; build first (scripts/build.sh)", file=sys.stderr)
            return 1
    tests = [
        test_sign_in_pick_and_switch_org,
        test_wrong_password_is_shown_where_the_user_typed_it,
        test_dropped_workbook_becomes_an_estimate,
        test_a_burst_of_200_dropped_files_shows_live_progress_while_the_window_answers,
        test_bill_from_the_editor_opens_as_a_pdf_and_saves_a_copy,
        test_sync_set_in_settings_goes_from_waiting_to_up_to_date_and_shares_a_link,
        test_inbox_set_in_settings_imports_a_copied_workbook,
        test_deductions_changed_in_settings_reach_the_next_bill,
        test_members_managed_in_the_window,
        test_first_minute_ends_with_the_example_bill_drawn,
        test_editors_fit_the_window,
        test_a_later_work_slip_folds_its_earlier_phases_to_fit_the_window,
        test_a_wide_editor_scrolls_in_its_own_box_with_its_first_columns_in_view,
        test_a_long_estimate_draws_only_the_rows_in_view,
        test_audit_shows_the_chain_verified_then_the_break_after_tampering,
        test_text_is_legible_in_the_light_and_the_dark_desktop_theme,
    ]
    # Names on the command line run only those tests.
    if len(sys.argv) > 1:
        tests = [t for t in tests if t.__name__ in sys.argv[1:]]
    passed = failed = 0
    second_runs = []
    for test in tests:
        # A test whose driver fell silent runs once more on a fresh app, and says so: the
        # silence and the processes' state are printed, and a second silence fails the test.
        for run in (1, 2):
            started = time.time()
            try:
                test()
                passed += 1
                print(f"ok   {test.__name__} ({time.time() - started:.1f}s)"
                      + (" on its second run" if run == 2 else ""))
                break
            except DriverSilent:
                if run == 1:
                    print(f"SILENT {test.__name__}: the driver stopped answering; running it again")
                    traceback.print_exc()
                    second_runs.append(test.__name__)
                    continue
                failed += 1
                print(f"FAIL {test.__name__}")
                traceback.print_exc()
            except Exception:
                failed += 1
                print(f"FAIL {test.__name__}")
                traceback.print_exc()
                break
    print(f"{passed} passed, {failed} failed"
          + (f"; run twice after a silent driver: {', '.join(second_runs)}" if second_runs else ""))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
