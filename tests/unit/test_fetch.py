"""HttpFetcher against an in-process httpx transport, and the recording FakeFetcher."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from events.errors import SourceError
from service.fetch import USER_AGENT, FakeFetcher, HttpError, HttpFetcher, RefusedURL, Response

REPORTS = "https://reports.example.test"
FILES = "https://files.example.test"


class FakeTime:
    """A clock that only moves when slept on."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def fetcher(
    handler: Callable[[httpx.Request], httpx.Response], time: FakeTime | None = None, **kwargs: object
) -> HttpFetcher:
    time = time or FakeTime()
    options: dict = {"tries": 4, "backoff": 1.0, "min_interval": 0.0, "jitter": lambda: 0.0}
    options.update(kwargs)
    return HttpFetcher(
        [REPORTS, FILES], sleep=time.sleep, clock=time.clock, transport=httpx.MockTransport(handler), **options
    )


def test_get_returns_body_and_validators() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            content=b"<html/>",
            headers={"Content-Type": "text/html", "ETag": '"abc"', "Last-Modified": "Wed, 20 Nov 2024 10:00:00 GMT"},
        )

    r = fetcher(handler).get(REPORTS + "/search")
    assert r == Response(REPORTS + "/search", 200, b"<html/>", "text/html", '"abc"', "Wed, 20 Nov 2024 10:00:00 GMT")


def test_sends_user_agent_and_conditional_headers() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(304)

    r = fetcher(handler).get(REPORTS + "/p", etag='"abc"', last_modified="Wed, 20 Nov 2024 10:00:00 GMT")
    assert r.status == 304 and r.body == b""
    assert seen[0].headers["User-Agent"] == USER_AGENT
    assert "ilacs-watch" in USER_AGENT
    assert seen[0].headers["If-None-Match"] == '"abc"'
    assert seen[0].headers["If-Modified-Since"] == "Wed, 20 Nov 2024 10:00:00 GMT"


def test_503_twice_then_200_succeeds_after_exponential_backoff() -> None:
    answers = iter([503, 503, 200])
    time = FakeTime()
    f = fetcher(lambda request: httpx.Response(next(answers), content=b"ok"), time)
    assert f.get(REPORTS + "/x").body == b"ok"
    assert time.sleeps == [1.0, 2.0]


def test_backoff_has_jitter_and_a_ceiling() -> None:
    time = FakeTime()
    f = fetcher(lambda request: httpx.Response(502), time, tries=6, max_backoff=5.0, jitter=lambda: 1.0)
    with pytest.raises(SourceError):
        f.get(REPORTS + "/x")
    assert time.sleeps == [1.5, 3.0, 6.0, 7.5, 7.5]


def test_429_honours_retry_after() -> None:
    answers = iter([httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200)])
    time = FakeTime()
    fetcher(lambda request: next(answers), time).get(REPORTS + "/x")
    assert time.sleeps == [7.0]


def test_persistent_5xx_gives_source_error_naming_url_and_failure() -> None:
    calls = []
    f = fetcher(lambda request: calls.append(1) or httpx.Response(503))
    with pytest.raises(SourceError, match=r"reports\.example\.test/x.*4 tries.*HTTP 503"):
        f.get(REPORTS + "/x")
    assert len(calls) == 4


def test_connection_errors_and_timeouts_are_retried() -> None:
    failures = iter([httpx.ConnectError("refused"), httpx.ReadTimeout("slow")])

    def handler(request: httpx.Request) -> httpx.Response:
        err = next(failures, None)
        if err:
            raise err
        return httpx.Response(200, content=b"ok")

    time = FakeTime()
    assert fetcher(handler, time).get(REPORTS + "/x").body == b"ok"
    assert len(time.sleeps) == 2


def test_dead_server_gives_source_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    with pytest.raises(SourceError, match=r"failed after 3 tries; last failure: ConnectError"):
        fetcher(handler, tries=3).get(REPORTS + "/x")


@pytest.mark.parametrize("status", [400, 403, 404, 410])
def test_4xx_fails_at_once_without_retry(status: int) -> None:
    calls = []
    f = fetcher(lambda request: calls.append(1) or httpx.Response(status))
    with pytest.raises(HttpError) as caught:
        f.get(FILES + "/v1/file/1")
    assert caught.value.status == status and len(calls) == 1
    assert isinstance(caught.value, SourceError)


def test_url_on_another_host_is_refused_without_a_request() -> None:
    calls = []
    f = fetcher(lambda request: calls.append(1) or httpx.Response(200))
    with pytest.raises(RefusedURL, match="refused: link to another host"):
        f.get("https://evil.example.test/x")
    assert calls == []


def test_other_scheme_or_port_counts_as_another_host() -> None:
    f = fetcher(lambda request: httpx.Response(200))
    for url in ("http://reports.example.test/x", "https://reports.example.test:8443/x"):
        with pytest.raises(RefusedURL):
            f.get(url)


def test_redirect_within_allowed_hosts_is_followed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "reports.example.test":
            return httpx.Response(302, headers={"Location": FILES + "/v1/file/9"})
        return httpx.Response(200, content=b"%PDF-", headers={"Content-Type": "application/pdf"})

    r = fetcher(handler).get(REPORTS + "/doc")
    assert r.url == FILES + "/v1/file/9" and r.body == b"%PDF-"


def test_redirect_to_another_host_is_refused() -> None:
    requested: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requested.append(str(request.url))
        return httpx.Response(301, headers={"Location": "https://elsewhere.example.test/x"})

    with pytest.raises(RefusedURL, match="refused: link to another host.*elsewhere"):
        fetcher(handler).get(REPORTS + "/x")
    assert requested == [REPORTS + "/x"]


def test_redirect_loop_is_an_error() -> None:
    f = fetcher(lambda request: httpx.Response(302, headers={"Location": "/again"}))
    with pytest.raises(SourceError, match="redirects"):
        f.get(REPORTS + "/x")


def test_oversize_response_is_cut_off() -> None:
    def chunks():
        while True:
            yield b"x" * 1000

    f = fetcher(lambda request: httpx.Response(200, content=chunks()), max_bytes=10_000)
    with pytest.raises(SourceError, match="10000 byte limit"):
        f.get(FILES + "/v1/file/1")


def test_oversize_declared_length_is_refused_before_reading() -> None:
    f = fetcher(lambda request: httpx.Response(200, content=b"x" * 20), max_bytes=10)
    with pytest.raises(SourceError, match="20 bytes is over the 10 byte limit"):
        f.get(FILES + "/v1/file/1")


def test_requests_are_paced() -> None:
    time = FakeTime()
    f = fetcher(lambda request: httpx.Response(200), time, min_interval=0.2)
    f.get(REPORTS + "/a")
    f.get(REPORTS + "/b")
    time.now += 1.0  # a slow caller needs no extra wait
    f.get(REPORTS + "/c")
    assert time.sleeps == [pytest.approx(0.2)]


def test_fake_fetcher_records_and_answers_conditionally() -> None:
    fake = FakeFetcher()
    fake.add(REPORTS + "/p", "<html/>", etag='"v1"')
    assert fake.get(REPORTS + "/p").status == 200
    assert fake.get(REPORTS + "/p", etag='"v1"').status == 304
    assert fake.get(REPORTS + "/p", etag='"v0"').body == b"<html/>"
    assert fake.urls == [REPORTS + "/p"] * 3
    assert fake.requests[1].etag == '"v1"'
    with pytest.raises(HttpError):
        fake.get(REPORTS + "/missing")
    fake.responses[REPORTS + "/down"] = SourceError("down")
    with pytest.raises(SourceError, match="down"):
        fake.get(REPORTS + "/down")


def test_malformed_url_is_refused() -> None:
    with pytest.raises(RefusedURL):
        fetcher(lambda request: httpx.Response(200)).get("https://reports.example.test:99999999/x")


def test_trickling_response_is_stopped_at_the_attempt_deadline() -> None:
    time = FakeTime()

    def trickle():
        for _ in range(100):
            time.now += 1.0  # each chunk arrives within the read timeout, the whole body does not
            yield b"x"

    f = fetcher(lambda request: httpx.Response(200, content=trickle()), time, tries=2, attempt_deadline=10.0)
    with pytest.raises(SourceError, match="timed out"):
        f.get(REPORTS + "/x")
