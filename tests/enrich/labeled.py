"""The hand-labeled executive-move set (tests/data/exec_moves.jsonl): loading its articles and scoring.

Rows carry ``"split": "heldout"`` or nothing (tuning). The extractor's rules were written while
reading the tuning articles; held-out articles were labeled afterwards from a grep of the feeds for
move verbs (离职|卸任|辞任|辞去|加盟|出任|离开|接任|履新 …), labeled before the extractor was run on
them, and are only ever scored. A split by hash of the id would have put tuned-on articles (both
reference posts among them) into the held-out part, so the split is written into each row instead.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from finews.enrich.events import ExecutiveMove
from finews.enrich.tickers import company_index
from finews.extract import prepare
from finews.model import Article
from finews.sources.feed import article_from_item

LABELS = Path(__file__).resolve().parent.parent / "data" / "exec_moves.jsonl"


def reference_article(reference: Path, name: str) -> Article:
    """One of the two reference posts, as the source's fields gave it, through extract."""
    post = (reference / name).read_text(encoding="utf-8")
    _, front, body = post.split("---\n", 2)
    meta = yaml.safe_load(front)
    if name.startswith("jekyll"):
        content = body.split("\n\n", 1)[1].split("\n\n<http", 1)[0]
        url = body.rsplit("<http", 1)[1].split(">", 1)[0]
        raw = Article(source="emnews", url="http" + url, title=meta["title"], published=str(meta["date"])[:19],
                      content_html=content)  # fmt: skip
    else:
        content = body.strip().removeprefix("<div>").replace("&#123;", "{").replace("&#125;", "}")
        raw = Article(source="36kr", url="https://36kr.com/", title=meta["title"], published=str(meta["date"]),
                      content_html=content)  # fmt: skip
    return prepare(raw)


def corpus_articles(corpora: Path, wanted: set[str]) -> dict[str, Article]:
    """``source:guid`` → prepared article, for the guids asked for."""
    found: dict[str, Article] = {}
    for path in sorted((corpora / "feeds" / "niles").glob("items_*.jsonl")):
        source = path.stem.removeprefix("items_")
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                item = json.loads(line)
                key = f"{source}:{item.get('guid')}"
                if key in wanted:
                    found[key] = prepare(article_from_item(item, source))
    return found


@dataclass
class Score:
    tp: int = 0
    predicted: int = 0
    gold: int = 0
    dated: int = 0
    dated_right: int = 0

    @property
    def precision(self) -> float:
        return self.tp / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.tp / self.gold if self.gold else 1.0


def _norm(name: str) -> str:
    return name.replace("・", "·").replace(" ", "").casefold()


def _same_person(pred: str, names: list[str]) -> bool:
    p = _norm(pred)
    return any(p == _norm(n) or (len(p) > 1 and (p in _norm(n) or _norm(n) in p)) for n in names)


def _same_org(pred: ExecutiveMove, orgs: list[str]) -> bool:
    index = company_index()
    keys = {index.canonical(o) for o in orgs} | set(orgs)
    return pred.org_key in keys or pred.org in keys or any(o in pred.org or pred.org in o for o in orgs if pred.org)


def load_labels(split: str | None = None) -> list[dict]:
    """Every labeled row, or only the ``"tuning"`` or ``"heldout"`` ones."""
    rows = [json.loads(line) for line in LABELS.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if split is None or r.get("split", "tuning") == split]


def score(labels: list[dict], articles: dict[str, Article], extract: Callable[[Article], list[ExecutiveMove]],
          misses: list[str] | None = None) -> Score:  # fmt: skip
    """Micro P/R over labeled articles: a prediction is right when person and organization left match a label."""
    total = Score()
    for row in labels:
        article = articles.get(row["article"])
        if article is None:
            continue
        predicted = extract(article)
        gold = list(row["moves"])
        total.predicted += len(predicted)
        total.gold += len(gold)
        for move in predicted:
            hit = next((g for g in gold if _same_person(move.person, g["person"]) and _same_org(move, g["org"])), None)
            if hit is None:
                if misses is not None:
                    misses.append(f"FP {row['article']}: {move.person}/{move.org} | {move.evidence[:80]}")
                continue
            gold.remove(hit)
            total.tp += 1
            if hit.get("when"):
                total.dated += 1
                total.dated_right += move.when == hit["when"]
        if misses is not None:
            misses.extend(f"FN {row['article']}: {g['person'][0]}/{g['org'][0]}" for g in gold)
    return total


def labeled_articles(reference: Path, corpora: Path) -> dict[str, Article]:
    labels = load_labels()
    wanted = {row["article"] for row in labels if not row["article"].startswith("reference:")}
    articles = corpus_articles(corpora, wanted)
    for name in ("jekyll-eastmoney-post.md", "hexo-36kr-post.md"):
        articles[f"reference:{name}"] = reference_article(reference, name)
    return articles


MENTIONS = Path(__file__).resolve().parent.parent / "data" / "entity_mentions.jsonl"


def load_mention_judgments(split: str | None = None) -> list[dict]:
    """Mentions sampled from the niles feeds and judged by reading them: ``correct`` says whether the span
    names a person (or the company its key says). Rows carry ``"split"``: ``"tuning"`` (the rules were
    changed after reading them) or ``"heldout"`` (a later sample with another seed, judged after the last change)."""
    rows = [json.loads(line) for line in MENTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if split is None or r["split"] == split]


def mention_precision(judged: list[dict], articles: dict[str, Article], kind: str) -> tuple[int, int]:
    """(right, output): of the judged spans the extractor still gives as confident ``kind`` mentions, how many
    were judged right. Spans it no longer gives are left out (they are the extractor's recall, not its precision)."""
    from finews.enrich.entities import CONFIDENT, extract_mentions

    by_article: dict[str, set[tuple[str, int, int]]] = {}
    right = output = 0
    for row in judged:
        if row["kind"] != kind or row["article"] not in articles:
            continue
        if row["article"] not in by_article:
            found = extract_mentions(articles[row["article"]])
            by_article[row["article"]] = {
                (m.field, m.start, m.end) for m in found if m.kind == kind and m.confidence >= CONFIDENT
            }
        if (row["field"], row["start"], row["end"]) in by_article[row["article"]]:
            output += 1
            right += bool(row["correct"])
    return right, output
