"""Test helpers for HTTP: the local Ofsted site (shared/tools/ofsted_site.py) and a scripted server."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlencode
from urllib.request import Request, urlopen

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPUS = SHARED / "ofsted"
SITE_TOOL = SHARED / "tools" / "ofsted_site.py"
AS_AT = "2024-11-21"  # the date up to which the corpus is complete
SEARCH = "/search?q=&location=&lat=&lon=&radius=&level_1_types=3&level_2_types%5B%5D=12&start=0&rows=100"


def corpus_missing() -> str | None:
    """Why the corpus tests cannot run here, or None when they can."""
    if not (CORPUS / "providers.csv").is_file():
        return f"the Ofsted corpus is not at {CORPUS}"
    if not SITE_TOOL.is_file():
        return f"the local site tool is not at {SITE_TOOL}"
    return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on just now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, *, within: float = 10.0, alive: Callable[[], bool] = lambda: True) -> None:
    """Poll until something accepts connections on the port (or fail after `within` seconds)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError(f"the server for port {port} exited before it answered")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"nothing answered on port {port} within {within}s")


@dataclass
class LocalSite:
    """A running ofsted_site.py and its simulation controls."""

    url: str
    process: subprocess.Popen[bytes]

    def search_url(self) -> str:
        """The first search page, as the real site's URL has it."""
        return self.url + SEARCH

    def _post(self, path: str, **params: object) -> None:
        query = urlencode({k: str(v) for k, v in params.items()})
        with urlopen(Request(f"{self.url}{path}?{query}", method="POST", data=b""), timeout=5) as r:
            r.read()

    def set_faults(self, error_rate: float = 0.0, seed: int = 0, slow_ms: int = 0) -> None:
        """Answer that share of requests with 503 (seeded), or slowly."""
        self._post("/_sim/faults", error_rate=error_rate, seed=seed, slow_ms=slow_ms)

    def set_as_at(self, day: str) -> None:
        """Publish only what appeared on or before that date."""
        self._post("/_sim/as-at", date=day)

    def requests(self) -> dict[str, int]:
        """Requests served since the last reset, by kind (search, provider, v1, ...)."""
        with urlopen(self.url + "/_sim/requests", timeout=5) as r:
            return dict(json.loads(r.read()))

    def reset_requests(self) -> None:
        """Start counting requests from zero."""
        self._post("/_sim/requests")

    def reset(self) -> None:
        """Back to the starting state: no faults, the corpus date, no requests counted."""
        self.set_faults()
        self.set_as_at(AS_AT)
        self.reset_requests()


@contextmanager
def run_ofsted_site(as_at: str = AS_AT, data: Path = CORPUS) -> Iterator[LocalSite]:
    """Run ofsted_site.py on a free port for the duration of the block."""
    port = free_port()
    # stderr to nowhere: a pipe nobody reads would block the site once its tracebacks fill it
    process = subprocess.Popen(
        [sys.executable, str(SITE_TOOL), "--data", str(data), "--port", str(port), "--as-at", as_at],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, alive=lambda: process.poll() is None)
        yield LocalSite(f"http://127.0.0.1:{port}", process)
    finally:
        stop_process(process, within=5)


def stop_process(process: subprocess.Popen[bytes], within: float) -> None:
    """Stop a process politely, then not."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=within)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def serve_in_thread(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """A local http.server with this handler on a free port, for the block; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def _ofsted_site_process() -> Iterator[LocalSite]:
    reason = corpus_missing()
    if reason:
        pytest.skip(reason)
    with run_ofsted_site() as site:
        yield site


@pytest.fixture
def ofsted_site(_ofsted_site_process: LocalSite) -> LocalSite:
    """The local Ofsted site as at 2024-11-21, faults off and request counts at zero (skips without corpus)."""
    _ofsted_site_process.reset()
    return _ofsted_site_process


@dataclass
class Scripted:
    """What a scripted server answers for a path: a list of (status, headers, body), the last one repeated."""

    answers: dict[str, list[tuple[int, dict[str, str], bytes]]] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (interrupted at shutdown)
    seen: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def answer(self, path: str) -> tuple[int, dict[str, str], bytes]:
        queue = self.answers.get(path)
        if not queue:
            return 404, {}, b"not found"
        return queue.pop(0) if len(queue) > 1 else queue[0]


@contextmanager
def scripted_server(script: Scripted) -> Iterator[str]:
    """A local http.server answering from a Scripted; yields its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            script.seen.append((self.path, dict(self.headers)))
            if script.delay:
                script.release.wait(script.delay)
            status, headers, body = script.answer(self.path)
            etag = headers.get("ETag")
            if etag and self.headers.get("If-None-Match") == etag:
                status, body = 304, b""
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    try:
        with serve_in_thread(Handler) as url:
            yield url
    finally:
        script.release.set()  # first, so that a handler still waiting lets the server shut down
