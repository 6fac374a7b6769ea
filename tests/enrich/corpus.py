"""Read the shared real corpora into plain documents, and the hand-labeled duplicate pairs that point into them.

The labels in ``tests/data/dedup_pairs.jsonl`` hold only identifiers and titles; the texts are read from the
shared folder at test time, so no corpus text is kept in this repository. :func:`held_out` splits the pairs
once and for all: thresholds are chosen on the rest, and the held-out part says how well they generalize.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser

from finews.enrich.dedup import NearDuplicateIndex, Settings, fingerprint
from finews.model import BEIJING

PAIRS = Path(__file__).resolve().parent.parent / "data" / "dedup_pairs.jsonl"

# A digest entry is a Markdown link on its own line, "### [title](link)" in 2020-21, " [title](link)" later.
_ENTRY = re.compile(r"^(?:### )?\s*\[(?P<title>.*)\]\((?P<link>\S+)\)\s*$")
_FETCHED = re.compile(r"拉取时间：\s*(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})")
_DIGEST_NAME = re.compile(r"^(?:(\d{1,2})-(\d{1,2})|(\d{2})(\d{2}))\.md$")


@dataclass
class Doc:
    id: str  # "niles/<feed>/<guid>" or "digests/<year>/<file>/<link>"
    source: str
    title: str
    text: str
    published: datetime | None
    url: str


def html_text(html: str) -> str:
    if "<" not in html:
        return html.strip()
    return LexborHTMLParser(html).text(separator=" ").strip()


def load_niles(corpora: Path) -> Iterator[Doc]:
    for path in sorted((corpora / "feeds" / "niles").glob("items_*.jsonl")):
        feed = path.stem.removeprefix("items_")
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            try:
                published = parsedate_to_datetime(item["pubDate"])
            except (TypeError, ValueError):
                published = None
            yield Doc(
                id=f"niles/{feed}/{item['guid']}",
                source=feed,
                title=item.get("title") or "",
                text=html_text(item.get("description") or ""),
                published=published,
                url=item.get("link") or "",
            )


def _digest_date(path: Path) -> datetime | None:
    match = _DIGEST_NAME.match(path.name)
    if not match:
        return None
    month, day = (match[1], match[2]) if match[1] else (match[3], match[4])
    return datetime(int(path.parent.name), int(month), int(day), tzinfo=BEIJING)


def _digest_doc(path: Path, title: str, link: str, body: list[str], published: datetime | None) -> Doc:
    host = link.split("/")[2] if link.count("/") >= 2 else link
    doc_id = f"digests/{path.parent.name}/{path.name}/{link}"
    return Doc(doc_id, host, title, html_text("\n".join(body)), published, link)


def load_digests(corpora: Path) -> Iterator[Doc]:
    """Every entry of every daily digest; the first occurrence of a link wins (digests repeat entries)."""
    seen: set[str] = set()
    root = corpora / "digests" / "flaging-feed"
    for path in sorted(root.glob("20*/*.md")):
        day = _digest_date(path)
        title = link = ""
        body: list[str] = []
        published = day
        entries: list[tuple[str, str, list[str], datetime | None]] = []
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            match = _ENTRY.match(line)
            if match:
                entries.append((title, link, body, published))
                title, link, body, published = match["title"], match["link"], [], day
                continue
            fetched = _FETCHED.search(line)
            if fetched:
                published = datetime.fromisoformat(fetched[1]).replace(tzinfo=BEIJING)
            elif link and not line.startswith("#"):  # "## date" headings and the aggregator's "### error read" log
                body.append(line)
        entries.append((title, link, body, published))
        for title, link, body, published in entries:
            if link and link not in seen:
                seen.add(link)
                yield _digest_doc(path, title, link, body, published)


def load_all(corpora: Path) -> dict[str, Doc]:
    return {doc.id: doc for loader in (load_niles, load_digests) for doc in loader(corpora)}


@dataclass
class Pair:
    a: str
    b: str
    label: bool
    kind: str  # why it is labeled so: "repost", "retitled", "template", "same-topic", ...


def load_pairs(path: Path = PAIRS) -> list[Pair]:
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            pairs.append(Pair(row["a"]["id"], row["b"]["id"], bool(row["label"]), row.get("kind", "")))
    return pairs


def held_out(pair: Pair) -> bool:
    """A fixed two-in-five share of the pairs, chosen by a hash of their ids, that no threshold is tuned on."""
    digest = hashlib.blake2b(f"{pair.a} {pair.b}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % 5 < 2


def predict_pairs(docs: dict[str, Doc], pairs: list[Pair]) -> list[bool]:
    """Whether the index calls each pair a duplicate, all labeled documents indexed.

    The labels judge content only; the time window is policy (some labeled reposts came a year later).
    """
    index = NearDuplicateIndex(dataclasses.replace(Settings(), window_days=None))
    for doc_id in sorted({x for p in pairs for x in (p.a, p.b)}):
        d = docs[doc_id]
        index.insert(doc_id, fingerprint(d.title, d.text, d.published, index.settings))
    return [p.b in {m.doc_id for m in index.query_fingerprint(index.fingerprint(p.a))} for p in pairs]


def labeled_scores(docs: dict[str, Doc], pairs: list[Pair]) -> dict[str, tuple[float, float, float]]:
    """Precision, recall and F1 on the tuning part, the held-out part and all pairs."""
    predicted = predict_pairs(docs, pairs)
    parts = {"tuning": False, "held_out": True}
    scores = {
        name: precision_recall(
            [y for y, p in zip(predicted, pairs, strict=True) if held_out(p) is part],
            [p.label for p in pairs if held_out(p) is part],
        )
        for name, part in parts.items()
    }
    scores["all"] = precision_recall(predicted, [p.label for p in pairs])
    return scores


def precision_recall(predicted: list[bool], truth: list[bool]) -> tuple[float, float, float]:
    tp = sum(p and t for p, t in zip(predicted, truth, strict=True))
    fp = sum(p and not t for p, t in zip(predicted, truth, strict=True))
    fn = sum(t and not p for p, t in zip(predicted, truth, strict=True))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def utc(dt: datetime | None) -> datetime | None:
    return dt.astimezone(UTC) if dt else None
