"""How event data becomes bytes and back. JSON by default; pluggable."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol


class Codec(Protocol):
    """What a store needs of a codec (`codec=`): event data, metadata and
    snapshot state to bytes and back."""

    def encode(self, data: dict[str, Any]) -> bytes: ...

    def decode(self, raw: bytes) -> dict[str, Any]: ...


def _default(value: object) -> str:
    # Domain events carry these; JSON has no type for them, so they travel as text.
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")


class JSONCodec:
    """Compact UTF-8 JSON. A codec only needs `encode(dict) -> bytes` and
    `decode(bytes) -> dict`."""

    def __init__(self) -> None:
        self._encoder = json.JSONEncoder(
            default=_default, separators=(",", ":"), ensure_ascii=False
        )
        # Any JSON value: the stores decode whole arrays of events with it.
        self._decode: Callable[[str], Any] = json.JSONDecoder().decode

    def encode(self, data: Any) -> bytes:
        return self._encoder.encode(data).encode()

    def decode(self, raw: bytes | bytearray | memoryview | str) -> dict[str, Any]:
        if isinstance(raw, memoryview | bytearray):
            raw = bytes(raw)
        if isinstance(raw, bytes):
            raw = raw.decode()
        data: dict[str, Any] = self._decode(raw)
        return data
