"""Old shapes of stored events are upcast here when read; the store itself is never rewritten."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from events.types import EVENT_TYPES

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]

# (type, from_version) -> a function giving the data of version from_version + 1
UPCASTERS: dict[tuple[str, int], Upcaster] = {}


def upcast(type_: str, version: int, data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """Bring stored data up to the current schema version of its type, one step at a time."""
    cls = EVENT_TYPES.get(type_)
    target = cls.SCHEMA_VERSION if cls else version
    while version < target:
        data = UPCASTERS[(type_, version)](dict(data))
        version += 1
    return version, data
