"""Per-site cleanup rules, kept as data (``site_rules.toml``), applied with selectolax before extraction."""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SiteRule:
    remove: tuple[str, ...] = ()
    keep: str | None = None


def load_rules(extra: Mapping[str, Any] | None = None) -> dict[str, SiteRule]:
    """The packaged rules; ``extra`` (``{domain: {"remove": [...], "keep": "..."}}``) replaces same-domain ones.

    A bad selector is not detected here (selectolax only complains when it runs); it is logged and
    skipped when applied, so one typo cannot stop extraction for a site.
    """
    rules = dict(_packaged())
    for domain, spec in (extra or {}).items():
        rules[_domain(domain)] = _rule(domain, spec)
    return rules


def rule_for(url: str | None, rules: Mapping[str, SiteRule]) -> SiteRule | None:
    """The rule of the longest domain that is ``url``'s host or a parent of it."""
    if not url or not rules:
        return None
    try:
        host = (urlsplit(url.strip()).hostname or "").rstrip(".").lower()
    except ValueError:
        return None
    labels = host.split(".")
    for i in range(len(labels) - 1):
        if (rule := rules.get(".".join(labels[i:]))) is not None:
            return rule
    return None


def apply_rule(html: str, rule: SiteRule) -> str:
    """``html`` with the rule's removals done and, when ``keep`` matches, only the kept elements in the body.

    The head survives so that extractors still find the title, author and date metadata.
    """
    tree = LexborHTMLParser(html)
    for selector in rule.remove:
        for node in _select(tree, selector):
            node.decompose()
    if rule.keep and (kept := _select(tree, rule.keep)):
        # Nested matches (a summary inside the content) would be kept twice; keep outermost ones only.
        outer = [n for n in kept if not any(_contains(other, n) for other in kept if other is not n)]
        head = tree.head.html if tree.head is not None else ""
        body = "".join(n.html or "" for n in outer)
        return f"<html>{head}<body><article>{body}</article></body></html>"
    return tree.html or html


def _select(tree: LexborHTMLParser, selector: str) -> list:
    try:
        return list(tree.css(selector))
    except Exception as exc:  # selectolax raises plain exceptions for bad selectors
        log.warning("site rule selector %r ignored: %s", selector, exc)
        return []


def _contains(ancestor, node) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.mem_id == ancestor.mem_id:
            return True
        parent = parent.parent
    return False


def _domain(name: str) -> str:
    return name.strip().lstrip(".").rstrip(".").lower()


def _rule(domain: str, spec: Mapping[str, Any]) -> SiteRule:
    if not isinstance(spec, Mapping):
        raise ValueError(f"site rule for {domain!r} must be a table with 'remove' and/or 'keep'")
    remove = spec.get("remove") or []
    keep = spec.get("keep") or None
    if isinstance(remove, str) or not all(isinstance(s, str) for s in remove):
        raise ValueError(f"site rule for {domain!r}: 'remove' must be a list of CSS selectors")
    if keep is not None and not isinstance(keep, str):
        raise ValueError(f"site rule for {domain!r}: 'keep' must be one CSS selector string")
    return SiteRule(tuple(s for s in remove if s.strip()), keep)


@lru_cache(maxsize=1)
def _packaged() -> dict[str, SiteRule]:
    text = resources.files("finews.extract").joinpath("site_rules.toml").read_text(encoding="utf-8")
    return {_domain(d): _rule(d, spec) for d, spec in tomllib.loads(text).get("sites", {}).items()}
