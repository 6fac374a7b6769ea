import random

import pytest
import yaml

from finews.chars import legal_chars
from finews.errors import PublishError
from finews.publish.frontmatter import double_quoted, plain_or_quoted, single_quoted
from finews.publish.paths import safe_join, safe_name

NASTY = [
    "\"引号\" 与 '单引号'",
    "冒号: 后有空格",
    "# 井号开头",
    "---",
    "--- 中间 ---",
    "emoji 🚀🔥",
    "tab\there",
    "换行\n第二行",
    "\r\n",
    "NUL\x00字符",
    "\x7f\x85\x9f",
    "\ufeffBOM",
    "\u2028行分隔\u2029",
    "\\反斜杠\\n",
    "yes",
    "null",
    "~",
    "123",
    "1e3",
    "- 列表",
    "[方括号]",
    "{花括号}",
    "&anchor",
    "*alias",
    "!tag",
    "%指令",
    "@at",
    "`反引号`",
    "|竖线",
    ">大于",
    "'",
    '"',
    "",
    " 前后空格 ",
    "\ud800孤立代理",
    "\U0001f600",
]


def _random_strings(n: int) -> list[str]:
    rng = random.Random(20260301)
    alphabet = [chr(c) for c in range(0, 0x250)] + list("中文标题：“”《》、。！？—…·") + ["\u2028", "\ufeff", "🚀"]
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(n)]


@pytest.mark.parametrize("quote", [double_quoted, single_quoted, plain_or_quoted])
def test_any_string_round_trips_through_yaml(quote):
    for text in NASTY + _random_strings(2000):
        # what no document may hold (NUL, lone surrogates …) is dropped: YAML would hand a NUL back as one
        expected = legal_chars(text)
        loaded = yaml.safe_load(f"title: {quote(text)}\n")["title"]
        assert (loaded if loaded is not None else "") == expected, repr(text)


def test_plain_only_for_ordinary_words():
    assert plain_or_quoted("emnews") == "emnews" and plain_or_quoted("新媒体") == "新媒体"
    assert plain_or_quoted("true") == "'true'" and plain_or_quoted("2022") == "'2022'"


@pytest.mark.parametrize(
    "title", ["../../etc/passwd", "..", ".", "CON", "con.txt", "a/b\\c", "NUL\x00", "x" * 400, "中" * 200, "<>:|?*"]
)
def test_safe_names_stay_one_legal_component(title, tmp_path):
    name = safe_name(title)
    assert name and "/" not in name and "\\" not in name and "\x00" not in name
    assert name not in (".", "..") and not name.upper().startswith(("CON.", "NUL.")) and name.upper() != "CON"
    assert len(name.encode("utf-8")) <= 120
    assert safe_name(title) == name  # stable
    assert safe_join(tmp_path, name).parent == tmp_path.resolve()


def test_safe_join_refuses_escapes(tmp_path):
    with pytest.raises(PublishError, match="outside"):
        safe_join(tmp_path, "..", "x")
    with pytest.raises(PublishError, match="outside"):
        safe_join(tmp_path, "/etc/passwd")
