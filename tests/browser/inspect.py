"""Render pages under a :class:`~tests.browser.conftest.Guard` and count what injected code could have done."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .conftest import SETTLE, Guard, Session

# Markup no page of the site or the live views has of its own, whatever an article says: handlers,
# inline styles, script URLs, frames, plugins, a <base>, a refresh, script or style elements that
# are not the site's own files. Checked in the document as the browser built it (after mutation).
LOOK = r"""
async () => {
  await SETTLE;  // what fires after load (focus, animations, image errors) has fired
  const found = [];
  const html = 'http://www.w3.org/1999/xhtml', svg = 'http://www.w3.org/2000/svg';
  const urlish = new Set(['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'background', 'poster',
    'lowsrc', 'dynsrc', 'ping', 'srcset', 'codebase', 'code', 'cite', 'longdesc', 'usemap', 'manifest', 'icon']);
  const script = /^(javascript|vbscript|livescript|data):/;
  const sameOrigin = u => {
    try { return new URL(u, location.href).origin === location.origin; } catch { return false; }
  };
  const says = (el, what) => found.push(
    `<${el.localName}> ${what}`.slice(0, 160) + (el.closest('[class*="pagefind-ui__filter"]') ? PAGEFIND_FILTER : ''));
  // Pagefind's interface (a script the site ships) makes its own form, which never submits
  const pagefindForm = el => el.localName === 'form' && el.closest('.pagefind-ui')
    && el.getAttribute('action') === 'javascript:void(0);';
  for (const el of document.querySelectorAll('*')) {
    if (pagefindForm(el)) continue;
    for (const a of el.attributes) {
      const name = a.name.toLowerCase(), value = a.value.replace(/[\u0000-\u0020]/g, '').toLowerCase();
      if (name.startsWith('on')) says(el, `${name}=${a.value}`);
      else if (name === 'style' || name === 'srcdoc') says(el, `${name}=${a.value}`);
      else if (urlish.has(name) && script.test(value)) says(el, `${name}=${a.value}`);
    }
    if (el.namespaceURI !== html && el.namespaceURI !== svg) continue;  // a feed's own <link> is data
    const tag = el.localName;
    if (tag === 'style' && document.contentType !== 'text/html') continue;  // the XML viewer's own styles
    if (['iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'base', 'style', 'foreignobject',
         'animate', 'set', 'use', 'portal', 'fencedframe'].includes(tag)) says(el, 'element');
    if (tag === 'script' && !(el.getAttribute('src') && sameOrigin(el.getAttribute('src')))) says(el, el.textContent);
    if (tag === 'meta' && (el.getAttribute('http-equiv') || '').toLowerCase() === 'refresh') says(el, 'refresh');
    if (tag === 'link' && !sameOrigin(el.getAttribute('href') || '')) says(el, el.getAttribute('href'));
    if (tag === 'form' && !sameOrigin(el.getAttribute('action') || '')) says(el, el.getAttribute('action'));
  }
  return {dangers: found, hits: [...(window.__xssHits || [])], violations: [...(window.__cspViolations || [])]};
}
""".replace("SETTLE", SETTLE).replace("PAGEFIND_FILTER", "' [in a Pagefind filter label]'")
PAGEFIND_FILTER = " [in a Pagefind filter label]"
HITS = "() => [...(window.__xssHits || [])]"


@dataclass
class Figures:
    pages: int = 0
    dialogs: int = 0
    markers: list[str] = field(default_factory=list)  # alert()/confirm()/prompt()/print() calls, window.__xss set
    scripts: list[str] = field(default_factory=list)  # scripts compiled that the site does not ship
    outbound: list[str] = field(default_factory=list)
    dangers: list[str] = field(default_factory=list)  # "<page> <element> what"
    violations: list[str] = field(default_factory=list)  # CSP reports: what the policy had to block
    failed: list[str] = field(default_factory=list)  # pages that did not answer 200

    @property
    def executions(self) -> int:
        return len(self.markers) + len(self.scripts)

    def line(self, label: str) -> str:
        return (
            f"{label}: pages rendered {self.pages}, dialogs {self.dialogs}, script executions {self.executions}"
            f" (markers {len(self.markers)}, foreign scripts {len(self.scripts)}), outbound requests"
            f" {len(self.outbound)}, dangerous nodes {len(self.dangers)}, CSP violations {len(self.violations)}"
        )

    def problems(self) -> dict[str, list[str]]:
        found = {"markers": self.markers, "scripts": self.scripts, "outbound": self.outbound,
                 "dangers": self.dangers, "violations": self.violations, "failed": self.failed}  # fmt: skip
        return {k: _summary(v) for k, v in found.items() if v}


def _summary(values: list[str], most: int = 12) -> list[str]:
    return [f"{n}× {v}" for v, n in Counter(values).most_common(most)]


def _where(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def render(session: Session, urls: list[str], *, ready: str | None = None) -> Figures:
    """Open each URL in one tab, let it settle, and add up what it did; the guard's totals included.

    ``ready``: a selector to wait for before looking (what a page's own script shows, e.g. search results).
    """
    guard = session.guard
    before = (len(guard.dialogs), len(guard.scripts), len(guard.outbound))
    figures = Figures()
    page = session.new_page()
    try:
        for url in urls:
            response = page.goto(url, wait_until="load")
            if response is None or response.status != 200:
                figures.failed.append(f"{url} {response.status if response else 'no answer'}")
            if ready:
                page.wait_for_selector(ready)
            seen = page.evaluate(LOOK)
            for frame in page.frames[1:]:  # a frame that slipped through would have its own window
                figures.markers += [f"{hit} in a frame on {url}" for hit in frame.evaluate(HITS)]
            figures.markers += [f"{hit} on {url}" for hit in seen["hits"]]
            figures.violations += [f"{v} on {url}" for v in seen["violations"]]
            figures.dangers += [f"{_where(url)} {d}" for d in seen["dangers"]]
            figures.pages += 1
    finally:
        page.close()
    figures.dialogs = len(guard.dialogs) - before[0]
    figures.scripts = Guard(scripts=guard.scripts[before[1] :]).foreign_scripts()
    figures.outbound = guard.outbound[before[2] :]
    return figures
