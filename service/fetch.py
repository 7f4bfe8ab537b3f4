"""Fetching a URL: the one-method port, the polite httpx implementation and a recording fake."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from events.errors import SourceError

log = logging.getLogger(__name__)

USER_AGENT = "ilacs-watch/0.1 (+https://github.com/ilacs-watch/ilacs-watch; ILACS focus-visit tracker)"
MAX_BYTES = 50 * 1024 * 1024
MAX_REDIRECTS = 5


def retryable(status: int) -> bool:
    """Whether a status is worth another try: 429 and 5xx (but not 501 Not Implemented)."""
    return status == 429 or (500 <= status < 600 and status != 501)


@dataclass(frozen=True)
class Response:
    """What a GET answered; status 304 means "not modified" and has an empty body."""

    url: str
    status: int
    body: bytes
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None


class Fetcher(Protocol):
    """The port: GET a URL, optionally conditional on a validator from an earlier answer."""

    def get(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> Response:
        """Return the answer (200, 304, ...) or raise SourceError."""
        ...


class HttpError(SourceError):
    """The server answered with a status we do not retry (4xx other than 304/429)."""

    def __init__(self, message: str, url: str, status: int) -> None:
        super().__init__(message)
        self.url, self.status = url, status


class RefusedURL(SourceError):
    """A URL (or a redirect) pointing outside the allowed hosts."""


class TooLarge(SourceError):
    """A response over the size cap: cut off, never kept."""


def origin(url: str) -> tuple[str, str, int | None]:
    """The (scheme, host, port) of a URL, with the default port made explicit."""
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        port = parts.port or {"http": 80, "https": 443}.get(scheme)
    except ValueError:  # a malformed host or port: an origin that matches nothing allowed
        return "", "", -1
    return scheme, (parts.hostname or "").lower(), port


def redact(url: str) -> str:
    """The URL without any user:password part, fit for a log line."""
    try:
        parts = urlsplit(url)
    except ValueError:  # malformed ("http://[x"): shown as it is, unless it might hold a password
        return url if "@" not in url else "(a malformed URL)"
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


class HttpFetcher:
    """A polite, bounded HTTP client: timeouts, retries with backoff, a pace, a host allow-list, a size cap."""

    def __init__(
        self,
        allowed: Iterable[str],
        *,
        timeout: float = 30.0,
        attempt_deadline: float = 300.0,
        tries: int = 4,
        backoff: float = 1.0,
        max_backoff: float = 60.0,
        min_interval: float = 0.2,
        max_bytes: int = MAX_BYTES,
        user_agent: str = USER_AGENT,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.allowed = {origin(u) for u in allowed}
        if not self.allowed:
            raise ValueError("HttpFetcher needs at least one allowed base URL")
        self.tries = max(1, tries)
        self.backoff, self.max_backoff = backoff, max_backoff
        self.min_interval, self.max_bytes = min_interval, max_bytes
        self.attempt_deadline = attempt_deadline
        self.sleep, self.clock, self.jitter = sleep, clock, jitter
        self._last_start: float | None = None
        # Redirects are followed by hand so that every hop is checked against the allow-list.
        self.client = httpx.Client(
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            headers={"User-Agent": user_agent},
            transport=transport,
        )

    def close(self) -> None:
        """Release the connection pool."""
        self.client.close()

    def __enter__(self) -> HttpFetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def check(self, url: str) -> None:
        """Raise RefusedURL unless the URL is on one of the allowed hosts."""
        if origin(url) not in self.allowed:
            raise RefusedURL(f"refused: link to another host: {redact(url)}")

    def get(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> Response:
        """GET with retries on 5xx/429/connection faults; 4xx and refused hosts fail at once."""
        self.check(url)
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        last_failure = ""
        for attempt in range(1, self.tries + 1):
            retry_after: float | None = None
            try:
                response, retry_after = self._follow(url, headers)
                if not retryable(response.status):
                    return response
                last_failure = f"HTTP {response.status}"
            except (httpx.TimeoutException, _AttemptTooLong) as err:
                last_failure = f"timed out ({type(err).__name__})"
            except httpx.RequestError as err:  # connection, protocol and decoding faults
                last_failure = f"{type(err).__name__}: {err}"
            if attempt < self.tries:
                delay = self._delay(attempt, retry_after)
                log.warning(
                    "GET %s: %s (try %d of %d), retrying in %.2fs",
                    redact(url),
                    last_failure,
                    attempt,
                    self.tries,
                    delay,
                )
                self.sleep(delay)
        raise SourceError(f"GET {redact(url)} failed after {self.tries} tries; last failure: {last_failure}")

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        # Exponential backoff plus up to 50% jitter, so that pollers do not retry in step.
        delay = min(self.max_backoff, self.backoff * 2 ** (attempt - 1))
        delay *= 1 + 0.5 * self.jitter()
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.max_backoff))
        return delay

    def _pace(self) -> None:
        now = self.clock()
        if self._last_start is not None and self.min_interval > 0:
            wait = self._last_start + self.min_interval - now
            if wait > 0:
                self.sleep(wait)
                now = self.clock()
        self._last_start = now

    def _follow(self, url: str, headers: Mapping[str, str]) -> tuple[Response, float | None]:
        for _ in range(MAX_REDIRECTS + 1):
            self._pace()
            response, location, retry_after = self._once(url, headers)
            if location is None:
                return response, retry_after
            try:
                target = urljoin(url, location)
            except ValueError as err:
                raise RefusedURL(f"refused: {redact(url)} redirects to no address: {location!r}") from err
            if origin(target) not in self.allowed:
                raise RefusedURL(f"refused: link to another host: {redact(url)} redirects to {redact(target)}")
            log.debug("GET %s redirected to %s", redact(url), redact(target))
            url = target
        raise SourceError(f"GET {redact(url)}: more than {MAX_REDIRECTS} redirects")

    def _once(self, url: str, headers: Mapping[str, str]) -> tuple[Response, str | None, float | None]:
        """One request: the answer, a redirect target if any, and a Retry-After in seconds if any."""
        started = self.clock()
        with self.client.stream("GET", url, headers=headers) as r:
            if r.status_code in (301, 302, 303, 307, 308):
                location = r.headers.get("Location")
                if not location:
                    raise SourceError(f"GET {redact(url)}: HTTP {r.status_code} without a Location")
                return _response(url, r, b""), location, None
            if retryable(r.status_code):
                return _response(url, r, b""), None, parse_retry_after(r.headers.get("Retry-After"))
            if r.status_code >= 400:
                raise HttpError(f"GET {redact(url)}: HTTP {r.status_code}", url, r.status_code)
            if r.status_code == 304:
                return _response(url, r, b""), None, None
            declared = r.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > self.max_bytes:
                raise TooLarge(
                    f"GET {redact(url)}: response of {declared} bytes is over the {self.max_bytes} byte limit"
                )
            chunks, size = [], 0
            for chunk in r.iter_bytes():
                size += len(chunk)
                if size > self.max_bytes:
                    raise TooLarge(f"GET {redact(url)}: response cut off at the {self.max_bytes} byte limit")
                # httpx times out each read, not the whole body: a trickling server is stopped here.
                if self.clock() - started > self.attempt_deadline:
                    raise _AttemptTooLong(url)
                chunks.append(chunk)
            return _response(url, r, b"".join(chunks)), None, None


class _AttemptTooLong(Exception):
    """One attempt took longer than the attempt deadline (retried like a timeout)."""


def _response(url: str, r: httpx.Response, body: bytes) -> Response:
    return Response(
        url=url,
        status=r.status_code,
        body=body,
        content_type=r.headers.get("Content-Type"),
        etag=r.headers.get("ETag"),
        last_modified=r.headers.get("Last-Modified"),
    )


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header; the HTTP-date form is ignored (backoff applies)."""
    value = (value or "").strip()
    return float(value) if value.isdigit() else None


@dataclass(frozen=True)
class Request:
    """One GET as the fake saw it."""

    url: str
    etag: str | None = None
    last_modified: str | None = None


@dataclass
class FakeFetcher:
    """A recording fake: answers from a dict of URL -> Response (or an exception to raise).

    A Response with an ETag or Last-Modified answers 304 to a matching conditional GET, like a server.
    An unknown URL raises HttpError 404.
    """

    responses: dict[str, Response | Exception] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)

    def add(
        self,
        url: str,
        body: bytes | str,
        *,
        status: int = 200,
        content_type: str = "text/html",
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> None:
        """Serve this body at this URL."""
        data = body.encode() if isinstance(body, str) else body
        self.responses[url] = Response(url, status, data, content_type, etag, last_modified)

    def get(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> Response:
        """Record the request and answer it from the dict."""
        self.requests.append(Request(url, etag, last_modified))
        answer = self.responses.get(url)
        if answer is None:
            raise HttpError(f"GET {url}: HTTP 404", url, 404)
        if isinstance(answer, Exception):
            raise answer
        if (etag and etag == answer.etag) or (last_modified and last_modified == answer.last_modified):
            return Response(url, 304, b"", answer.content_type, answer.etag, answer.last_modified)
        return answer

    @property
    def urls(self) -> list[str]:
        """The URLs requested, in order."""
        return [r.url for r in self.requests]
