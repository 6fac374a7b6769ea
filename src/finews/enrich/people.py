"""Person names in Chinese news text, with the title and organization written in front of them.

Three kinds of names: Chinese names (a surname plus one or two characters right after a title, a
name jieba's dictionary tags ``nr`` or its segmenter finds as an unknown word, a name from
``data/people.txt``), transliterated names written with a middle dot (布莱恩·林奇), and Latin names
where the sentence marks them as people (after a title, before 宣布/离职, in a list of such).
jieba's dictionary ships inside its wheel; nothing is downloaded.

Segmentation is the expensive step, so it runs only in windows where a name matters (near titles,
move verbs and speech verbs); a name found there is then searched for in the whole text.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from importlib import resources

from .lexicon import lexicon
from .tickers import company_index, trie_regex

# single and compound surnames covering the vast majority of people in the news
_SURNAMES_1 = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭"
    "陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐"
    "易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳"
    "管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵"
    "苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝漆"
)
_SURNAMES_2 = {
    "欧阳",
    "司马",
    "上官",
    "诸葛",
    "东方",
    "皇甫",
    "尉迟",
    "公孙",
    "慕容",
    "令狐",
    "长孙",
    "宇文",
    "司徒",
    "夏侯",
}
# characters used to write foreign names; a run of them around a middle dot is a transliterated name
_TRANSLIT = set(
    "阿埃艾安昂奥澳巴拜班邦贝比彼毕宾波伯博布查达戴丹道德登迪蒂丁东杜多厄恩尔法凡范菲费芬丰弗福富盖甘冈高戈格"
    "根古圭哈海汉豪赫黑亨洪胡华怀惠霍基吉加贾杰捷金卡凯坎康考柯科克肯库夸拉莱赖兰朗劳勒雷蕾黎里理利莉丽连琳林卢鲁"
    "路伦罗洛吕马玛迈麦曼梅门蒙米密明莫姆穆纳娜奈南内妮尼宁纽努诺欧帕潘庞佩皮珀普奇齐乔切钦琼丘萨塞桑瑟森沙莎尚舍"
    "施史斯松苏索塔泰坦汤唐陶特提汀图托瓦万旺威韦维温沃乌伍西希锡夏谢辛休许雅亚扬耶伊因英尤约泽扎詹朱兹佐茨克珀"
    "夫什顿冯山琪瑞奎圣丝薇娅娃雯翠珊韩哲恰楚崔舒蒲霍盖歇肖翰桑柏蓓芙莱芭茜娅蒂黛妮露婭徳昆罕思默历"
)
# what a dotted name runs into but never ends with: 甘古利博士, 阿特伍德表示
_NAME_TAIL = re.compile(r"(?:博士|先生|女士|教授|院士|夫人|小姐|博(?=士))$")
_DOTS = "·・•‧⋅∙"
_TITLE = (
    r"(?:联合创始人|创始人|执行董事长|副董事长|董事长|董事会主席|副主席|主席|首席[\u4e00-\u9fff]{1,6}?官|首席[\u4e00-\u9fff]{0,4}科学家"
    r"|首席架构师|高级副总裁|执行副总裁|副总裁|总裁|副总经理|总经理|高级总监|总监|负责人|副主任|主任|创始院长|副院长|院长|合伙人"
    r"|高管|主管|部长|掌门人|独立董事|董事|监事|副行长|行长|总编辑|研究员|科学家|工程师|特别顾问|顾问|经理|教授|委员|成员"
    r"|CEO|CTO|CFO|COO|CMO|CPO|CSO|CIO|VP|SVP|EVP|President)"
)
TITLE_CHAIN = re.compile(rf"{_TITLE}(?:[兼、及和]{_TITLE})*")
_TITLE_END = re.compile(rf"(?:{_TITLE})$")
# a name that does not end in a function word (王刚已离职 must give 王刚, not 王刚已)
_NAME_AFTER_TITLE = re.compile(
    rf"(?P<title>{_TITLE})(?P<name>(?:{'|'.join(_SURNAMES_2)}|[{''.join(_SURNAMES_1)}])"
    r"[\u4e00-\u9fff](?:[^\W\d_a-zA-Z已也于在将的曾称说等和与及则就都便亦还又宣表透指回离辞卸加出任被是为对向从此兼担共发]"
    r"(?=[已也于在将的曾称说等和与及则就都便亦还又宣表透指回离辞卸加出任被是为对向从博先女教发，。、（(“”；：\s]))?)"
)
_SURNAME_RE = rf"(?:{'|'.join(_SURNAMES_2)}|[{''.join(_SURNAMES_1)}])"
# 吴宇怀（Tony Wu）: a Chinese name glossed with its Latin one
_NAME_BEFORE_ALIAS = re.compile(
    rf"(?P<name>{_SURNAME_RE}[\u4e00-\u9fff]{{1,2}})[（(][A-Z][a-z]+(?: [A-Z][a-z]+){{1,2}}[)）]"
)
# 林俊旸离职: an unknown name right before a departure verb
_NAME_BEFORE_EXIT = re.compile(
    rf"(?:(?<=[，。、：\s“”])|^)(?P<name>{_SURNAME_RE}[\u4e00-\u9fff][^\W\d已也于在将的曾称说等和与及则就都便亦还又宣表透指回离辞卸加出任被是为对向从此兼担共]?)"
    r"(?=(?:已经|已|也|将|正式|宣布|突然)?(?:离职|辞职|卸任|辞任|出走))"
)
MAX_NAMES = 1_000  # distinct names searched for again; an article has tens
POS_BUDGET = 20_000  # characters tagged per text at most: news has a few hundred, junk pages many
_FUNCTION_CHARS = frozenset("已也于在将的曾称说等和与及则就都便亦还又被是为对向从因且并")
_SURNAME_CHARS = frozenset(_SURNAMES_1 | {s[0] for s in _SURNAMES_2})
DEPART_WORDS = "离职|卸任|辞任|辞去|辞职|离开|出走|退休|离任|不再担任|被免|免职|解职|被罢免|被开除|被解雇|挂冠|离队"
ARRIVE_WORDS = "加盟|加入|出任|(?<![步进])入职(?!场)|投奔|转投|跳槽至|跳槽到|履新|接任"
_MOVE_CUE = re.compile(f"{DEPART_WORDS}|{ARRIVE_WORDS}")
# a name right before these is how news prose quotes or addresses people
_SPEECH_CUE = re.compile(
    r"(?<=[\u4e00-\u9fff])(?:表示|指出|认为|透露|介绍|坦言|直言|回应|强调|提到|告诉|写道|发文|宣布|先生|女士|博士|教授"
    r"|(?<![名宣声简号堪据])称|(?<![小据来明听话解])说)"
)
_AFTER_NAME = re.compile(
    rf"[、和与及（(]|{DEPART_WORDS}|{ARRIVE_WORDS}|表示|指出|认为|透露|介绍|坦言|直言|回应|强调|提到|告诉|写道|发文|宣布|称|说"
)
_LISTED_WITH_LATIN = re.compile(r"[A-Za-z]\s*[、和与及]\s*$")
_LATIN_NAME = re.compile(r"(?<![A-Za-z])[A-Z][a-z]+(?:[ -][A-Z][a-zA-Z'ąćęłńóśźżäöüé]+){1,2}(?![A-Za-z])")
_PERSON_CUE_AFTER = re.compile(r"\s*(?:[（(]|宣布|已|也|将|表示|称|离职|卸任|辞|离开|出任|加入|加盟|等|、|和|与)")
_ORG_SUFFIX = re.compile(
    r"[\u4e00-\u9fffA-Za-z0-9]{2,12}?(?:公司|集团|大学|研究院|研究所|实验室|银行|证券|基金|控股|科技|汽车|资本|学院)"
)
_CLAUSE_BREAK = re.compile(r"[，。；：！？,;:!?“”\"\n]")


@dataclass(frozen=True)
class PersonHit:
    start: int
    end: int
    name: str
    key: str
    confidence: float
    role: str = ""
    org: str = ""  # organization written in front of the title, as written
    unit: str = ""  # what sits between the organization and the title (达摩院自动驾驶实验室)
    former: bool = False  # 原副总裁, 前CTO: the title is one the person no longer holds


def _latin_glued(text: str, start: int, end: int) -> bool:
    return (start > 0 and text[start - 1].isascii() and text[start - 1].isalpha()) or (
        end < len(text) and text[end].isascii() and text[end].isalpha()
    )


def _data_lines(name: str) -> list[str]:
    raw = resources.files("finews.enrich").joinpath(f"data/{name}").read_text(encoding="utf-8")
    return [line.split("#")[0].strip() for line in raw.splitlines() if line.split("#")[0].strip()]


@cache
def known_people() -> tuple[re.Pattern[str], dict[str, str]]:
    """People the news names so often, bare, that a list beats guessing (马斯克 rarely has a title):
    a pattern for every spelling, and each spelling's key (the line's first spelling)."""
    keys: dict[str, str] = {}
    for line in _data_lines("people.txt"):
        spellings = [s.strip() for s in line.split("|") if s.strip()]
        for spelling in spellings:
            keys.setdefault(spelling, spellings[0])
    # shaped as a trie: one pass over the text, where an alternation of every spelling tries each one
    return trie_regex(sorted(keys)) or re.compile("(?!)"), keys


@cache
def _given_names() -> frozenset[str]:
    return frozenset(word for line in _data_lines("given_names.txt") for word in line.split())


@cache
def _english_words() -> frozenset[str]:
    return frozenset(word.casefold() for line in _data_lines("english_words.txt") for word in line.split())


def latin_person(name: str, *, titled: bool) -> bool:
    """Whether a capitalized Latin-script run reads as a person's name.

    No word of it may be an everyday English word (Breaking Changes, Auto Mode, Fields Medal); then
    a title written right before it is enough, and otherwise its first word must be a given name
    (Kyle Kosic, Toby Pohlen), since a sentence cue alone also follows product names.
    """
    words = re.split(r"[ -]", name)
    if any(w.casefold() in _english_words() for w in words) or company_index().lookup(name) is not None:
        return False
    if any(len(w) < 2 or (w.isupper() and len(w) > 1) for w in words[1:]):
        return False  # State-Of-The, Claude AI: an initialism or a stub is no surname
    return titled or words[0] in _given_names() or _pinyin_name(words)


_PINYIN = re.compile(
    r"(?:(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?"
    r"(?:iang|iong|uang|ang|eng|ing|ong|ian|iao|uai|uan|ai|an|ao|ei|en|er|ia|ie|in|iu|ou|ua|ui|un|uo|ue|a|e|i|o|u))+"
)
_PINYIN_SURNAMES = frozenset(
    [
        "zhang",
        "wang",
        "li",
        "liu",
        "chen",
        "yang",
        "huang",
        "zhao",
        "wu",
        "zhou",
        "xu",
        "sun",
        "ma",
        "zhu",
        "hu",
        "guo",
        "he",
        "lin",
        "luo",
        "gao",
        "zheng",
        "liang",
        "xie",
        "song",
        "tang",
        "han",
        "feng",
        "deng",
        "cao",
        "peng",
        "zeng",
        "xiao",
        "tian",
        "dong",
        "pan",
        "yuan",
        "cai",
        "jiang",
        "yu",
        "du",
        "ye",
        "cheng",
        "wei",
        "su",
        "lu",
        "ding",
        "ren",
        "shen",
        "yao",
        "cui",
        "zhong",
        "tan",
        "fan",
        "jin",
        "shi",
        "liao",
        "jia",
        "xia",
        "fu",
        "fang",
        "bai",
        "zou",
        "meng",
        "xiong",
        "qin",
        "qiu",
        "hou",
        "duan",
        "lei",
        "long",
        "dai",
        "kong",
        "wen",
        "mao",
        "yan",
        "gu",
        "hao",
        "qian",
        "yin",
        "kang",
        "shao",
        "qi",
        "zhan",
        "mo",
        "niu",
        "weng",
    ]
)


def _pinyin_name(words: list[str]) -> bool:
    """Zihang Dai, Guodong Zhang: a Chinese name in pinyin, surname first or last."""
    if len(words) != 2 or not all(_PINYIN.fullmatch(w.casefold()) for w in words):
        return False
    return words[-1].casefold() in _PINYIN_SURNAMES or words[0].casefold() in _PINYIN_SURNAMES


def _tag(text: str) -> list[tuple[str, str]]:
    """Words with their dictionary tags; a word the dictionary lacks, found by the segmenter's HMM, is
    tagged as a name: that is where unknown names come from, at a fraction of the cost of jieba's
    part-of-speech HMM (which weighs every tag for every unknown character)."""
    lex = lexicon()
    out: list[tuple[str, str]] = []
    for word in lex.cut(text):
        tag = lex.tag(word) or ("x" if lex.known(word) else "nr")
        if tag == "nr" and len(word) == 3 and word[2] in _FUNCTION_CHARS and not lex.known(word):
            out.extend([(word[:2], "nr"), (word[2], "x")])  # the HMM glues 于/因/已 to the name: 汪骏于
        else:
            out.append((word, tag))
    return out


COMMON_WORD_FREQ = 100  # a dictionary word this frequent, tagged as anything but a name, is not a name


def _common_word(word: str) -> bool:
    tag = lexicon().tag(word)
    return tag is not None and not tag.startswith("nr") and lexicon().freq(word) >= COMMON_WORD_FREQ


@lru_cache(maxsize=8192)
def _dictionary_cut(window: str) -> tuple[str, ...]:
    # dictionary words only: the HMM's guesses at unknown words would join a name to anything
    return tuple(lexicon().cut(window, hmm=False))


def _starts_inside_word(text: str, start: int) -> bool:
    """True when the character before joins the name's first one in a dictionary word (基金会 → 金会)."""
    lo = max(0, start - 3)
    offset = lo
    for word in _dictionary_cut(text[lo : start + 2]):
        if offset < start < offset + len(word):
            return len(word) > 1 and lexicon().freq(word) >= COMMON_WORD_FREQ
        offset += len(word)
    return False


def _ends_inside_word(text: str, start: int, end: int) -> bool:
    """True when the dictionary's segmentation of the name and what follows joins its last character
    to the next ones (和技 in 和技术委员会): a fragment of words, not a name."""
    offset = 0
    for word in _dictionary_cut(text[start : end + 4]):
        offset += len(word)
        if offset >= end - start:
            return offset > end - start and len(word) > 1 and lexicon().freq(word) >= COMMON_WORD_FREQ
    return False


def _is_han_name(token: str) -> bool:
    if not 2 <= len(token) <= 4 or not all("\u4e00" <= c <= "\u9fff" for c in token):
        return False
    if token[:2] in _SURNAMES_2:
        return len(token) >= 3
    return token[0] in _SURNAMES_1 and len(token) <= 3


def find_people(text: str) -> list[PersonHit]:
    """People named in ``text``, longest and most confident first for overlapping candidates."""
    cands: list[PersonHit] = []
    lex = lexicon()
    for m in _NAME_AFTER_TITLE.finditer(text):
        # 主管单位, 总监高度重视: 单 and 高 are surnames too; 技术VP和技术委员会: 和技 ends inside 技术
        if not _common_word(m["name"]) and not _ends_inside_word(text, m.start("name"), m.end("name")):
            cands.append(_with_context(text, m.start("name"), m.end("name"), m["name"], 0.9))
    tagged: set[str] = set()
    for lo, hi in _pos_windows(text):
        offset = lo
        for word, flag in _tag(text[lo:hi]):
            # two unknown characters are a name only where a name is expected next (华区卫健局 is not)
            guess = len(word) == 2 and lex.tag(word) is None
            # 于/向/和 are surnames too, but 于本周 right after a name is a preposition phrase
            if word[0] in _FUNCTION_CHARS and offset > 0 and text[offset - 1] > "\u2fff":
                offset += len(word)
                continue
            if flag == "nr" and _is_han_name(word) and not (guess and not _AFTER_NAME.match(text, offset + 2)):
                tagged.add(word)
                cands.append(_with_context(text, offset, offset + len(word), word, 0.5))
            offset += len(word)
    for m in _NAME_BEFORE_ALIAS.finditer(text):
        # 基金会（Electronic Frontier Foundation）: neither side is a name
        latin = m[0][len(m["name"]) + 1 : -1]
        if latin_person(latin, titled=True) and not _starts_inside_word(text, m.start("name")):
            cands.append(_with_context(text, m.start("name"), m.end("name"), m["name"], 0.8))
    for m in _NAME_BEFORE_EXIT.finditer(text):
        cands.append(_with_context(text, m.start("name"), m.end("name"), m["name"], 0.6))
    for m in re.finditer(rf"[{_DOTS}]", text):
        start, end = m.start(), m.end()
        while start > 0 and text[start - 1] in _TRANSLIT:
            start -= 1
        while end < len(text) and (text[end] in _TRANSLIT or (text[end] in _DOTS and end + 1 < len(text))):
            end += 1
        while start < m.start() - 1 and _starts_inside_word(text, start):
            start += 1  # 法国总理弗朗索瓦·巴鲁: 理 belongs to 总理
        if end < len(text) and text[end] == "士" and text[end - 1] == "博":
            end -= 1
        if m.start() - start >= 1 and end - m.end() >= 1:
            name = _NAME_TAIL.sub("", text[start:end].strip(_DOTS))
            cands.append(_with_context(text, start, start + len(name), name, 0.8))
    glossed = _glosses(text, cands)
    for m in _LATIN_NAME.finditer(text):
        before = text[max(0, m.start() - 12) : m.start()].rstrip()
        titled = bool(_TITLE_END.search(before))
        if m[0] in glossed:  # 吴宇怀（Tony Wu）: the article itself says who this is
            cands.append(_with_context(text, m.start(), m.end(), m[0], 0.8))
        elif (
            titled
            or _PERSON_CUE_AFTER.match(text, m.end())
            or _LISTED_WITH_LATIN.search(text, max(0, m.start() - 4), m.start())
        ) and (
            latin_person(m[0], titled=titled)
        ):  # Yinfei Yang、Haoxuan You和Bailin Wang: the last of a list of names has no cue after it
            cands.append(_with_context(text, m.start(), m.end(), m[0], 0.7 if titled else 0.6))
    # a name found in one place is the same name elsewhere (found after the longer, dotted names);
    # a name the dictionary knows as another kind of word (管理 after 高管) is a misreading, not spread
    tagged.update(h.name for h in cands if h.confidence >= 0.6 and _is_han_name(h.name))
    index = company_index()
    tagged = {n for n in tagged if (lex.tag(n) or "nr").startswith("nr") and index.lookup(n) is None}
    pattern, keys = known_people()
    for m in pattern.finditer(text):
        if m[0].isascii() and _latin_glued(text, m.start(), m.end()):
            continue  # Tim Cook inside Tim Cooke
        cands.append(replace(_with_context(text, m.start(), m.end(), m[0], 0.7), key=keys[m[0]]))
    return [h for h in _resolve(text, cands, tagged, glossed) if not _not_a_name(text, h)]


# 联合创始人全离职: a move verb inside the span is the sentence, not the name; 吕先生 is how a
# report withholds a name (a surname and an address), so there is no one to name
_ADDRESSED = re.compile(r"(?:先生|女士|小姐)")


def _not_a_name(text: str, hit: PersonHit) -> bool:
    if not hit.name.isascii() and _MOVE_CUE.search(hit.name):
        return True
    if len(hit.name) <= 3 and _ADDRESSED.search(hit.name, 1):
        return True
    return len(hit.name) == 1 or (len(hit.name) <= 2 and _ADDRESSED.match(text, hit.end) is not None)


# 斯蒂芬·萨勒（Stephen Thaler）, Tony Wu（吴宇怀）: one person in two scripts, the other in brackets
_LATIN_GLOSS = re.compile(r"[（(]\s*(?P<latin>[A-Z][A-Za-z'.]+(?:[ -][A-Z][A-Za-z'.]+){1,2})\s*[)）]")
_LATIN_BEFORE = re.compile(r"(?<![A-Za-z])(?P<latin>[A-Z][a-z]+(?:[ -][A-Z][a-zA-Z'ąćęłńóśźżäöüé]+){1,2})\s*$")
_HAN_GLOSS = re.compile(rf"[（(]\s*(?P<han>[\u4e00-\u9fff{_DOTS}]{{2,12}})\s*[)）]")


def _glosses(text: str, cands: list[PersonHit]) -> dict[str, str]:
    """Latin spellings the text pairs with a Chinese name found already: Latin spelling → Chinese key."""
    if "(" not in text and "（" not in text:
        return {}
    by_end = {h.end: h for h in cands if not h.name.isascii()}
    pairs: dict[str, str] = {}
    for m in _LATIN_GLOSS.finditer(text):
        hit = by_end.get(m.start())
        if hit is not None:
            pairs.setdefault(m["latin"], hit.key)
    by_span = {(h.start, h.end): h for h in cands if not h.name.isascii()}
    for m in _HAN_GLOSS.finditer(text):
        hit = by_span.get((m.start("han"), m.end("han")))
        latin = _LATIN_BEFORE.search(text, max(0, m.start() - 40), m.start()) if hit is not None else None
        if latin is not None and hit is not None:  # latin is only searched for around a hit
            pairs.setdefault(latin["latin"], hit.key)
    return pairs


_SENTENCE_STOP = re.compile(r"[。！？；!?;\n]")


def _pos_windows(text: str) -> list[tuple[int, int]]:
    """Where word segmentation can find a name worth having. Segmenting costs tens of µs a
    character, and elsewhere it only yields bare names, which the search for names already found
    recovers (see :func:`_resolve`).

    The sentence around a move verb, up to 80 characters before it (the subject and the names
    listed with it) and 50 after (离职高管还包括…); a few characters after a title (王小川 where
    the title pattern only sees 王小); the five characters before a speech verb or an honorific
    (吴泳铭表示, 张三先生). At most :data:`POS_BUDGET` characters in all.
    """
    spans: list[tuple[int, int]] = []
    stops: list[int] | None = None  # sentence ends, found once for all the cues
    for m in _MOVE_CUE.finditer(text):
        if stops is None:
            stops = [s.start() for s in _SENTENCE_STOP.finditer(text)]
        at = bisect_left(stops, m.start())
        lo = stops[at - 1] + 1 if at and stops[at - 1] >= m.start() - 80 else 0
        after = bisect_left(stops, m.end())
        hi = stops[after] + 1 if after < len(stops) and stops[after] < m.end() + 50 else min(len(text), m.end() + 50)
        spans.append((max(lo, m.start() - 80), hi))
    for m in TITLE_CHAIN.finditer(text):
        if m.end() < len(text) and text[m.end()] in _SURNAME_CHARS:
            spans.append((m.start(), min(len(text), m.end() + 5)))
    for m in _SPEECH_CUE.finditer(text):
        lo = max(0, m.start() - 5)
        if not _SURNAME_CHARS.isdisjoint(text[lo + 1 : m.start() - 1]):
            spans.append((lo, m.start()))
    spans.sort()
    merged: list[tuple[int, int]] = []
    budget = POS_BUDGET
    for lo, hi in spans:
        if merged and lo <= merged[-1][1]:
            budget -= max(hi, merged[-1][1]) - merged[-1][1]
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            budget -= hi - lo
            merged.append((lo, hi))
        if budget <= 0:  # a page of nothing but 离职 must not cost a second per kilobyte
            break
    return merged


def _with_context(text: str, start: int, end: int, name: str, confidence: float) -> PersonHit:
    """Attach the titles and organization written right before the name: <org><unit><title>、<unit><title><name>."""
    left = text[max(0, start - 60) : start]
    breaks = list(_CLAUSE_BREAK.finditer(left))
    left = left[breaks[-1].end() :] if breaks else left
    segments = re.split(r"(?<=[\u4e00-\u9fffA-Za-z])[、兼及](?=\S)", left)
    titled: list[tuple[str, str, str, bool]] = []  # (org, unit, title, former) from the name backwards
    for seg in reversed(segments):
        title = _TITLE_END.search(seg)
        if not title:
            break
        rest = seg[: title.start()]
        former = bool(re.search(r"(?:前|原|时任)$", rest))
        rest = re.sub(r"(?:前|原|时任|的|旗下)+$", "", rest)
        org, unit = _split_org(rest)
        titled.append((org, unit, title[0], former))
    if not titled:
        return PersonHit(start, end, name, name, confidence)
    titled.reverse()
    org = next((t[0] for t in titled if t[0]), "")
    units = [(t[0] + t[1]) if t[0] != org else t[1] for t in titled]
    unit = next((u.strip("()（）、 ") for u in units if u.strip("()（）、 ")), "")
    role = "、".join(t[2] for t in titled)
    former = any(t[3] for t in titled)
    return PersonHit(start, end, name, name, max(confidence, 0.9), role, org, unit, former)


def _split_org(head: str) -> tuple[str, str]:
    """``阿里巴巴达摩院自动驾驶实验室`` → (阿里巴巴, 达摩院自动驾驶实验室): the first known company, the rest a unit."""
    head = re.sub(
        r"^(?:据悉|此前|随后|同时|其中|当时|包括|以及|和|与|及|由|原|前|曾任|曾是|担任|作为|现任|时任)+", "", head
    )
    found = company_index().find(head)
    if found:  # the company nearest the title employs the person (…企业 Wiz 前总裁)
        start, end, _ = found[-1]
        return head[start:end], head[end:].strip()
    m = re.match(r"[A-Za-z][A-Za-z0-9.&\- ]{1,30}(?=[\u4e00-\u9fff]|$)", head)
    if m:
        return m[0].strip(), head[m.end() :].strip()
    m = _ORG_SUFFIX.search(head)
    if m:
        return m[0], head[m.end() :].strip()
    return "", head


_ORG_AFTER = re.compile(r"(?:公司|集团|基金会|大学|实验室|研究院|研究中心|银行|财团|控股|医院|学院|协会|通讯社|通社)")


@cache
def _not_people() -> frozenset[str]:
    return frozenset(_data_lines("not_people.txt"))


# 帕内克-卡雷尼奥 / Martin Smolár: the name goes on past the span
_GOES_ON = re.compile(r"[-‐－]\s*[\u4e00-\u9fff]|[A-Za-z\u00c0-\u024f]")
# 詹姆斯·韦伯望远镜, 特朗普媒体科技集团, 莫莉·罗斯基金会: a thing named after someone
_NAMED_AFTER = re.compile(r"(?:空间)?望远镜|媒体科技|科技集团|集团|基金会|号(?:探测器|飞船|卫星)")
_THING_INSIDE = re.compile(r"基金|集团|公司")
_DOTTED = re.compile(rf"[{_DOTS}]")


def _cut_or_named_after(text: str, hit: PersonHit) -> bool:
    """A span that is a piece of a longer name, or the name of a thing: 达里奥·阿莫|代伊, 拉斐|尔·格罗西,
    总|理弗朗索瓦, 卢卡斯·彼|得松, 塔雷克·曼苏尔提|供, 王兴|兴, 和特|朗普, 王总, 詹姆斯·韦伯望远镜."""
    name = hit.name
    if _GOES_ON.match(text, hit.end) or _NAMED_AFTER.match(text, hit.end) or _THING_INSIDE.search(name):
        return not (name.isascii() and text[hit.end : hit.end + 1] == "-")
    if name.isascii():
        return False
    before = text[hit.start - 1] if hit.start else ""
    after = text[hit.end : hit.end + 2]
    parts = _DOTTED.split(name) if any(c in _DOTS for c in name) else [name]
    translit = len(parts) > 1 or all(c in _TRANSLIT for c in name)
    if translit and after[:1] and after[0] in _GOES_ON_CHARS and not _common_word(after):
        return True  # 莫里斯·施韦|策, 冯德|莱恩
    if len(parts) > 1:
        if len(parts[-1]) == 1 or (parts[0] in _ONLY_ENDS_A_NAME and "\u4e00" <= before <= "\u9fff"):
            return True
        if name[0] == "理" and before in "总经助代":
            return True  # 法国总理弗朗索瓦: 理 belongs to 总理
        return after[:1] not in _FOLLOWS_NAME and _common_word(text[hit.end - 1 : hit.end + 1])
    if translit and before in _TRANSLIT and not _common_word(text[max(0, hit.start - 2) : hit.start]):
        return True  # 泽|连斯基 (表明特朗普 is fine: 表明 is a word)
    if after[:1] == name[-1]:
        return True  # 王兴兴 read as 王兴
    return len(name) == 2 and (name[0] in "和与及跟同于" or name[1] in "总董")


# a transliteration's closing syllables, never a first name of one character: 拉斐|尔·格罗西
_ONLY_ENDS_A_NAME = set("尔斯特克德夫兹")
# what comes right after a name in a sentence, and so never continues it
_FOLLOWS_NAME = set("等和与及在的是曾也将已称说则还都就对向于表指认强透坦接出发宣告领担上此今本同")
# characters that continue a transliteration (on top of those that start one)
_GOES_ON_CHARS = (_TRANSLIT | set("代屈策")) - _FOLLOWS_NAME


def _not_a_person(text: str, hit: PersonHit) -> bool:
    """诺斯罗普·格鲁曼公司, 欧姆龙集团, 服务卫星, 史蒂夫·赫夫曼 cut short: a span that is no one's whole name."""
    if hit.name in _not_people() or hit.key in _not_people():
        return True
    if _cut_or_named_after(text, hit):
        return True
    if _ORG_AFTER.match(text, hit.end) or any(c in _DOTS for c in text[hit.end : hit.end + 3]):
        return True  # 吉列尔莫·劳奇 cut to 吉列
    if hit.start > 0 and text[hit.start - 1] in _DOTS and not any(c in _DOTS for c in hit.name):
        return hit.name not in known_people()[1]
    if hit.name.isascii() or hit.name in known_people()[1] or any(c in _DOTS for c in hit.name):
        return False
    if hit.name[-1] in "社宫局院部所会厅处委署" or (hit.confidence < 0.9 and _common_word(hit.name)):
        return True  # 彭博社, 白宫, 服务卫星
    # 熊水龙 cut to 熊水, 泽连斯基 to 连斯基, 于本周 read as 于本
    return _ends_inside_word(text, hit.start, hit.end) or _starts_inside_word(text, hit.start)


def _resolve(text: str, cands: list[PersonHit], tagged: set[str], glossed: dict[str, str]) -> list[PersonHit]:
    """Overlaps go to the most confident, then longest; a dotted name's last part alone refers back to it."""
    cands.sort(key=lambda h: (-h.confidence, -(h.end - h.start), h.start))
    taken: list[PersonHit] = []
    used = bytearray(len(text) + 1)
    for hit in cands:
        if any(used[hit.start : hit.end]):
            continue
        if hit.name in company_index().by_alias or company_index().lookup(hit.name):
            continue
        if _not_a_person(text, hit):
            continue
        taken.append(hit)
        used[hit.start : hit.end] = b"\x01" * (hit.end - hit.start)
    # 哈萨比斯 after 戴米斯·哈萨比斯: the same person, keyed on the full name
    surnames: dict[str, str] = {}
    for hit in taken:
        parts = re.split(rf"[{_DOTS}]", hit.name)
        if len(parts) > 1 and len(parts[-1]) >= 2:
            surnames.setdefault(parts[-1], hit.name)
    if surnames:
        pattern = re.compile("|".join(map(re.escape, sorted(surnames, key=len, reverse=True))))
        for m in pattern.finditer(text):
            if not any(used[m.start() : m.end()]):
                hit = _with_context(text, m.start(), m.end(), m[0], 0.7)
                taken.append(replace(hit, key=surnames[m[0]]))
                used[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
    again = trie_regex(sorted(tagged)[:MAX_NAMES]) if tagged else None
    if again is not None:
        for m in again.finditer(text):
            if not any(used[m.start() : m.end()]):
                taken.append(_with_context(text, m.start(), m.end(), m[0], 0.5))
                used[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
    # a Latin spelling the article pairs with a Chinese name is that person wherever it appears
    aliases = {**surnames, **glossed}
    known = known_people()[1]
    checked = {id(h) for h in cands}  # the candidates were checked before they took their span
    taken = [h for h in taken if id(h) in checked or not _not_a_person(text, h)]
    taken = [replace(h, key=aliases.get(h.name) or known.get(h.name) or h.key) for h in taken]
    taken.sort(key=lambda h: h.start)
    counts: dict[str, int] = {}
    for hit in taken:
        counts[hit.key] = counts.get(hit.key, 0) + 1
    out = [
        replace(h, confidence=round(min(0.95, h.confidence + 0.1), 2))
        if counts[h.key] > 1 and h.confidence < 0.9
        else h
        for h in taken
    ]
    return sorted(out, key=lambda h: h.start)
