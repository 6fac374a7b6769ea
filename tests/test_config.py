import re
import tomllib
import typing
from collections.abc import Iterator

import pytest
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from finews.config import Config, config_from_dict, load_config, render_template
from finews.errors import ConfigError


def test_unknown_key_named_with_a_suggestion(tmp_path):
    path = tmp_path / "finews.toml"
    path.write_text('[[sources]]\nname = "a"\nulr = "x"\nurl = "y"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"sources\[0\]\.ulr: unknown key \(did you mean 'url'\?\)"):
        load_config(path)


def test_unknown_section_key(tmp_path):
    with pytest.raises(ConfigError, match=r"site\.titel: unknown key"):
        config_from_dict({"site": {"titel": "x"}})


def test_bad_values_name_the_source():
    with pytest.raises(ConfigError, match=r"sources\[0\]\.name \(source 'Bad Name'\)"):
        config_from_dict({"sources": [{"name": "Bad Name", "url": "x"}]})
    with pytest.raises(ConfigError, match="unknown time zone"):
        config_from_dict({"sources": [{"name": "a", "url": "x", "timezone": "Mars/Base"}]})
    with pytest.raises(ConfigError, match="two sources are named 'a'"):
        config_from_dict({"sources": [{"name": "a", "url": "x"}, {"name": "a", "url": "y"}]})


def test_missing_and_invalid_files(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[site\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)


def test_source_defaults_follow_the_reference_sites():
    source = config_from_dict({"sources": [{"name": "emnews", "title": "东财滚动", "url": "x"}]}).sources[0]
    assert source.category == "emnews" and source.category_name == "东财滚动"
    assert source.tags == ["东财滚动新闻"] and source.hexo_categories == ["东财滚动"]


def test_template_is_valid_and_loads(tmp_path):
    path = tmp_path / "finews.toml"
    path.write_text(render_template([]), encoding="utf-8")
    assert load_config(path).sources == []
    path.write_text(render_template([{"name": "s", "title": "源", "url": "s.xml", "tags": ["t"]}]), encoding="utf-8")
    config = load_config(path)
    assert config.sources[0].url == "s.xml" and config.database_path == tmp_path / "finews.db"


# -- the template written by 'finews init' lists every setting, with its default --
_SETTING_LINE = re.compile(r"^# ?(\[\[?[a-z_.\"-]+\]\]?(?:\s+#.*)?|[a-z_]+ = .*)$")


def _uncommented(template: str) -> str:
    """The template with its commented-out settings and tables switched on (prose stays a comment)."""
    return "\n".join(found.group(1) if (found := _SETTING_LINE.match(line)) else line for line in template.splitlines())


def _model(annotation: object) -> type[BaseModel] | None:
    """The settings model a field holds: itself, optional, or as the items of a list or dict."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in typing.get_args(annotation):
        found = _model(argument)
        if found is not None:
            return found
    return None


def _settings(model: type[BaseModel], path: str = "") -> Iterator[tuple[str, str, object]]:
    """(dotted path, key, field) for every setting, sub-tables walked (a list's or dict's items too)."""
    for key, field in model.model_fields.items():
        if field.exclude:
            continue
        where = f"{path}.{key}" if path else key
        inner = _model(field.annotation)
        if inner is not None:
            yield from _settings(inner, where)
        else:
            yield where, key, field


def _table(document: dict, path: str) -> object:
    """The value at a dotted path; a list or dict of tables is looked into at its first entry."""
    node: object = document
    for part in path.split("."):
        if isinstance(node, list):
            node = node[0] if node else {}
        if isinstance(node, dict) and part not in node and path.startswith("sites."):
            node = next(iter(node.values()), {})  # [sites."example.cn"]: any domain
        if not isinstance(node, dict) or part not in node:
            return _MISSING
        node = node[part]
    return node


_MISSING = object()


@pytest.mark.parametrize("sources", [[], [{"name": "s", "title": "源", "url": "s.xml", "tags": ["t"]}]])
def test_template_lists_every_setting(sources):
    template = render_template(sources)
    every = tomllib.loads(_uncommented(template))
    missing = [path for path, _key, _field in _settings(Config) if _table(every, path) is _MISSING]
    assert not missing, f"settings missing from the template: {missing}"


def test_template_settings_left_on_hold_their_defaults():
    written = tomllib.loads(render_template([]))
    wrong = []
    for path, _key, field in _settings(Config):
        value = _table(written, path)
        if value is _MISSING or field.default is PydanticUndefined or field.default_factory is not None:
            continue
        if value != field.default:
            wrong.append(f"{path} = {value!r}, the default is {field.default!r}")
    assert not wrong, wrong


def test_the_walk_sees_nested_settings():
    paths = {path for path, _key, _field in _settings(Config)}
    # the tables inside sources, run.exports and sites are walked, not only the top-level sections
    assert {"fetch.timeout", "sources.api.items", "sources.html.item", "run.exports.directory"} <= paths
    assert "sites.remove" in paths and "base_dir" not in paths
