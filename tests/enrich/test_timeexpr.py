from datetime import date

import pytest

from finews.enrich.timeexpr import DateResolver, resolve_dates

REF = date(2022, 5, 19)


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("去年8月", "2021-08"),
        ("今年年初", "2022-01"),
        ("3月底", "2022-03"),
        ("2017年3月20日", "2017-03-20"),
        ("2018年", "2018"),
        ("近日", "2022-05"),
        ("上个月", "2022-04"),
        ("今年1月", "2022-01"),
        ("8月", "2021-08"),  # a bare month after the article's is last year's
        ("前年", "2020"),
    ],
)
def test_single_expressions(text: str, iso: str) -> None:
    assert [d.iso for d in resolve_dates(text, REF)] == [iso]


def test_context_carries_across_sentences() -> None:
    text = "2021年8月，李磊离职。10月，曾文军离职。同月，王长虎离职。"
    assert [d.iso for d in resolve_dates(text, date(2022, 1, 5))] == ["2021-08", "2021-10", "2021-10"]
    assert [d.iso for d in resolve_dates("去年8月，李磊离职；同年10月，王长虎离职", REF)] == ["2021-08", "2021-10"]


def test_offsets_and_approximation() -> None:
    resolver = DateResolver(REF)
    (found,) = resolver.resolve("离职于3月底", offset=100)
    assert (found.start, found.end, found.approximate) == (103, 106, True)


def test_not_dates() -> None:
    assert resolve_dates("3个月后，营收增长30%", REF) == []
    assert resolve_dates("", REF) == []
    assert all(d.month != 13 for d in resolve_dates("2022年13月", REF))  # an impossible month is dropped
