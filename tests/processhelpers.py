"""Test helpers for `ilacs run` as a process: an SMTP sink, the process itself, waiting with a deadline."""
from __future__ import annotations

import email
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any, TypeVar

import httpx
from aiosmtpd.controller import Controller

from tests.sitehelpers import free_port, stop_process

ILACS = Path(sys.executable).parent / "ilacs"
T = TypeVar("T")


def wait_until(check: Callable[[], T], within: float, what: str, step: float = 0.1) -> T:
    """Call `check` until it returns something true, or fail saying what did not happen in time."""
    deadline = time.monotonic() + within
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {within:g} s")
        time.sleep(step)


@dataclass
class SmtpSink:
    """An SMTP server that keeps every message it accepts."""

    port: int
    messages: list[Message] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        with self._lock:
            self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"

    def received(self) -> list[Message]:
        """The messages so far."""
        with self._lock:
            return list(self.messages)


@contextmanager
def smtp_sink() -> Iterator[SmtpSink]:
    """An SMTP sink on a free port for the duration of the block."""
    sink = SmtpSink(free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


def ilacs(env: dict[str, str], *args: str, cwd: Path | None = None) -> str:
    """Run one `ilacs` command to completion; its output (fails on a non-zero exit)."""
    done = subprocess.run([str(ILACS), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"ilacs {' '.join(args)} exited {done.returncode}: {done.stderr}"
    return done.stdout


def service_env(data_dir: Path, site_url: str, http_port: int, **more: str) -> dict[str, str]:
    """The environment of an `ilacs run` against a local site: fast polls, no pacing, no jitter."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ILACS_")}
    env.update({"ILACS_DATA_DIR": str(data_dir), "ILACS_REPORTS_URL": site_url, "ILACS_FILES_URL": site_url,
                "ILACS_HTTP_HOST": "127.0.0.1", "ILACS_HTTP_PORT": str(http_port),
                "ILACS_PUBLIC_URL": f"http://127.0.0.1:{http_port}", "ILACS_POLL_INTERVAL": "0.05",
                "ILACS_POLL_JITTER": "0", "ILACS_REQUEST_PACE": "0", "ILACS_SECRET_KEY": "test-secret"})
    env.update(more)
    return env


@dataclass
class Running:
    """A started `ilacs run` (or any command serving /healthz), with its log in a file."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def health(self) -> httpx.Response | None:
        """The /healthz answer, or None while nothing answers."""
        if self.process.poll() is not None:
            raise AssertionError(f"the service exited with {self.process.returncode}:\n{self.log_text()[-3000:]}")
        try:
            return httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=5)
        except httpx.TransportError:
            return None

    def health_json(self, healthy_only: bool = True) -> dict[str, Any] | None:
        """The /healthz body once it answers (200 only, unless told otherwise)."""
        answer = self.health()
        if answer is None or (healthy_only and answer.status_code != 200):
            return None
        return dict(answer.json())

    def polls_ended(self) -> str | None:
        """When this process last ended a poll (None before its first)."""
        body = self.health_json()
        return body["process"]["last_poll_ended"] if body else None

    def wait_for_another_poll(self, within: float) -> None:
        """Wait until this process ends a poll that started after now."""
        for _ in range(2):  # the first to end may have started before now; the second started after it
            seen = self.polls_ended() or ""
            wait_until(lambda seen=seen: (self.polls_ended() or "") > seen, within, "a poll ended")

    def stop(self, sig: int = signal.SIGTERM, within: float = 30) -> int:
        """Send the signal and wait for the exit code."""
        self.process.send_signal(sig)
        return self.process.wait(timeout=within)

    def log_text(self) -> str:
        """What the service logged so far."""
        return self.log.read_text(errors="replace")


@contextmanager
def running(command: list[str], env: dict[str, str], port: int, log: Path, cwd: Path) -> Iterator[Running]:
    """Start the command; stop it at the end of the block if the test did not."""
    with open(log, "ab") as out:
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
    service = Running(process, port, log)
    try:
        yield service
    finally:
        stop_process(process, within=30)  # the test failed before stopping it
