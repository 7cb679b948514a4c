"""``cards.formatting.moment`` for a file's thousands of rows. Babel takes tens of microseconds per
call; a day's rows share everything but the clock, so Babel runs once per day shown and the clock
("HH:mm", the same in every language Blend speaks) is written directly."""

from __future__ import annotations

from datetime import date, datetime
from typing import Callable

from cards.formatting import moment, zone_info


def moments(zone: str | None, lang: str) -> Callable[[datetime], str]:
    tz = zone_info(zone)
    days: dict[date, str] = {}

    def format(value: datetime) -> str:
        local = value.astimezone(tz)
        prefix = days.get(local.date())
        if prefix is None:
            full = moment(value, zone, lang)
            clock = f"{local.hour:02d}:{local.minute:02d}"
            if not full.endswith(clock):  # a pattern that does not end with the clock: no shortcut
                return full
            prefix = days[local.date()] = full[: -len(clock)]
        return f"{prefix}{local.hour:02d}:{local.minute:02d}"

    return format
