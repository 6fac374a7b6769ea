"""Stock codes and the company dictionary: eastmoney market codes, tickers written in text, names and aliases.

Tickers are normalized to one spelling per market: ``600519.SH``, ``300024.SZ``, ``830799.BJ``,
``00700.HK`` (five digits), and the bare symbol for US listings (``BABA``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

# eastmoney's numeric market ids, as they appear in quote links and data-code attributes
_EM_MARKETS = {"1": "SH", "0": "SZ", "116": "HK", "128": "HK", "105": "US", "106": "US", "107": "US", "153": "US"}
_BJ_PREFIXES = ("4", "8", "92")
_A_SHARE = re.compile(r"(?:60[0135]|688|689|00[0123]|30[01]|8[3-9]\d|43\d|92\d)\d{3}")


@dataclass(frozen=True)
class Company:
    name: str
    aliases: tuple[str, ...] = ()
    tickers: tuple[str, ...] = ()
    parent: str = ""  # a unit (达摩院, Xbox) names the company it belongs to
    # stock short names that are everyday words (新松's short name is 机器人): never matched in free text
    generic: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return self.tickers[0] if self.tickers else self.name


def market_of(ticker: str) -> str:
    if "." in ticker:
        return ticker.rsplit(".", 1)[1]
    return "US" if ticker.isalpha() or ticker.replace(".", "").isalpha() else ""


def a_share(code: str) -> str | None:
    """``600519`` → ``600519.SH``; None when six digits are not a plausible mainland code."""
    if not _A_SHARE.fullmatch(code):
        return None
    if code.startswith(("6", "9")) and not code.startswith("92"):
        return f"{code}.SH"
    if code.startswith(_BJ_PREFIXES):
        return f"{code}.BJ"
    return f"{code}.SZ"


def normalize_em_code(code: str) -> str | None:
    """An eastmoney code in any of its spellings to a ticker.

    ``116.09988`` / ``116,09988`` / ``09988|116|5`` → ``09988.HK``; ``106.BABA`` → ``BABA``;
    ``0.300024`` → ``300024.SZ``; ``1.600519`` → ``600519.SH``. Boards, indexes and funds give None.
    """
    code = (code or "").strip()
    if "|" in code:
        parts = code.split("|")
        symbol, market = (parts[0], parts[1]) if len(parts) > 1 else (parts[0], "")
    else:
        found = re.fullmatch(r"(\d{1,3})[.,](\S+)", code)
        if not found:
            return None
        market, symbol = found.groups()
    symbol = symbol.strip().upper().removeprefix("K ")
    exchange = _EM_MARKETS.get(market.strip())
    if not exchange or not symbol:
        return None
    if exchange == "US":
        return symbol if re.fullmatch(r"[A-Z][A-Z.\-]{0,6}", symbol) else None
    if exchange == "HK":
        return f"{int(symbol):05d}.HK" if symbol.isdigit() and len(symbol) <= 5 else None
    if not (symbol.isdigit() and len(symbol) == 6):
        return None
    if exchange == "SZ" and symbol.startswith(_BJ_PREFIXES):
        return f"{symbol}.BJ"
    return f"{symbol}.{exchange}"


# Tickers as written in prose. Bare six-digit numbers are amounts far more often than codes, so they
# only count inside brackets or after 股票代码/证券代码.
_TEXT_TICKERS = re.compile(
    r"(?P<a>(?<![\d.])\d{6})\.(?P<ax>SH|SZ|BJ|SS)\b"
    r"|(?P<h>(?<![\d.])\d{4,5})\.HK\b"
    r"|(?:HK|hk)[.:：](?P<h2>\d{4,5})\b"
    r"|(?:NASDAQ|Nasdaq|NYSE|纳斯达克|纽交所|纳斯达克代码|美股代码)\s*[:：]\s*(?P<us>[A-Z]{1,5})\b"
    r"|(?:股票代码|证券代码|代码)\s*[:：]?\s*(?P<code>\d{6}|\d{5}(?=\D))"
    r"|[（(]\s*(?P<paren>\d{6}|\d{5})(?:\.(?P<px>SH|SZ|BJ|HK))?\s*[)）]",
)

# every ticker above contains one of these; they scan fast (each starts with a fixed character), where
# the full pattern tries its eight branches at every character of every article
_TICKER_GATE = re.compile(r"\.(?:SH|SZ|BJ|SS|HK)|HK|hk|NASDAQ|Nasdaq|NYSE|纳斯达克|纽交所|美股代码|代码")
_PAREN_GATE = re.compile(r"[（(]\s*\d{5}")


@dataclass(frozen=True)
class TickerHit:
    start: int
    end: int
    ticker: str
    confidence: float


def find_text_tickers(text: str) -> list[TickerHit]:
    """Tickers written in ``text``: ``600519.SH``, ``00700.HK``, ``（300750）``, ``NYSE: BABA``, ``代码：600519``."""
    hits: list[TickerHit] = []
    if not (_TICKER_GATE.search(text) or _PAREN_GATE.search(text)):
        return hits
    for m in _TEXT_TICKERS.finditer(text):
        if m["a"]:
            exchange = "SH" if m["ax"] == "SS" else m["ax"]  # Yahoo spells Shanghai "SS"
            hits.append(TickerHit(m.start("a"), m.end(), f"{m['a']}.{exchange}", 0.95))
        elif m["h"] or m["h2"]:
            group = "h" if m["h"] else "h2"
            hits.append(TickerHit(m.start(group), m.end(group), f"{int(m[group]):05d}.HK", 0.95))
        elif m["us"]:
            hits.append(TickerHit(m.start("us"), m.end("us"), m["us"], 0.9))
        elif m["code"]:
            code = m["code"]
            ticker = a_share(code) if len(code) == 6 else f"{code}.HK"
            if ticker:
                hits.append(TickerHit(m.start("code"), m.end("code"), ticker, 0.9))
        elif m["paren"]:
            code, suffix = m["paren"], m["px"]
            if suffix:
                ticker = f"{int(code):05d}.HK" if suffix == "HK" else f"{code}.{suffix}"
            else:
                ticker = a_share(code) if len(code) == 6 else f"{code}.HK"
            if ticker:
                # a bracketed number right after a name is a code, but it could be a year count or amount
                hits.append(TickerHit(m.start("paren"), m.end("paren"), ticker, 0.85 if suffix else 0.6))
    return hits


@dataclass
class CompanyIndex:
    """The shipped company dictionary, indexed for matching names in text."""

    companies: list[Company]
    by_alias: dict[str, Company] = field(default_factory=dict)
    by_ticker: dict[str, Company] = field(default_factory=dict)
    by_name: dict[str, Company] = field(default_factory=dict)
    by_generic: dict[str, Company] = field(default_factory=dict)
    _pattern: re.Pattern[str] | None = None

    def __post_init__(self) -> None:
        for company in self.companies:
            self.by_name[company.name] = company
            for ticker in company.tickers:
                self.by_ticker.setdefault(ticker, company)
            for alias in (company.name, *company.aliases):
                key = _fold(alias)
                self.by_alias.setdefault(key, company)
            for word in company.generic:
                self.by_generic.setdefault(_fold(word), company)
        self._pattern = trie_regex([alias for alias in self.by_alias if alias])

    def lookup(self, name: str) -> Company | None:
        """A company by any of its names; generic short names included (the caller knows the context)."""
        folded = _fold(name.strip())
        return self.by_alias.get(folded) or self.by_generic.get(folded)

    def owner(self, company: Company) -> Company:
        """The listed company a unit belongs to (达摩院 → 阿里巴巴); the company itself when it is one."""
        seen = {company.name}
        while company.parent and company.parent in self.by_name and company.parent not in seen:
            company = self.by_name[company.parent]
            seen.add(company.name)
        return company

    def key_of(self, value: str) -> str:
        """The key every mention of a company is stored under, from any of its tickers or names.

        One company, one key: its first listed ticker (``BABA`` for 09988.HK, ``002594.SZ`` for
        01211.HK); a unit's key is its owner's. A value the dictionary does not know is its own key.
        """
        value = value.strip()
        if re.fullmatch(r"\d{1,5}\.[Hh][Kk]", value):  # 9988.HK as often as 09988.HK
            value = f"{int(value[:-3]):05d}.HK"
        company = self.by_ticker.get(value.upper()) or self.by_ticker.get(value) or self.lookup(value)
        return self.owner(company).key if company else value

    def canonical(self, name: str) -> str:
        """The name an organization is keyed on: units resolve to their parent (达摩院 → 阿里巴巴)."""
        company = self.lookup(name)
        if company is None:
            return name.strip()
        while company.parent and company.parent in self.by_name and company.parent != company.name:
            company = self.by_name[company.parent]
        return company.name

    def find(self, text: str) -> list[tuple[int, int, Company]]:
        """Longest, non-overlapping dictionary names in ``text``; Latin names only on word boundaries."""
        folded = _fold(text)
        if self._pattern is None:
            return []
        get = self.by_alias.get
        # the pattern is built from by_alias's keys: every match is one
        return [(m.start(), m.end(), get(m[0])) for m in self._pattern.finditer(folded)]  # type: ignore[misc]


def trie_regex(words: list[str]) -> re.Pattern[str] | None:
    """One regex for a word list, shaped as a trie so matching costs one pass over the text.

    Greedy branches make each match the longest word at its start, as a plain alternation sorted
    longest first would, without re-trying every word at every position. Words that start or end
    with a Latin letter or digit carry their word-boundary checks inside the pattern.
    """
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict[str, dict], last: str) -> str:
        branches = [re.escape(c) + build(child, c) for c, child in sorted(node.items()) if c]
        ends = "" in node
        stop = r"(?![a-z0-9_&])" if _is_word(last) else ""
        if not branches:
            return stop
        if not ends:
            return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if stop:
            return "(?:" + "|".join([*branches, stop]) + ")"
        return "(?:" + "|".join(branches) + ")?"

    # the start check sits after the first character so every branch opens with a literal, which
    # lets the regex engine skip positions whose character starts no name
    tops = [
        re.escape(c) + (r"(?<![a-z0-9_&].)" if _is_word(c) else "") + build(child, c)
        for c, child in sorted(trie.items())
    ]
    return re.compile("|".join(tops)) if tops else None


_FOLD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _fold(text: str) -> str:
    """ASCII case folding that keeps every offset (str.lower can change lengths)."""
    return text.translate(_FOLD)


def _is_word(char: str) -> bool:
    return char.isascii() and (char.isalnum() or char in "_&")


def _bounded(text: str, start: int, end: int) -> bool:
    """Latin names need word boundaries (Meta must not match inside Metaverse); Chinese ones do not."""
    if _is_word(text[start]) and start > 0 and _is_word(text[start - 1]):
        return False
    return not (_is_word(text[end - 1]) and end < len(text) and _is_word(text[end]))


@cache
def company_index() -> CompanyIndex:
    """The dictionary shipped in ``finews/enrich/data/companies.tsv``, loaded once."""
    raw = resources.files("finews.enrich").joinpath("data/companies.tsv").read_text(encoding="utf-8")
    companies = []
    for line in raw.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, aliases, tickers, parent = [*line.split("\t"), "", "", ""][:4]
        names = [a.strip() for a in aliases.split("|") if a.strip()]
        companies.append(
            Company(
                name=name.strip(),
                aliases=tuple(a for a in names if not a.startswith("~")),
                tickers=tuple(t.strip() for t in tickers.split("|") if t.strip()),
                parent=parent.strip(),
                generic=tuple(a[1:] for a in names if a.startswith("~")),
            )
        )
    return CompanyIndex(companies)


# what an organization's name never holds: verbs, pronouns and particles (招商蛇口已将其浙江公司)
_NOT_IN_ORG = re.compile(r"[已将其把被了这那他她它们此该]|正在|表示|宣布|通过|曾经|目前|之后|以来|我们")


def real_organization(name: str) -> bool:
    """Whether ``name`` reads as an organization's name rather than a piece of a sentence."""
    name = name.strip()
    if not name or len(name) > 30:
        return False
    if company_index().lookup(name) is not None:
        return True
    return not _NOT_IN_ORG.search(name) and not re.fullmatch(r"[\d\W_]+", name)
