"""How event data becomes bytes and back. JSON by default; pluggable."""

import json
import uuid
from datetime import date, datetime
from decimal import Decimal


def _default(value):
    # Domain events carry these; JSON has no type for them, so they travel as text.
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")


class JSONCodec:
    """Compact UTF-8 JSON. A codec only needs `encode(dict) -> bytes` and
    `decode(bytes) -> dict`."""

    def __init__(self):
        self._encoder = json.JSONEncoder(
            default=_default, separators=(",", ":"), ensure_ascii=False
        )
        self._decode = json.JSONDecoder().decode

    def encode(self, data) -> bytes:
        return self._encoder.encode(data).encode()

    def decode(self, raw) -> dict:
        if isinstance(raw, memoryview | bytearray):
            raw = bytes(raw)
        if isinstance(raw, bytes):
            raw = raw.decode()
        return self._decode(raw)
