"""Settings from a TOML file, overridden by ILACS_* environment variables."""
from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from events.errors import InvalidInput

DEFAULT_CONFIG = Path("config/ilacs.toml")
PACKAGED_CONFIG = Path(__file__).resolve().parent.parent / "config" / "ilacs.toml"
SECRET_FIELDS = {"smtp_password", "secret_key"}


@dataclass(frozen=True)
class Settings:
    """Everything configurable; `database_url` None means SQLite in the data directory."""

    data_dir: Path = Path("./data")
    database_url: str | None = None
    reports_url: str = "https://reports.ofsted.gov.uk"
    files_url: str = "https://files.ofsted.gov.uk"
    poll_interval: float = 60.0
    poll_jitter: float = 300.0
    request_timeout: float = 30.0
    request_pace: float = 0.5
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    public_url: str = "http://127.0.0.1:8080"
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "ilacs <ilacs@localhost>"
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_tls: str = "none"
    operator_email: str | None = None
    secret_key: str | None = None
    feeds: tuple[str, ...] = field(default_factory=tuple)

    @property
    def store_url(self) -> str:
        """The database URL in force."""
        return self.database_url or f"sqlite:///{(self.data_dir / 'ilacs.db').resolve()}"

    def redacted(self) -> dict[str, Any]:
        """The settings with secrets hidden, for logs (a password in the database URL too)."""
        shown = {f.name: ("***" if f.name in SECRET_FIELDS and getattr(self, f.name) else getattr(self, f.name))
                 for f in fields(self)}
        if self.database_url:
            shown["database_url"] = re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", self.database_url)
        return shown


def _coerce(name: str, raw: Any, kind: Any) -> Any:
    text = str(kind)
    try:
        if "Path" in text:
            return Path(raw)
        if "tuple" in text:
            return tuple(raw.split(",") if isinstance(raw, str) else raw)
        if text.startswith("float"):
            return float(raw)
        if text.startswith("int"):
            return int(raw)
    except (TypeError, ValueError) as err:
        raise InvalidInput(f"setting {name}: {raw!r} is not a valid {text}") from err
    return None if raw == "" else str(raw)


def load(config: Path | None = None, env: dict[str, str] | None = None, **overrides: Any) -> Settings:
    """Settings from the TOML file (default config/ilacs.toml, else the packaged one), then the environment."""
    env = dict(os.environ) if env is None else env
    path = config or (DEFAULT_CONFIG if DEFAULT_CONFIG.exists() else PACKAGED_CONFIG)
    values: dict[str, Any] = {}
    if config is not None and not config.exists():
        raise InvalidInput(f"no config file at {config}")
    if path.exists():
        try:
            values = tomllib.loads(path.read_text())
        except tomllib.TOMLDecodeError as err:
            raise InvalidInput(f"config file {path}: {err}") from err
    known = {f.name: f.type for f in fields(Settings)}
    unknown = set(values) - set(known)
    if unknown:
        raise InvalidInput(f"config file {path}: unknown setting {sorted(unknown)[0]!r}")
    for name in known:
        if f"ILACS_{name.upper()}" in env:
            values[name] = env[f"ILACS_{name.upper()}"]
    values.update({k: v for k, v in overrides.items() if v is not None})
    settings = Settings(**{k: _coerce(k, v, known[k]) for k, v in values.items()})
    if settings.smtp_tls not in ("starttls", "ssl", "none"):
        raise InvalidInput(f"smtp_tls must be starttls, ssl or none, not {settings.smtp_tls!r}")
    return settings
