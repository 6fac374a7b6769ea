"""Path safety: hostile titles, slugs and categories never make finews write outside its output folders.

Everything goes through the archive (which assigns slugs) and then the Jekyll and Hexo exports and
the static site; afterwards the only new files are inside the three output folders.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from finews.errors import ConfigError, PublishError
from finews.extract import prepare
from finews.model import Article
from finews.publish import build_site, export_posts
from finews.store import open_archive

from ..conftest import make_config

HOSTILE = [
    "../../etc/passwd",
    "..\\..\\windows\\system32",
    "/etc/passwd",
    "~root/.ssh/authorized_keys",
    "CON",
    "con.txt",
    "NUL\x00.md",
    "aux",
    "LPT1",
    ".",
    "..",
    ".git",
    "_posts/../../x",
    "x" * 5000,
    "长" * 3000,
    "Ｐａｔｈ／ｆｕｌｌｗｉｄｔｈ",  # fullwidth solidus: looks like a slash
    "pаypal ру́сский 中文 العربية עברית",  # mixed scripts, Cyrillic look-alikes
    "\u202eevil\u202dtxt.md",  # right-to-left override
    "a\nb\rc\td",
    "%2e%2e%2f%2e%2e%2fetc",
    "file:///etc/passwd",
    "{{ site.title }} {% raw %}",
    "",
]


def _snapshot(root: Path) -> set[Path]:
    return {Path(dirpath, name) for dirpath, dirs, files in os.walk(root) for name in dirs + files}


def _sources(categories: list[str]) -> list[dict]:
    return [
        {
            "name": f"s{i}",
            "url": f"https://news.example.com/{i}.xml",
            "category": c or "c",
            "category_name": c,
            "hexo_categories": [c, c[::-1]],
            "tags": [c],
        }
        for i, c in enumerate(categories)
    ]


def _publish_everything(tmp_path: Path, names: list[str]) -> set[Path]:
    """Archive articles titled and categorized by ``names``, publish three ways; the files that appeared."""
    sandbox = tmp_path / "sandbox"
    sandbox.mkdir()
    before = _snapshot(tmp_path)
    try:
        config = make_config(sandbox, _sources(names))
    except ConfigError:
        config = make_config(sandbox, _sources(["plain"] * len(names)))  # a refused category is safe too
    start = datetime(2026, 3, 1, tzinfo=UTC)
    articles = [
        prepare(
            Article(
                source=f"s{i}",
                url=f"https://news.example.com/{i}/{n}",
                title=name,
                categories=[name, name],
                published=start + timedelta(hours=i),
                content_html=f"<p>{name}</p>",
                guid=f"{name}#{n}",
            )
        )
        for i, name in enumerate(names)
        for n in range(2)
    ]
    with open_archive(sandbox / "a.db") as archive:
        archive.save(articles)
        stored = list(archive.iter_articles())
    assert len(stored) == len(articles)
    out = sandbox / "out"
    try:
        export_posts(stored, "jekyll", out / "jekyll", config)
        export_posts(stored, "hexo", out / "hexo", config, body="html")
        build_site(stored, config, out / "site")
    except PublishError as exc:  # refusing is allowed; it must say why, and have written nothing outside
        assert "outside" in str(exc) or "cannot write" in str(exc), exc
    created = _snapshot(tmp_path) - before
    return {p for p in created if sandbox / "a.db" not in (p, *p.parents) and not p.name.startswith("a.db")}


def test_hostile_names_stay_inside_the_output_folders(tmp_path):
    created = _publish_everything(tmp_path, HOSTILE)
    out = (tmp_path / "sandbox" / "out").resolve()
    outside = sorted(p for p in created if p.resolve() != out and out not in p.resolve().parents)
    assert outside == [p for p in outside if p == tmp_path / "sandbox" or p.parent == tmp_path / "sandbox"]
    assert not [p for p in outside if p.name != "out"]
    posts = [p for p in created if p.suffix == ".md"]
    assert len([p for p in posts if "jekyll" in p.parts]) == 2 * len(HOSTILE)  # none lost to a name clash
    for path in created:
        name = path.name
        assert "\x00" not in name and "/" not in name and len(name.encode()) <= 255
        assert name.upper().split(".")[0] not in ("CON", "NUL", "AUX", "LPT1"), path  # reserved on Windows
    print(f"\npath safety: {len(HOSTILE)} hostile names, {len(created)} files and folders written, 0 outside")


names = st.text(st.characters(exclude_categories=["Cs"]), max_size=300)


def test_generated_names_stay_inside(tmp_path_factory):
    runs = 0

    @settings(settings.get_profile("reliability"), max_examples=10)
    @given(st.lists(names, min_size=1, max_size=3))
    def run(generated: list[str]) -> None:
        nonlocal runs
        runs += 1
        tmp = tmp_path_factory.mktemp("names")
        created = _publish_everything(tmp, generated)
        out = (tmp / "sandbox" / "out").resolve()
        assert all(p.resolve() == out or out in p.resolve().parents for p in created if p.name != "out"), created

    run()
    print(f"\ngenerated names: {runs} cases, 0 writes outside")
