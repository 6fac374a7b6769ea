"""Full text for summary-only sources: fetch each new article's page and keep its main text.

cnBeta's feed items, a list page's links and many APIs give a title and a line or two; the
article itself is on the page. Pages go through the same polite fetcher (robots.txt applies) and
:func:`finews.extract.fulltext.extract_article`. A page that yields nothing is reported, so full
text never fails silently; the article is still kept with what the source gave.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .config import SiteRuleConfig, SourceConfig
from .errors import FinewsError
from .extract.clean import html_to_text, sanitize
from .fetch.client import Fetcher
from .model import Article
from .sources.base import fetch_for


@dataclass
class ScrapeReport:
    fetched: int = 0
    failures: list[str] = field(default_factory=list)  # "<url>: <cause>", one per article left without full text


def add_full_text(
    articles: list[Article], source: SourceConfig, fetcher: Fetcher, sites: Mapping[str, SiteRuleConfig] | None = None
) -> ScrapeReport:
    """Replace each article's content by its page's main text, in place; ``sites`` adds cleanup rules."""
    # trafilatura takes a second to import: only sources that want full text pay for it
    from .extract.fulltext import extract_article
    from .extract.site_rules import load_rules

    rules = load_rules({domain: rule.model_dump() for domain, rule in (sites or {}).items()})
    report = ScrapeReport()
    for article in articles:
        if not article.url.startswith(("http://", "https://")):
            continue
        try:
            response = fetch_for(source, fetcher, article.url, page=True)
            extracted = extract_article(response.text(), response.url, rules=rules)
        except FinewsError as exc:
            report.failures.append(str(exc))
            continue
        if extracted is None or not extracted.text.strip():
            report.failures.append(f"{article.url}: no article text found on the page")
            continue
        report.fetched += 1
        if not article.summary and article.content_html:
            # what the feed gave was a summary of this page
            article.summary = html_to_text(sanitize(article.content_html))
        article.content_html = extracted.html
        article.title = article.title or extracted.title or ""
        article.author = article.author or extracted.author
        # the page's date as written, parsed by extract like a source's (see model.Article)
        article.published = article.published or extracted.published  # type: ignore[assignment]
    return report
