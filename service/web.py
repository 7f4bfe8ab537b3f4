"""The read-only web: the tables as at any date, the log, a feed, health, and one-click unsubscribe (WSGI)."""
from __future__ import annotations

import json
import logging
import socket
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qs, urlencode
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from events.errors import InvalidInput
from service.analyst import parse_date, parse_instant
from service.bootstrap import App
from service.chart import visits_by_year
from service.feed import FEED_TYPES, atom_feed
from service.health import Health
from service.render import FORMATS, as_html, render

log = logging.getLogger(__name__)
CONTENT_TYPES = {"json": "application/json", "csv": "text/csv; charset=utf-8", "html": "text/html; charset=utf-8",
                 "text": "text/plain; charset=utf-8", "md": "text/markdown; charset=utf-8"}
MAX_BODY = 16 * 1024  # an unsubscribe form is a few bytes
SECURITY_HEADERS = [
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    # no script anywhere: the chart is SVG drawn here, the style inline
    ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
                                "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
]


@dataclass
class Response:
    """Status, content type and body (bytes, or chunks streamed as they come)."""

    status: str
    content_type: str
    body: bytes | Iterable[bytes]
    headers: list[tuple[str, str]] = field(default_factory=list)


def _text(status: str, message: str) -> Response:
    return Response(status, "text/plain; charset=utf-8", (message + "\n").encode())


class Web:
    """The WSGI application over a built App and the health of its poller."""

    def __init__(self, app: App, health: Health) -> None:
        self.app = app
        self.health = health
        self._feed: tuple[int, bytes] | None = None  # the feed as made at a log position
        self.templates = Environment(loader=PackageLoader("service", "templates"),
                                     autoescape=select_autoescape(["html"]))
        self.routes: dict[str, Callable[[dict[str, str]], Response]] = {
            "/": self.index, "/tables": self.tables, "/events": self.events, "/feed.atom": self.feed,
            "/healthz": self.healthz}

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO") or "/"
        params = {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True).items()}
        try:
            response = self.dispatch(method, path, params, environ)
        except InvalidInput as err:
            response = self.bad_request(path, str(err))
        except Exception:  # one failing request must not take the server down; the log has the details
            log.exception("%s %s failed", method, path)
            response = _text("500 Internal Server Error", "something went wrong; the service log says what")
        headers = [("Content-Type", response.content_type), *SECURITY_HEADERS, *response.headers]
        if isinstance(response.body, bytes):
            headers.append(("Content-Length", str(len(response.body))))
        start_response(response.status, headers)
        if method == "HEAD":
            return [b""]
        return [response.body] if isinstance(response.body, bytes) else response.body

    def dispatch(self, method: str, path: str, params: dict[str, str], environ: dict[str, Any]) -> Response:
        """The response to one request; only an unsubscribe POST changes anything."""
        if path == "/unsubscribe":
            if method == "POST":
                return self.unsubscribe_post(params, environ)
            if method in ("GET", "HEAD"):
                return self.unsubscribe_form(params)
            return self._not_allowed("GET, HEAD, POST")
        handler = self.routes.get(path)
        if handler is None:
            return _text("404 Not Found", f"nothing at {path}")
        if method not in ("GET", "HEAD"):
            return self._not_allowed("GET, HEAD")
        return handler(params)

    def _not_allowed(self, allow: str) -> Response:
        response = _text("405 Method Not Allowed", "this service is read-only")
        response.headers.append(("Allow", allow))
        return response

    def bad_request(self, path: str, message: str) -> Response:
        """400 with the message: on the page itself for a person, as text for a program."""
        if path == "/":
            return self._page("400 Bad Request", "message.html", heading="That date does not work",
                              message=message, error=True)
        return _text("400 Bad Request", f"bad request: {message}")

    def _page(self, status: str, template: str, **context: Any) -> Response:
        context.setdefault("reports_url", self.app.settings.reports_url)
        body = self.templates.get_template(template).render(**context).encode()
        return Response(status, CONTENT_TYPES["html"], body)

    def _when(self, params: dict[str, str]) -> tuple[date, datetime | None]:
        as_at = params.get("as_at", "").strip()
        known_at = params.get("known_at", "").strip()
        return (parse_date(as_at, "as_at") if as_at else self.app.clock().date(),
                parse_instant(known_at, "known_at") if known_at else None)

    def _tables(self, as_at: date, known_at: datetime | None) -> dict[str, Any]:
        return self.app.projection.tables(as_at, known_at)  # thread-safe: the projection locks its catch-up

    def index(self, params: dict[str, str]) -> Response:
        """The tables as HTML with the chart and the date picker."""
        as_at, known_at = self._when(params)
        t = self._tables(as_at, known_at)
        query = {"as_at": t["as_at"], **({"known_at": params["known_at"].strip()} if known_at else {})}
        return self._page("200 OK", "index.html", as_at=t["as_at"], known_at=t["known_at"],
                          known_at_input=known_at.strftime("%Y-%m-%dT%H:%M:%S") if known_at else "",
                          query=urlencode(query), chart=Markup(visits_by_year(t["table_10_3"])),
                          tables=Markup(as_html(t)))

    def tables(self, params: dict[str, str]) -> Response:
        """The tables in a format: json (as `ilacs tables --format json`), csv, html, text or md."""
        fmt = params.get("format", "json")
        if fmt not in FORMATS:
            raise InvalidInput(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
        t = self._tables(*self._when(params))
        if fmt == "html":
            return self._page("200 OK", "tables.html", as_at=t["as_at"], known_at=t["known_at"],
                              tables=Markup(as_html(t)))
        return Response("200 OK", CONTENT_TYPES[fmt], render(t, fmt).encode())

    def events(self, params: dict[str, str]) -> Response:
        """The log after a position: JSON lines (as `ilacs events`), or one JSON array with format=json."""
        raw = params.get("after", "0").strip() or "0"
        if not raw.isdigit():
            raise InvalidInput(f"after {raw!r} is not a log position (a whole number, 0 or more)")
        fmt = params.get("format", "jsonl")
        if fmt not in ("jsonl", "json"):
            raise InvalidInput(f"format {fmt!r} is not jsonl or json")
        records = (json.dumps(r.as_json(), separators=(",", ":")) for r in self.app.store.read(after=int(raw)))
        if fmt == "jsonl":
            return Response("200 OK", "application/jsonl; charset=utf-8", (f"{line}\n".encode() for line in records))
        return Response("200 OK", CONTENT_TYPES["json"], _json_array(records))

    def feed(self, params: dict[str, str]) -> Response:
        """The Atom feed of new publications."""
        position = self.app.store.last_position()
        cached = self._feed
        if cached is None or cached[0] != position:  # the log has grown: read it again, else serve what was made
            body = atom_feed(self.app.store.read(types=FEED_TYPES), self.app.settings.public_url, self.app.clock())
            self._feed = cached = (position, body)
        return Response("200 OK", "application/atom+xml; charset=utf-8", cached[1])

    def healthz(self, params: dict[str, str]) -> Response:
        """200 with the last poll's time and outcome; 503 when no poll has succeeded for three intervals."""
        healthy, body = self.health.check()
        return Response("200 OK" if healthy else "503 Service Unavailable", CONTENT_TYPES["json"],
                        json.dumps(body, indent=2).encode(), [("Cache-Control", "no-store")])

    def unsubscribe_form(self, params: dict[str, str]) -> Response:
        """A confirmation form: a GET changes nothing (mail scanners follow links)."""
        token = params.get("token", "").strip()
        if not token:
            raise InvalidInput("this unsubscribe link has no token: use the link from an alert email")
        return self._page("200 OK", "unsubscribe.html", token=token)

    def unsubscribe_post(self, params: dict[str, str], environ: dict[str, Any]) -> Response:
        """Unsubscribe the token's subscriber (RFC 8058's one-click POST, or the confirmation form)."""
        form = _form(environ)
        token = (params.get("token") or form.get("token") or "").strip()
        alerts = self.app.alerts
        if alerts is None:
            return _text("503 Service Unavailable", "alerts are not set up in this service")
        email = alerts.unsubscribe(token) if token else None
        if email is None:
            return self._page("400 Bad Request", "message.html", heading="Not unsubscribed", error=True,
                              message="This unsubscribe link is not valid. Use the link from an alert email.")
        log.info("unsubscribed a subscriber by one-click link")
        return self._page("200 OK", "message.html", heading="Unsubscribed",
                          message=f"{email} will get no more alerts from this service.")


def _json_array(items: Iterator[str]) -> Iterator[bytes]:
    yield b"["
    for i, item in enumerate(items):
        yield (b"," if i else b"") + item.encode()
    yield b"]\n"


def _form(environ: dict[str, Any]) -> dict[str, str]:
    try:
        length = min(int(environ.get("CONTENT_LENGTH") or 0), MAX_BODY)
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(length).decode("utf-8", "replace") if length > 0 else ""
    return {k: v[-1] for k, v in parse_qs(body).items()}


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    """A request a thread, so that a slow client never holds up /healthz."""

    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    """Logs each request as one line through logging (health checks at debug level)."""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class names it so
        level = logging.DEBUG if self.path.startswith("/healthz") else logging.INFO
        log.log(level, "%s %s", self.address_string(), format % args)


class ThreadingWSGIServer6(ThreadingWSGIServer):
    """The same on an IPv6 address."""

    address_family = socket.AF_INET6


def serve(web: Web, host: str, port: int) -> ThreadingWSGIServer:
    """A server bound to host:port (0 picks a free port); the caller runs serve_forever in a thread."""
    server_class = ThreadingWSGIServer6 if ":" in host else ThreadingWSGIServer
    return make_server(host, port, web, server_class=server_class, handler_class=QuietHandler)
