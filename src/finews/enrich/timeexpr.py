"""Chinese date expressions resolved against an article's date: 去年8月, 同年10月, 今年年初, 3月底, 同月, 近日.

News prose states a date once and then leans on it ("2021年8月……10月……同月……"), so resolution
carries a context: the last date resolved in the same article, in reading order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

_CN_NUM = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_NUM = r"\d{1,2}|十[一二]?|[一二三四五六七八九]"
_PART = r"年初|年底|年末|年中|初|底|末|上半年|下半年|早些时候"
_MONTH_PART = r"初|底|末|中旬|上旬|下旬|中"
_EXPR = re.compile(
    rf"(?P<y>(?:19|20)\d{{2}})\s*年(?:\s*(?P<ym>{_NUM})\s*月(?:\s*(?P<yd>\d{{1,2}})\s*[日号])?(?P<ymp>{_MONTH_PART})?"
    rf"|(?P<yp>{_PART}))?"
    rf"|(?P<rel>去年|今年|前年|明年|同年|当年|次年)(?:(?P<rm>{_NUM})月(?:(?P<rd>\d{{1,2}})[日号])?(?P<rmp>{_MONTH_PART})?"
    rf"|(?P<rp>{_PART}))?"
    r"|(?P<same>同月|当月|同日|当天|当日)"
    r"|(?P<rmon>上个?月|本月|这个月|当月|下个?月)(?P<rmonp>初|底|末|中旬|上旬|下旬)?"
    r"|(?P<day>今日|今天|昨日|昨天|前天|日前|近日|近期|最近|上周[一二三四五六日天]?|本周[一二三四五六日天]?|周[一二三四五六日天])"
    rf"|(?<![\d年.])(?P<m>{_NUM})\s*月(?:\s*(?P<d>\d{{1,2}})\s*[日号])?(?P<mp>{_MONTH_PART})?(?!份额)"
)
_WEEKDAY = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_PART_MONTH = {"年初": 1, "初": 1, "上半年": 3, "年中": 6, "下半年": 9, "年底": 12, "年末": 12, "底": 12, "末": 12}


@dataclass(frozen=True)
class DateExpr:
    """One expression and what it means; ``month``/``day`` are None when the text does not say."""

    text: str
    start: int
    end: int
    year: int
    month: int | None = None
    day: int | None = None
    approximate: bool = False  # 年初, 3月底, 近日: a period, not a day

    @property
    def iso(self) -> str:
        """``2021``, ``2021-08`` or ``2021-08-20``: only as precise as the text."""
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"


def _num(value: str) -> int:
    if value.isdigit():
        return int(value)
    if value.startswith("十"):
        return 10 + (_CN_NUM.get(value[1:], 0) if len(value) > 1 else 0)
    return _CN_NUM[value]


def _valid(year: int, month: int | None, day: int | None) -> bool:
    if month is not None and not 1 <= month <= 12:
        return False
    if day is not None:
        try:
            date(year, month or 1, day)
        except ValueError:
            return False
    return 1900 <= year <= 2100


class DateResolver:
    """Resolves expressions in reading order against ``reference`` (the article's date)."""

    def __init__(self, reference: date) -> None:
        self.reference = reference
        self.context: DateExpr | None = None

    def resolve(self, text: str, offset: int = 0) -> list[DateExpr]:
        """Every date expression in ``text`` (offsets shifted by ``offset``); updates the context."""
        found: list[DateExpr] = []
        for match in _EXPR.finditer(text):
            expr = self._one(match, offset)
            if expr is not None:
                found.append(expr)
                self.context = expr
        return found

    def _one(self, m: re.Match[str], offset: int) -> DateExpr | None:
        ref, ctx = self.reference, self.context
        year, month, day, approx = ref.year, None, None, False
        if m["y"]:
            year = int(m["y"])
            if m["ym"]:
                month, day, approx = _num(m["ym"]), _int(m["yd"]), bool(m["ymp"])
            elif m["yp"]:
                month, approx = _PART_MONTH.get(m["yp"]), True
        elif m["rel"]:
            base = ctx.year if m["rel"] in ("同年", "当年", "次年") and ctx else ref.year
            year = base + {"去年": -1, "前年": -2, "明年": 1, "次年": 1}.get(m["rel"], 0)
            if m["rm"]:
                month, day, approx = _num(m["rm"]), _int(m["rd"]), bool(m["rmp"])
            elif m["rp"]:
                month, approx = _PART_MONTH.get(m["rp"]), True
        elif m["same"]:
            if ctx is None:
                year, month, day = ref.year, ref.month, ref.day if "日" in m["same"] or "天" in m["same"] else None
            else:
                year, month = ctx.year, ctx.month
                day = ctx.day if m["same"] in ("同日", "当天", "当日") else None
        elif m["rmon"]:
            shift = -1 if m["rmon"].startswith("上") else 1 if m["rmon"].startswith("下") else 0
            month_index = ref.year * 12 + ref.month - 1 + shift
            year, month, approx = month_index // 12, month_index % 12 + 1, bool(m["rmonp"])
        elif m["day"]:
            word = m["day"]
            if word in ("今日", "今天"):
                month, day = ref.month, ref.day
            elif word in ("昨日", "昨天", "前天"):
                when = ref - timedelta(days=1 if word != "前天" else 2)
                year, month, day = when.year, when.month, when.day
            elif word[-1] in _WEEKDAY and word.startswith(("上周", "本周", "周")):
                back = (ref.weekday() - _WEEKDAY[word[-1]]) % 7 + (7 if word.startswith("上周") else 0)
                when = ref - timedelta(days=back)
                year, month, day = when.year, when.month, when.day
            else:  # 近日, 近期, 日前, 最近, bare 上周/本周: the article's month is as precise as it gets
                month, approx = ref.month, True
        elif m["m"]:
            month, day, approx = _num(m["m"]), _int(m["d"]), bool(m["mp"])
            if ctx is not None:
                year = ctx.year
            elif month > ref.month:  # a bare month later than the article's is last year's
                year = ref.year - 1
        if not _valid(year, month, day):
            return None
        return DateExpr(m[0], m.start() + offset, m.end() + offset, year, month, day, approx)


def _int(value: str | None) -> int | None:
    return int(value) if value else None


def resolve_dates(text: str, reference: date) -> list[DateExpr]:
    """All date expressions in ``text`` resolved against ``reference``, each one giving context to the next."""
    return DateResolver(reference).resolve(text)
