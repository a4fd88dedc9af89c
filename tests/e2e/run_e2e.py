#!/usr/bin/env python3
"""Desktop end-to-end tests: the real built app, driven through WebKitWebDriver under Xvfb.

Each scenario prepares a data dir with the real `sitebook` CLI, starts the desktop binary
through WebDriver, acts as a person would (type, click, press keys) and checks what the window
shows. Screenshots land in tests/e2e/artifacts/ for a person to look at.

Run it under a display, e.g. `xvfb-run -a python3 tests/e2e/run_e2e.py`.
"""

import base64
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

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


class WebDriver:
    """A minimal W3C WebDriver client over one keep-alive connection (see TOOLING.md: a new
    connection per request makes the driver reset requests at random)."""

    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.session = None

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body)
        headers = {"Content-Type": "application/json"} if data else {}
        self.conn.request(method, path, body=data, headers=headers)
        response = self.conn.getresponse()
        payload = json.loads(response.read() or b"{}")
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

    def click(self, testid, inner=""):
        self.call("POST", self.s(f"/element/{self.find(testid, inner=inner)}/click"), {})

    def wait_text(self, testid, expected, timeout=15):
        deadline = time.time() + timeout
        seen = None
        while time.time() < deadline:
            try:
                seen = self.text(testid)
                if seen == expected:
                    return
            except (AssertionError, RuntimeError):
                pass
            time.sleep(0.2)
        raise AssertionError(f"{testid} shows {seen!r}, expected {expected!r}")

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
        if self.session:
            try:
                self.call("DELETE", self.s(""))
            except Exception:
                pass
        self.conn.close()


class App:
    """WebKitWebDriver plus the desktop app on a prepared data dir; cleaned up on exit."""

    def __init__(self, data_dir):
        self.port = free_port()
        env = dict(os.environ, SITEBOOK_DATA_DIR=data_dir, TAURI_WEBVIEW_AUTOMATION="true")
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


def test_sign_in_pick_and_switch_org():
    """Sign in, open the picker with the keyboard-searchable list, switch to MOH, and check
    the top bar and the remembered choice."""
    data_dir = prepared_data_dir()
    app = App(data_dir)
    try:
        wd = app.wd
        wd.type("signin-username", "root")
        wd.type("signin-password", PASSWORD)
        wd.click("signin-submit")
        wd.wait_text("active-org-code", "root")
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
        while time.time() < deadline and "Wrong password" not in message:
            try:
                message = wd.text("form-error")
            except AssertionError:
                pass
            time.sleep(0.2)
        assert "Wrong password for 'field'" in message, message
        wd.screenshot("wrong-password.png")
    finally:
        app.close()
        shutil.rmtree(data_dir, ignore_errors=True)


def test_dropped_workbook_becomes_an_estimate():
    """Drop a workbook on the window (through the same event a real drop raises), watch its
    job finish, and read the items table."""
    data_dir = prepared_data_dir()
    app = App(data_dir)
    workbook = os.path.join(ROOT, "crates", "sitebook-core", "tests", "fixtures", "estimate.xlsx")
    try:
        wd = app.wd
        wd.type("signin-username", "root")
        wd.type("signin-password", PASSWORD)
        wd.click("signin-submit")
        wd.wait_text("active-org-code", "root")
        wd.find("works-pane")
        # The drop listeners attach asynchronously; a real drop cannot come sooner either.
        deadline = time.time() + 15
        while not wd.execute("return !!document.querySelector('.layout[data-drop-ready=\"true\"]');"):
            if time.time() > deadline:
                raise AssertionError("the window never became ready for drops")
            time.sleep(0.1)
        wd.execute(
            "window.__TAURI__.event.emit('tauri://drag-drop', "
            "{paths: [arguments[0]], position: {x: 10, y: 10}});",
            [workbook],
        )
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
    finally:
        app.close()
        shutil.rmtree(data_dir, ignore_errors=True)


def main():
    for needed in (CLI, DESKTOP):
        if not os.path.exists(needed):
            print(f"error: {needed} is missing; build first (scripts/build.sh)", file=sys.stderr)
            return 1
    tests = [
        test_sign_in_pick_and_switch_org,
        test_wrong_password_is_shown_where_the_user_typed_it,
        test_dropped_workbook_becomes_an_estimate,
    ]
    passed = failed = 0
    for test in tests:
        started = time.time()
        try:
            test()
            passed += 1
            print(f"ok   {test.__name__} ({time.time() - started:.1f}s)")
        except Exception:
            failed += 1
            print(f"FAIL {test.__name__}")
            traceback.print_exc()
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
