from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from finews.extract.dates import parse_date

BJ = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("text", "expected_utc"),
    [
        ("2022-01-05 15:11:39", datetime(2022, 1, 5, 7, 11, 39, tzinfo=UTC)),  # eastmoney showtime, Beijing
        ("2022年01月05日 15:11", datetime(2022, 1, 5, 7, 11, tzinfo=UTC)),
        ("2022/1/5 15:11:39", datetime(2022, 1, 5, 7, 11, 39, tzinfo=UTC)),
        ("Thu, 19 May 2022 10:06:03 GMT", datetime(2022, 5, 19, 10, 6, 3, tzinfo=UTC)),
        ("Wed, 05 Jan 2022 15:11:39 +0800", datetime(2022, 1, 5, 7, 11, 39, tzinfo=UTC)),
        ("2022-05-19T18:06:03+08:00", datetime(2022, 5, 19, 10, 6, 3, tzinfo=UTC)),
        ("2022-05-19T10:06:03Z", datetime(2022, 5, 19, 10, 6, 3, tzinfo=UTC)),
        ("2022-01-05 15:11:39 +0800", datetime(2022, 1, 5, 7, 11, 39, tzinfo=UTC)),
        ("1641366699", datetime(2022, 1, 5, 7, 11, 39, tzinfo=UTC)),
    ],
)
def test_parses_to_the_right_instant(text, expected_utc):
    assert parse_date(text, BJ) == expected_utc


def test_naive_dates_take_the_source_zone_not_utc():
    parsed = parse_date("2022-01-05 15:11:39", BJ)
    assert parsed.utcoffset() == timedelta(hours=8)
    assert parse_date("2022-01-05 15:11:39", UTC).hour == 15


def test_rfc822_without_zone_is_local():
    assert parse_date("Wed, 05 Jan 2022 15:11:39 -0000", BJ).utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize("text", ["", "yesterday", "9999-12-31 00:00:00", "0000-01-01", "2022-13-45", None])
def test_garbage_and_absurd_years_give_none(text):
    assert parse_date(text, BJ) is None
