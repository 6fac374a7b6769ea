"""What the site's search index holds of an article page: the archive search's terms, as Pagefind words.

The site search finds what the archive search finds, which is what Ctrl+F finds: every article whose
title or text holds the query (both folded: full width → ASCII, lower case, Traditional →
Simplified), and no other. Pagefind's own reading of a page cannot do that for Chinese: it cuts a
run into words (特斯拉 in one text, 特/斯拉 in another, and the query cut a third way), so a query
finds only the texts cut as it was. So Pagefind is not given the page; it is given, for each
article page, a page of words made here (:func:`record`):

- the article's title and plain text, folded and cut into terms by the archive search's own code
  (:func:`finews.store.search_terms.terms`): a run of CJK characters gives its overlapping bigrams
  and its last character alone, a Latin token is one word, and a gap word stands where punctuation
  or space separates Latin from CJK;
- one more word before each CJK run of two or more characters: its first character alone. A query
  part such as ``A股`` (a Latin token, then one CJK character) then asks for the words ``a 股``,
  which a text holding A股市场 has side by side (``a 股 股市 市场 场``), with no prefix search;
- the title as a heading (Pagefind ranks heading words higher), then a word no query can hold, so
  no phrase runs from the title into the text.

The search page's script (``static/pagefind.js``) folds and cuts a query the same way and asks
Pagefind for each space-separated part as an exact phrase (``"特斯 斯拉"``: those words side by
side), then keeps the pages that hold every part. A string of two or more characters is a phrase of
its bigrams, whatever a segmenter would have made of it; a Latin word matches whole words only.

The page of words also carries the article's title, date and filters (read from the article page's
``data-pagefind-*`` attributes), and :func:`fold_table` gives, for the characters the indexed text
holds, the Traditional forms OpenCC folds into them, so a query typed in Traditional characters is
folded in the browser as the text was here. The plain text is not carried as metadata: Pagefind
indexes metadata too, in its own words, which made the index half as large again and its build
nearly twice as long; the search page reads its excerpt back from the words (folded text, without
punctuation).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from functools import cache

from selectolax.lexbor import LexborHTMLParser

from ..enrich.normalize import to_simplified
from ..extract.clean import html_to_text
from ..store import unicode61
from ..store.search_terms import GAP, terms

LANGUAGE = "und"  # not a language Pagefind stems or segments: the words are given already cut
GAP_WORD = "_"  # unicode61 splits on "_", so no term holds it; Pagefind keeps it as a word
WALL = "-"  # Pagefind counts it as a word but never matches it: no phrase crosses it
TEXT_CHARS = 100_000  # of an article's plain text: any news story, and a bound on a hostile page
_CJK = re.compile("[\u3005\u3007\u3041-\u3096\u309d-\u309f\u30a1-\u30fa\u30fc-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
                  "\uac00-\ud7a3\uf900-\ufaff\U00020000-\U0003134f]")  # fmt: skip
_HAN_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2FA1F))


@dataclass
class Record:
    """An article page as the index takes it."""

    page: str  # HTML of the page of words Pagefind indexes in place of the article page
    chars: set[str] = field(default_factory=set)  # the CJK characters of its terms


def words(text_terms: list[str]) -> list[str]:
    """The archive's terms as Pagefind words: the gap as :data:`GAP_WORD`, each CJK run's first character before it."""
    out: list[str] = []
    in_run = False  # the previous term was a bigram: the run goes on
    for term in text_terms:
        if term == GAP:
            out.append(GAP_WORD)
            in_run = False
            continue
        cjk = bool(_CJK.match(term))
        if cjk and not in_run and len(term) > 1:
            out.append(term[0])  # a run of two or more starts here
        out.append(term)
        in_run = cjk and len(term) > 1
    return out


def record(page_html: str) -> Record:
    """The page of words for an article page (its title, text, date and filters read from it)."""
    tree = LexborHTMLParser(page_html)
    title_node = tree.css_first('[data-pagefind-meta="title"]')
    title = " ".join(title_node.text().split()) if title_node is not None else ""
    content = tree.css_first("div.content[data-pagefind-body]")
    text = html_to_text(content.html or "")[:TEXT_CHARS] if content is not None else ""
    title_words, text_words = words(terms(title)), words(terms(text))
    chars = {c for w in {*title_words, *text_words} if _CJK.match(w) for c in w}  # a text repeats its words
    tags = []
    for node in tree.css("[data-pagefind-meta]"):
        meta = node.attributes.get("data-pagefind-meta") or ""
        if ":" in meta:  # "日期:2026-03-01 08:00"; the title is given below
            tags.append(f'<span data-pagefind-meta="{html.escape(meta)}"></span>')
    for node in tree.css("[data-pagefind-filter]"):
        name = node.attributes.get("data-pagefind-filter") or ""
        value = " ".join(node.text().split())
        if name and value:
            tags.append(f'<span data-pagefind-filter="{html.escape(name)}:{html.escape(value)}"></span>')
    for node in tree.css("[data-pagefind-sort]"):
        sort = node.attributes.get("data-pagefind-sort") or ""
        name, _, attribute = sort.partition("[")
        sort_value = node.attributes.get(attribute.rstrip("]")) if attribute else node.text()
        if name and sort_value:
            tags.append(f'<span data-pagefind-sort="{html.escape(name)}:{html.escape(sort_value)}"></span>')
    page = (
        f'<!doctype html><html lang="{LANGUAGE}"><head><meta charset="utf-8"></head><body>'
        f"<main data-pagefind-body><h1>{html.escape(' '.join(title_words))} {WALL}</h1>"
        f"<p>{html.escape(' '.join(text_words))}</p></main>"
        f'<span data-pagefind-meta="title:{html.escape(title)}"></span>{"".join(tags)}</body></html>'
    )
    return Record(page, chars)


@cache
def _traditional() -> dict[str, list[str]]:
    """Simplified character → the other characters OpenCC folds into it, one character at a time."""
    chars = [chr(c) for start, end in _HAN_RANGES for c in range(start, end + 1)]
    folded = to_simplified("\n".join(chars)).split("\n")
    found: dict[str, list[str]] = {}
    if len(folded) != len(chars):  # never seen: a line joined or split; fold one by one
        folded = [to_simplified(c) for c in chars]
    for char, into in zip(chars, folded, strict=True):
        if len(into) == 1 and into != char:
            found.setdefault(into, []).append(char)
    return found


def fold_table(chars: set[str]) -> dict[str, str]:
    """Traditional → Simplified for the characters the index holds (``chars``, folded).

    A character that is itself in the indexed text is left out: OpenCC keeps 著 in 著名 and makes
    it 着 elsewhere, and a query 著名 typed in Simplified must stay 著名.
    """
    table = {}
    forms = _traditional()
    for simplified in chars:
        for other in forms.get(simplified, ()):
            if other not in chars:
                table[other] = simplified
    return dict(sorted(table.items()))


def separators() -> str:
    """unicode61's separators as the body of a JavaScript character class (``u`` flag)."""
    out = []
    for item in unicode61.SEPARATORS.split():
        start, _, end = item.partition("-")
        out.append(f"\\u{{{start}}}" + (f"-\\u{{{end}}}" if end else ""))
    return "".join(out)
