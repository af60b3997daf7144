"""A small headless-Chromium driver (Chrome DevTools Protocol over a websocket) for the site tests.

Debian's `chromium` package is the browser; `ensure_chromium()` installs it (and the CJK fonts)
with apt-get when it is missing, as root, so the test needs no manual setup on a fresh machine.
"""
from __future__ import annotations

import base64
import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import websocket  # websocket-client

PACKAGES = ["chromium", "fonts-noto-cjk"]


def chromium_binary() -> str | None:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


def ensure_chromium() -> str:
    """Return the path of chromium, installing Debian's package (and CJK fonts) if missing."""
    path = chromium_binary()
    fonts = Path("/usr/share/fonts/opentype/noto").exists()
    if path and fonts:
        return path
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise RuntimeError("chromium is missing: install it with "
                           "`apt-get install -y chromium fonts-noto-cjk` (or `make browser-deps`)")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, capture_output=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *PACKAGES],
                   check=True, env=env, capture_output=True)
    path = chromium_binary()
    if not path:
        raise RuntimeError("apt-get installed chromium but no binary was found")
    return path


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class SiteServer:
    """Serve a folder on 127.0.0.1 (a random free port) in a background thread."""

    def __init__(self, root: Path):
        handler = functools.partial(QuietHandler, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


class Browser:
    """One headless Chromium with one page, driven through the DevTools protocol."""

    def __init__(self, binary: str):
        self.profile = tempfile.mkdtemp(prefix="rnncourse-chromium-")
        self.proc = subprocess.Popen(
            [binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-dev-shm-usage", "--hide-scrollbars", "--remote-debugging-port=0",
             f"--user-data-dir={self.profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        port = self._read_port()
        targets = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list").read())
        page = next(t for t in targets if t["type"] == "page")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60,
                                              suppress_origin=True)
        self.next_id = 0
        self.events: list[dict] = []
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable")

    def _read_port(self) -> int:
        deadline = time.time() + 60
        while time.time() < deadline:
            line = self.proc.stderr.readline()
            m = re.search(r"DevTools listening on ws://[^:]+:(\d+)/", line)
            if m:
                return int(m.group(1))
            if self.proc.poll() is not None:
                break
        raise RuntimeError("chromium did not start its DevTools endpoint")

    def call(self, method: str, **params):
        self.next_id += 1
        msg_id = self.next_id
        self.ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == msg_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def wait_event(self, method: str, timeout: float = 30):
        deadline = time.time() + timeout
        for k, ev in enumerate(self.events):
            if ev["method"] == method:
                return self.events.pop(k)
        self.ws.settimeout(timeout)
        while time.time() < deadline:
            msg = json.loads(self.ws.recv())
            if "method" in msg:
                if msg["method"] == method:
                    return msg
                self.events.append(msg)
        raise TimeoutError(method)

    def evaluate(self, expression: str, await_promise: bool = False):
        res = self.call("Runtime.evaluate", expression=expression, returnByValue=True,
                        awaitPromise=await_promise)
        if "exceptionDetails" in res:
            raise RuntimeError(f"{expression[:60]}...: {res['exceptionDetails']}")
        return res["result"].get("value")

    def set_width(self, width: int, height: int = 900):
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height,
                  deviceScaleFactor=1, mobile=width < 600)

    def goto(self, url: str):
        self.events = [e for e in self.events if e["method"] != "Page.loadEventFired"]
        self.call("Page.navigate", url=url)
        self.wait_event("Page.loadEventFired", timeout=60)

    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions and failed loads since the last call."""
        out = []
        for ev in self.events:
            p = ev.get("params", {})
            if ev["method"] == "Runtime.exceptionThrown":
                d = p["exceptionDetails"]
                out.append(d.get("exception", {}).get("description") or d.get("text"))
            elif ev["method"] == "Runtime.consoleAPICalled" and p.get("type") == "error":
                out.append(" ".join(str(a.get("value", a.get("description"))) for a in p["args"]))
            elif ev["method"] == "Log.entryAdded" and p["entry"]["level"] == "error":
                out.append(f"{p['entry'].get('text')} {p['entry'].get('url', '')}")
        self.events = [e for e in self.events if e["method"] not in
                       ("Runtime.exceptionThrown", "Runtime.consoleAPICalled", "Log.entryAdded")]
        return out

    def screenshot(self, path: Path, width: int, max_height: int = 16000):
        height = int(self.evaluate("document.documentElement.scrollHeight"))
        self.set_width(width, min(height, max_height))
        data = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        path.write_bytes(base64.b64decode(data["data"]))

    def close(self):
        try:
            self.ws.close()
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            shutil.rmtree(self.profile, ignore_errors=True)
