"""Templates and static files: the packaged ones, and a user's theme folder that overrides them by name."""

from __future__ import annotations

from datetime import date, datetime
from importlib import resources
from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader, select_autoescape

from ..config import Config
from ..extract.clean import tidy, valid_url
from .incremental import digest
from .paths import site_url


def theme_folder(config: Config) -> Path | None:
    """The user's theme folder (``[site] theme``), whose templates/ and static/ override ours by name."""
    theme = getattr(config.site, "theme", "")
    return config.resolve(theme) if theme else None


def environment(theme: Path | None = None) -> Environment:
    packaged = PackageLoader("finews.publish", "templates")
    # "finews/article.html" is always ours, so a theme's article.html can extend it and change one block
    loaders: list = [packaged, PrefixLoader({"finews": packaged})]
    if theme is not None:
        # a theme may keep its templates in templates/ or at its top level
        loaders[:0] = [FileSystemLoader(str(theme / "templates")), FileSystemLoader(str(theme))]
    env = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(["html", "xml"]),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # a build makes its own Environment: no stat of each template per page
    )
    env.filters["search_label"] = search_label
    env.filters["url"] = site_url  # a path of the site: {{ (root ~ "a/" ~ slug ~ ".html")|url }}
    env.filters["link"] = valid_url  # a URL from outside (an article's original)
    env.filters["machine_time"] = machine_time
    env.filters["valid_html"] = tidy  # stored article HTML, cleaned before the rules it now meets
    return env


def machine_time(when: date | datetime) -> str:
    """A ``<time datetime>`` value: a date, or a date and time to the second with its offset.

    The standard takes a fraction of a second of at most three digits; an article's time has none
    worth showing, so it is cut to the second.
    """
    if isinstance(when, datetime):
        return when.isoformat(timespec="seconds")
    return when.isoformat()


_MARKUP_LOOKALIKES = str.maketrans({"<": "＜", ">": "＞", "&": "＆"})


def search_label(text: str) -> str:
    """A filter value for Pagefind: its UI decodes entities and puts filter labels into the page as
    HTML, so a publisher's ``<img onerror=…>`` category would become markup. Full-width look-alikes
    read the same and cannot."""
    return str(text).translate(_MARKUP_LOOKALIKES)


def static_files(theme: Path | None) -> dict[str, bytes]:
    """static/ files by name: ours, then the theme's, which win."""
    found = {
        item.name: item.read_bytes()
        for item in (resources.files("finews.publish") / "static").iterdir()
        if item.is_file() and not item.name.startswith(".")
    }
    if theme is not None and (theme / "static").is_dir():
        for path in sorted((theme / "static").rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                found[path.relative_to(theme / "static").as_posix()] = path.read_bytes()
    return found


def site_fingerprint(config: Config, env: Environment, *, talent: bool, entities: bool, search: bool) -> str:
    """What every page depends on: the templates, the site settings, the sources and the menu."""
    templates = sorted(env.list_templates())
    sources = [(env.loader.get_source(env, name)[0] if env.loader else "") for name in templates]
    parts = [
        repr(config.site.model_dump()),
        repr([s.model_dump() for s in config.sources]),
        str((talent, entities, search)),
    ]
    return digest("\x1f".join([*templates, *sources, *parts]))
