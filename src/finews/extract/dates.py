"""Dates from any source, made timezone-aware; a date without a zone is in the source's zone."""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo
from email.utils import parsedate_to_datetime

from ..model import BEIJING

# Chinese sources write "2022年01月05日 15:11", "2022/1/5 15:11:39", "2022-01-05T15:11:39+08:00" ...
_NUMERIC = re.compile(
    r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[T\s]+(\d{1,2})\s*[:时]\s*(\d{1,2})(?:\s*[:分]\s*(\d{1,2})(?:[.,](\d+))?)?\s*秒?)?"
    r"\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2}|[+-]\d{2})?\s*$",
    re.IGNORECASE,
)
_EPOCH = re.compile(r"^\s*\d{10}(\d{3})?\s*$")
_MIN_YEAR, _MAX_YEAR = 1990, 2100


def parse_date(value: str | datetime | None, default_tz: tzinfo = BEIJING) -> datetime | None:
    """Parse ``value``; naive results get ``default_tz``. Unparseable or absurd dates give None."""
    if value is None:
        return None
    result: datetime | None
    if isinstance(value, datetime):
        result = value
    else:
        text = str(value).strip()
        if not text:
            return None
        result = _parse_text(text)
        if result is None:
            return None
    if result.tzinfo is None:
        result = result.replace(tzinfo=default_tz)
    try:
        year = result.astimezone(UTC).year
    except OverflowError:  # 9999-12-31 at -12:00 is past the largest datetime in UTC
        return None
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        return None
    return result


def _parse_text(text: str) -> datetime | None:
    if _EPOCH.match(text):
        seconds = int(text) / (1000 if len(text.strip()) == 13 else 1)
        return datetime.fromtimestamp(seconds, UTC)
    match = _NUMERIC.match(text)
    if match:
        return _from_match(match)
    try:
        # RFC 822 (RSS pubDate); "-0000" means "zone unknown" and parses as naive.
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        pass
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _from_match(m: re.Match[str]) -> datetime | None:
    year, month, day, hour, minute, second, fraction, zone = m.groups()
    try:
        micro = int((fraction or "0")[:6].ljust(6, "0"))
        naive = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0), micro)
    except ValueError:
        return None
    if not zone:
        return naive
    zone = zone.upper()
    if zone in ("Z", "UTC", "GMT"):
        return naive.replace(tzinfo=UTC)
    digits = zone[1:].replace(":", "").ljust(4, "0")
    try:
        return datetime.fromisoformat(f"{naive.isoformat()}{zone[0]}{digits[:2]}:{digits[2:4]}")
    except ValueError:
        return None
