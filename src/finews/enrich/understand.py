"""Understanding, run on every batch a source brings: near-duplicates before saving, the rest after.

Before saving, each article gets its near-duplicate fingerprint and a verdict against everything
archived in the window: a retitled item from the same source *replaces* its earlier version, a
repost by another source *repeats* the first report (kept, linked, never published on its own), and a
source's follow-up to its own post (the post quoted in full, news added) is a new article in that post's story.
After saving (ids known), each new or changed article gets its story (one event) and that story's
storyline, company/person mentions and executive moves. State lives in the archive, so a restart
resumes where the last run stopped.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from ..extract.clean import html_to_text
from ..model import Article
from .dedup import Fingerprint, Layer, NearDuplicateIndex
from .entities import CONFIDENT, extract_mentions
from .events import ExecutiveMove, extract_moves
from .stories import StoryClusterer

if TYPE_CHECKING:
    from ..store.findings import Findings
    from ..store.sql import SQLArchive

log = logging.getLogger(__name__)


class Understanding:
    def __init__(self, index: NearDuplicateIndex | None = None, clusterer: StoryClusterer | None = None) -> None:
        self.index = index or NearDuplicateIndex()
        self.clusterer = clusterer or StoryClusterer()
        self._follows: dict[str, str] = {}  # of the last batch: follow-up's identity → its earlier post's
        self._article_ids: dict[str, str] = {}  # identity → archived id, of what the index holds
        self._mark: datetime | None = None  # the archive's latest change this process has taken in

    @classmethod
    def resume(cls, archive: SQLArchive, now: datetime) -> Understanding:
        """The index of the recent window and the stories still open, as the archive holds them."""
        # the index reads the fingerprints it released back from the archive
        understanding = cls(NearDuplicateIndex(stored=getattr(archive, "fingerprints", None)))
        understanding._mark = archive.change_mark()  # what is saved while this reads is taken in by catch_up
        window = understanding.index.settings.window_days or 14.0
        for stored in archive.recent_fingerprints(now - timedelta(days=window)):
            try:
                fp = Fingerprint.from_bytes(stored.fingerprint)
            except ValueError:  # written by another version of the fingerprinting: it will be rebuilt on update
                continue
            root = stored.root if stored.root in understanding.index else stored.identity
            understanding.index.insert(
                stored.identity, fp, source=stored.source, url=stored.url, guid=stored.guid, root=root
            )
            if stored.article_id is not None:
                understanding._article_ids[stored.identity] = str(stored.article_id)
        understanding.index.release()
        # events still open, and the latest events of the storylines a new event may still continue
        since = now - timedelta(days=understanding.clusterer.settings.horizon_days)
        for story in archive.recent_stories(since):
            understanding.clusterer.restore(str(story.id), story.state, [str(m) for m in story.members])
        return understanding

    def catch_up(self, archive: SQLArchive) -> int:
        """Take in what other processes saved since this one last looked, as :meth:`resume` would have read
        it: their articles' fingerprints and the stories those joined. Run in the archive's
        :meth:`~finews.store.sql.SQLArchive.understanding_turn`, so several workers decide alike."""
        changes = archive.changed_since(self._mark)
        index, clusterer = self.index, self.clusterer
        for stored in changes.fingerprints:
            try:
                fp = Fingerprint.from_bytes(stored.fingerprint)
            except ValueError:  # written by another version of the fingerprinting
                continue
            root = stored.root if stored.root in index else stored.identity
            index.insert(stored.identity, fp, source=stored.source, url=stored.url, guid=stored.guid, root=root)
            if stored.article_id is not None:
                self._article_ids[stored.identity] = str(stored.article_id)
        for story in changes.stories:
            if str(story.id) in clusterer.stories:
                clusterer.forget(str(story.id))
            clusterer.restore(str(story.id), story.state, [str(m) for m in story.members])
        self._mark = changes.mark
        return len(changes.fingerprints)

    def caught_up(self, archive: SQLArchive) -> None:
        """This process's own batch is saved: the archive holds nothing it has not taken in."""
        self._mark = archive.change_mark()

    def link_duplicates(self, batch: Sequence[Article]) -> None:
        """Fingerprint each article and mark what it replaces or repeats (read by the archive's save)."""
        self.index.release()  # the last batch has been saved since: its fingerprints are in the archive
        self._follows = {}
        for article in batch:
            verdict = self.index.add(
                article.identity,
                article.title,
                _text(article),
                article.published,
                source=article.source,
                url=article.canonical_url,
                guid=article.guid or "",
            )
            article.fingerprint = self.index.fingerprint_bytes(article.identity)
            if verdict.follows is not None:
                self._follows[article.identity] = verdict.follows
            if verdict.target is None or verdict.target == article.identity:
                continue
            if verdict.matches[0].layer in (Layer.URL, Layer.GUID):
                continue  # the same article again: the archive's own identity match updates it
            if verdict.action == "update":
                article.replaces = verdict.target
                self._take_over(article, verdict.target)
            else:
                article.repeats = verdict.target
        self.index.trail()
        if len(self._article_ids) > 2 * len(self.index) + 1024:  # forget what the index forgot
            self._article_ids = {k: v for k, v in self._article_ids.items() if k in self.index}

    def _take_over(self, article: Article, target: str) -> None:
        """File ``article``'s fingerprint as ``target``'s, which it replaces: the archive keeps the two as one
        article under the earlier identity, so the index holds what a resumed one would (and a later
        rewording in this batch or the next finds the article the archive has, not an identity it lacks)."""
        index = self.index
        fp, root = index.fingerprint(article.identity), index.root(target)
        index.remove(article.identity)
        url, guid = ("", target.split(":", 2)[2]) if target.startswith("guid:") else (target, "")
        index.insert(target, fp, source=article.source, url=url, guid=guid, root=root)

    def describe(self, changed: Sequence[Article]) -> list[Findings]:
        """Story, mentions and moves of each saved (new or changed) article."""
        from ..store.findings import Findings

        found = []
        for article in changed:
            if article.id is None:
                continue
            try:
                mentions = extract_mentions(article)
                moves = [_with_article(m, article) for m in extract_moves(article)]
            except Exception:  # one odd text must not cost the batch its stories and the others' entities
                log.exception("entities of article %s", article.id)
                mentions, moves = [], []
            entities = {m.key for m in mentions if m.confidence >= CONFIDENT}
            same_as = str(article.duplicate_of) if article.duplicate_of else None
            if same_as is None and article.identity in self._follows:  # a follow-up joins its post's story
                same_as = self._article_ids.get(self._follows[article.identity])
            self._article_ids[article.identity] = str(article.id)
            assignment = self.clusterer.add(
                str(article.id), article.title, _text(article), article.published, same_as=same_as, entities=entities
            )
            story = self.clusterer.stories[assignment.story]
            found.append(
                Findings(
                    article_id=article.id,
                    story_id=int(story.id),
                    story_title=article.title,  # used only when the story is new
                    story_state=self.clusterer.state(story),
                    story_size=len(story.members),
                    story_first=_when(story.first),
                    story_last=_when(story.last),
                    mentions=mentions,
                    moves=moves,
                    thread_id=int(story.thread) if story.thread else None,
                )
            )
        return found


def _text(article: Article) -> str:
    return html_to_text(article.content_html) if article.content_html else article.summary


def _with_article(move: ExecutiveMove, article: Article) -> ExecutiveMove:
    return replace(move, article_id=article.id, url=article.url)


def _when(stamp: float | None) -> datetime | None:
    return datetime.fromtimestamp(stamp, UTC) if stamp is not None else None
