"""Headless Chromium for the handout tests: dump the DOM, take a screenshot, print to PDF, and watch a page
load through the DevTools protocol (console messages, exceptions, network requests) with a tiny websocket
client (the `websockets` package, a test extra).

`chromium_path()` is None when no Chromium is installed (scripts/install-browser.sh installs it from Debian
packages); `require_chromium()` then skips with that reason. Every run gets its own profile directory and
the flags that stop Chromium from talking to the network on its own (updates, sync, first-run pages).
"""
from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
         "--disable-default-apps", "--disable-extensions", "--mute-audio", "--force-color-profile=srgb",
         "--font-render-hinting=none"]


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        exe = shutil.which(name)
        if exe:
            return exe
    return None


def require_chromium() -> str:
    exe = chromium_path()
    if exe is None:
        pytest.skip("headless Chromium not found (install it with scripts/install-browser.sh: Debian package chromium)")
    return exe


def _run(args: list[str], timeout: int = 120) -> subprocess.CompletedProcess:
    exe = require_chromium()
    with tempfile.TemporaryDirectory(prefix="mlmgen-chromium-", ignore_cleanup_errors=True) as profile:
        return subprocess.run([exe, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True, text=True,
                              timeout=timeout)


def dump_dom(page: Path) -> str:
    out = _run(["--dump-dom", page.resolve().as_uri()])
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def screenshot(page: Path, png: Path, width: int = 1280, height: int = 2400) -> Path:
    out = _run([f"--screenshot={png}", f"--window-size={width},{height}", page.resolve().as_uri()])
    assert png.exists(), out.stderr[-2000:]
    return png


def print_to_pdf(page: Path, pdf: Path) -> Path:
    out = _run([f"--print-to-pdf={pdf}", "--no-pdf-header-footer", page.resolve().as_uri()])
    assert pdf.exists(), out.stderr[-2000:]
    return pdf


def watch_load(page: Path, settle: float = 1.0, timeout: float = 60.0, expressions: dict | None = None) -> dict:
    """Open `page` under the DevTools protocol; return {"console": [...], "exceptions": [...], "log": [...],
    "requests": [urls other than the page itself], "values": {name: result of each JS expression}}."""
    ws_client = pytest.importorskip("websockets.sync.client", reason="the DevTools checks need `websockets` "
                                    "(pip install -e '.[test]')")
    exe = require_chromium()
    url = page.resolve().as_uri()
    with tempfile.TemporaryDirectory(prefix="mlmgen-chromium-", ignore_cleanup_errors=True) as profile:
        proc = subprocess.Popen([exe, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0",
                                 "--remote-allow-origins=*", "about:blank"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            port_file = Path(profile) / "DevToolsActivePort"
            deadline = time.time() + timeout
            while not (port_file.exists() and port_file.read_text().strip()):
                if time.time() > deadline or proc.poll() is not None:
                    pytest.fail("Chromium did not open its DevTools port")
                time.sleep(0.1)
            port = int(port_file.read_text().split()[0])
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
                targets = json.load(r)
            target = next(t for t in targets if t.get("type") == "page")
            return _session(ws_client, target["webSocketDebuggerUrl"], url, settle, timeout, expressions or {})
        finally:
            _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    """End the Chromium this module started: its own process group (renderers, zygote) by its id."""
    import os
    import signal
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _session(ws_client, ws_url: str, url: str, settle: float, timeout: float, expressions: dict) -> dict:
    seen = {"console": [], "exceptions": [], "log": [], "requests": [], "values": {}}
    with ws_client.connect(ws_url, max_size=None, open_timeout=timeout) as ws:
        counter = iter(range(1, 10_000))

        def call(method: str, params: dict | None = None) -> dict:
            mid = next(counter)
            ws.send(json.dumps({"id": mid, "method": method, "params": params or {}}))
            while True:
                msg = json.loads(ws.recv(timeout=timeout))
                if msg.get("id") == mid:
                    return msg.get("result", {})
                _record(msg, seen, url)

        for domain in ("Page", "Runtime", "Log", "Network"):
            call(f"{domain}.enable")
        call("Page.navigate", {"url": url})
        deadline = time.time() + timeout
        loaded = False
        while time.time() < deadline and not loaded:
            msg = json.loads(ws.recv(timeout=timeout))
            loaded = msg.get("method") == "Page.loadEventFired"
            _record(msg, seen, url)
        end = time.time() + settle
        while time.time() < end:
            try:
                _record(json.loads(ws.recv(timeout=max(end - time.time(), 0.01))), seen, url)
            except TimeoutError:
                break
        for name, expr in expressions.items():
            res = call("Runtime.evaluate", {"expression": expr, "returnByValue": True})
            seen["values"][name] = res.get("result", {}).get("value")
    return seen


def _record(msg: dict, seen: dict, url: str) -> None:
    method, p = msg.get("method"), msg.get("params", {})
    if method == "Runtime.consoleAPICalled":
        seen["console"].append((p.get("type"), [a.get("value", a.get("description")) for a in p.get("args", [])]))
    elif method == "Runtime.exceptionThrown":
        seen["exceptions"].append(p.get("exceptionDetails", {}).get("text"))
    elif method == "Log.entryAdded":
        e = p.get("entry", {})
        seen["log"].append((e.get("level"), e.get("text"), e.get("url")))
    elif method == "Network.requestWillBeSent":
        req = p.get("request", {}).get("url", "")
        if req != url:
            seen["requests"].append(req)
