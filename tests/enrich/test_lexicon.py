"""The entity stages' view of jieba's dictionary: tags, frequencies and prefixes as jieba's own tables have them."""

from __future__ import annotations

from pathlib import Path

import jieba

from finews.enrich.lexicon import COMPANY_FREQ, lexicon, word_hash


def _dictionary() -> dict[str, tuple[int, str]]:
    entries = {}
    for line in (Path(jieba.__file__).parent / "dict.txt").read_text(encoding="utf-8").splitlines():
        word, freq, tag = line.split()
        entries[word] = (int(freq), tag)  # a later line wins, as in jieba
    return entries


def test_every_dictionary_word_has_its_tag_and_frequency() -> None:
    lex, entries = lexicon(), _dictionary()
    companies = {w for w, (f, t) in entries.items() if lex.tag(w) == "nt" and lex.freq(w) == COMPANY_FREQ}
    sample = list(entries.items())[::7]
    wrong = [w for w, (f, t) in sample if w not in companies and (lex.tag(w), lex.freq(w)) != (t, f)]
    assert wrong == []
    # a prefix of a word is known to the segmenter but is no word; "XX" and "塘" share their str hash
    assert lex.known("贵州茅") and lex.tag("贵州茅") is None and lex.freq("贵州茅") == 0
    assert lex.tag("塘") == entries["塘"][1] and lex.tag("XX") is None and word_hash("XX") != word_hash("塘")


def test_listed_companies_are_one_word_tagged_nt_only_in_this_segmenter() -> None:
    import rjieba

    lex = lexicon()
    assert lex.tag("宁德时代") == "nt" and lex.freq("宁德时代") == COMPANY_FREQ
    assert "宁德时代" in lex.cut("宁德时代发布年报")
    assert lex.cut("阿里巴巴副总裁王刚已离职", hmm=False)[:2] == ["阿里巴巴", "副总裁"]
    assert rjieba.cut("宁德时代发布年报") == rjieba.Jieba().cut("宁德时代发布年报")  # the default is untouched
