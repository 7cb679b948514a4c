"""Structured logs: one ``key=value`` line per record, with the request's ids (dialogs/log_context.py).

What a person typed never reaches a log call (handlers log types, ids and error classes); as a
second line of defence bearer tokens and JWTs are masked here should an exception message carry one."""

from __future__ import annotations

import logging
import re
import time

from dialogs.log_context import FIELDS, current

_SECRET = re.compile(r"(Bearer\s+)\S+|eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]*", re.IGNORECASE)
_BARE = re.compile(r"^[\w.:/@;+-]+$")


def redact(text: str) -> str:
    return _SECRET.sub(lambda m: (m.group(1) or "") + "[redacted]", text)


def _value(value: object) -> str:
    text = str(value)
    return text if text and _BARE.match(text) else '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


class ContextFilter(logging.Filter):
    """Copies the current request's ids onto the record (a handler filter: sees every logger's records)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in current().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


class KeyValueFormatter(logging.Formatter):
    converter = time.gmtime

    def format(self, record: logging.LogRecord) -> str:
        parts = [
            f"ts={self.formatTime(record, '%Y-%m-%dT%H:%M:%S')}.{int(record.msecs):03d}Z",
            f"level={record.levelname}", f"logger={record.name}", f"msg={_value(redact(record.getMessage()))}",
        ]
        parts += [f"{key}={_value(getattr(record, key))}" for key in FIELDS if getattr(record, key, None) is not None]
        if record.exc_info:
            parts.append(f"exc={_value(redact(self.formatException(record.exc_info)))}")
        return " ".join(parts)


def configure(level: int = logging.INFO) -> None:
    """Log to stderr in key=value lines; called once by app.main."""
    handler = logging.StreamHandler()
    handler.setFormatter(KeyValueFormatter())
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Drivers log statements with their parameters (people's text) at DEBUG/INFO: keep those out.
    for name in ("aiosqlite", "asyncpg", "sqlalchemy.engine", "sqlalchemy.pool"):
        logging.getLogger(name).setLevel(logging.WARNING)
