import pytest

from finews.config import config_from_dict, load_config, render_template
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
