"""Executive moves: who left which organization, in what role, when, and for where.

A move needs a named person and the organization they left. The sentence must say so: a departure
verb (离职, 卸任, 辞去, 离开 …) with the person as its subject, or an arrival verb (加盟, 出任 …) for
someone written as a *former* holder of a title elsewhere (蚂蚁金服原副总裁漆远加盟复旦大学,
从Instacart加入微软). Dates resolve against the article's date, carrying context across sentences.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date

from ..model import Article
from .entities import article_fields
from .people import ARRIVE_WORDS, DEPART_WORDS, PersonHit, find_people
from .tickers import company_index, real_organization
from .timeexpr import DateExpr, DateResolver

_DEPART = re.compile(DEPART_WORDS)
_DEPART_STRONG = re.compile(r"离职|卸任|辞任|辞去|辞职|离任|不再担任")
_ARRIVE = re.compile(ARRIVE_WORDS)
_DEST = re.compile(
    r"(?:加盟|加入|出任|入职|投奔|转投|跳槽至|跳槽到|创办|创立|重返|回归|回到)(?P<dest>[^，。；、,;\n]{1,30})"
)
_WRAPPED = re.compile(r"(?<=[^。！？；!?;：:\s])\n(?=[A-Za-z0-9（(])|(?<=[A-Za-z,])\n(?=\S)")
# longer runs without a full stop are lists or junk; cutting them keeps the work per sentence bounded
_SENTENCE = re.compile(r"[^。！？；!?;\n]{1,400}[。！？；!?;]?")
# between a subject and its verb: no clause break, nothing long
_GAP = re.compile(r"[^，。；：,;:]{0,28}")
# 斯宾塞宣布，自己将……退休: a reported departure keeps its subject across the comma
_SAID_GAP = re.compile(r"[^，。；：]{0,16}(?:宣布|表示|称|透露|证实)[，,：:]\s*[^。；，]{0,30}")
# 马锐拉发表长文，宣布自己已离职 / 约翰·江珀宣布，在效力九年后，他将离职: the subject carries on
_CARRY_GAP = re.compile(
    r"[^。；：]{0,30}[，,]\s*(?:[^。；，,]{0,16}[，,]\s*)?(?:他|她|并|随后|宣布|表示|称)[^。；，,]{0,24}"
    # 执掌苹果帅印长达15年的库克，即将在今年正式卸任: a clause that only adds when
    r"|[，,]\s*(?:即将|将|已经|已|也|则|最终|正式|早已|于|\d{4}年)[^。；，,]{0,16}"
)
# 在奥特曼复职数月后，他本人也离开: the name sits in a time clause, the subject is someone else
_IN_TIME_CLAUSE = re.compile(r"在[^，。；]{0,6}$")
# 2026年1月他也跳槽到了OpenAI: a pronoun takes the subject of the sentence before
_PRONOUN_SUBJECT = re.compile(
    r"\s*(?:[^，。；]{0,14}[，,]\s*|[\d年月日初底中旬上下本今去同]{1,12})?(?:他|她)(?:本人)?(?:也|还|则|随后|已经|已|便|就|于)?[^，。；他她]{0,14}"
)
_NOT_SUBJECT = re.compile(r"旗下|的|回应|评论|一事|谈及|称赞")
_SUCCESSOR = re.compile(r"由|接替|接任|继任|感谢|向|祝福|欢迎")
# 离职高管还包括 / 离开的还有: a list of the people who left follows
_LISTED_AFTER = re.compile(
    r"(?:的)?(?:[一二两三四五六七八九十\d]+[名位个])?(?:AI)?(?:高管|人员|员工|研究人员|研究员|成员|联合创始人|创始人|高层)?"
    r"(?:名单)?(?:还|则)?(?:包括|有|分别是|分别为|是)"
)
# 离开了谷歌，其中包括A和B: the list comes after the organization and a comma
_LISTED_LATER = re.compile(r"[^，。；]{0,12}[，,]\s*其中(?:还)?包括")
# 除马斯克外 / 考虑离开 / 呼吁辞职: the person is excepted, or the move is only weighed, asked for or denied
_NOT_A_MOVE_BEFORE = re.compile(r"(?:考虑|打算|是否|呼吁|要求|拒绝|不会|不愿|没有|并未|未曾|传闻|否认|如果|若)\s*$")
# 离开美国 / 离开该国 / 离开现场: leaving a place, not an employer
_PLACE_AFTER = re.compile(
    r"\s*(?:了)?\s*(?:美国|中国|以色列|英国|日本|韩国|印度|欧洲|硅谷|北京|上海|深圳|杭州|香港|台湾|该国|本国|国内|家乡|现场|房间|地球|地面)"
)
# 即将离任的苹果首席执行官Tim Cook / Qwen 离职成员 Kaixin Li: the verb qualifies the name after it
_QUALIFIES_AFTER = re.compile(r"(?:的)?[^，。；：、的]{0,20}?$")
_LIST_SEP = re.compile(r"\s*(?:[)）]\s*)?[、和与及]\s*")
_TITLED_LIST_SEP = re.compile(r"\s*(?:[)）]\s*)?[、和与及][^，。；：、,;:]{0,24}")
# 离开公司 / 离开这家他任职长达38年的软件公司 is leaving the company the article is about, not a room
_THE_COMPANY = re.compile(r"\s*(?:了)?(?:该|这家|此)?(?:[^，。；]{0,16}?(?:公司|集团|企业|团队)|公司)")
# Toby Pohlen（2026年2月27日）：最新一位宣布离职的联合创始人: one row of a list of departures
_ROW_GAP = re.compile(r"\s*[（(][^（）()\n]{1,24}[)）]\s*[：:][^。；：\n]{0,40}")
# 离开 is also leaving a room or the ground: it needs an organization after it or a title before
_WEAK = {"离开", "出走", "退休"}


@dataclass(frozen=True)
class ExecutiveMove:
    """One departure (and arrival, when the text says where), with its evidence."""

    person: str  # as normalized for keys (full name)
    org: str  # organization left, as written
    org_key: str  # canonical organization (units resolve to their company: 达摩院 → 阿里巴巴)
    role: str = ""
    unit: str = ""
    when: str | None = None  # ISO, only as precise as the text: 2021, 2021-08, 2017-03-20
    when_text: str = ""
    destination: str = ""
    evidence: str = ""
    article_id: int | None = None
    url: str = ""
    confidence: float = 0.8
    reports: tuple[str, ...] = field(default_factory=tuple)  # every article URL reporting it, after merging

    @property
    def key(self) -> tuple[str, str]:
        return (self.person, self.org_key)


def extract_moves(article: Article) -> list[ExecutiveMove]:
    """The executive moves ``article`` reports, one per person and organization."""
    stamp = article.published or article.fetched_at
    ref = stamp.date() if stamp else date.today()
    moves: list[ExecutiveMove] = []
    title_orgs = _title_orgs(article.title or "")
    about_leaving = bool(_DEPART_STRONG.search(article.title or ""))
    for _, text in article_fields(article):
        # feeds wrap lines inside sentences (Phil\nSpencer); one space for one newline keeps offsets
        text = _WRAPPED.sub(" ", text)
        if not (_DEPART.search(text) or _ARRIVE.search(text)):
            continue  # dates only matter to moves, and moves need a verb
        resolver = DateResolver(ref)
        people = find_people(text)  # sorted by start
        starts = [p.start for p in people]
        # 前英特尔高管萨钦·卡蒂 … 萨钦·卡蒂近期已入职: the former employer, written once, holds for the name
        formers = {p.key: p.org for p in people if p.former and p.org}
        context = Context(ref, formers, about_leaving)
        last_org = ""
        sentences = list(_SENTENCE.finditer(text))
        for i, sm in enumerate(sentences):
            s_start, sentence = sm.start(), sm[0]
            dates = resolver.resolve(sentence, s_start)
            if not (_DEPART.search(sentence) or _ARRIVE.search(sentence)):
                continue
            lo, hi = bisect_left(starts, s_start), bisect_left(starts, sm.end())
            in_sentence = [p for p in people[lo:hi] if p.end <= sm.end()]
            following = sentences[i + 1][0] if i + 1 < len(sentences) else ""
            fallback = last_org or _first(title_orgs)
            before = sentences[i - 1] if i else None
            pronoun = before is not None and ("他" in sentence or "她" in sentence)
            lead = _lead_person(people, starts, before) if pronoun and before is not None else None
            found = list(_moves_in(text, s_start, sentence, in_sentence, dates, fallback, context, following,
                                   lead, before[0] if before is not None else ""))  # fmt: skip
            if _ROWS_FOLLOW.search(sentence):
                found += _listed_rows(text, sm.end(), people, starts, resolver, sentence, fallback, context)
            for move in found:
                moves.append(replace(move, article_id=article.id, url=article.url))
                last_org = move.org or last_org
    return merge_moves(_full_names(_one_script(moves)))


@dataclass(frozen=True)
class Context:
    """What an article says once and every move in it may lean on."""

    reference: date  # the article's date: a move without a time phrase happened by then, that month
    formers: dict[str, str]  # person key → organization written as their former employer
    about_leaving: bool  # the headline reports a departure: a bare 离开 in the text is one too


def _title_orgs(title: str) -> list[str]:
    """Organizations in the headline, those of the clause with the move verb first
    (库克押宝谷歌酿苦果？苹果人工智能精英接连离职: 苹果)."""
    found = [(start, title[start:end]) for start, end, _ in company_index().find(title)]
    verb = _DEPART.search(title) or _ARRIVE.search(title)
    if verb:
        clauses = list(re.finditer(r"[^？！?!，,；;：:\s]+", title))
        clause = next((c for c in clauses if c.start() <= verb.start() < c.end()), None)
        if clause is not None:
            found.sort(key=lambda f: not clause.start() <= f[0] < clause.end())
    return [name for _, name in found]


def _lead_person(people: list[PersonHit], starts: list[int], sentence: re.Match[str]) -> PersonHit | None:
    """The first confident person of a sentence: who a 他 or 她 in the next one stands for."""
    lo, hi = bisect_left(starts, sentence.start()), bisect_left(starts, sentence.end())
    named = [p for p in people[lo:hi] if p.confidence >= 0.5]
    return named[0] if named and len({p.key for p in named}) == 1 else None


def _qualified_after(sentence: str, s_start: int, people: list[PersonHit], verb_end: int) -> list[PersonHit]:
    """即将离任的苹果首席执行官Tim Cook / Qwen 离职成员 Kaixin Li: the name the verb qualifies."""
    for p in people:
        if p.start < s_start + verb_end:
            continue
        between = sentence[verb_end : p.start - s_start]
        qualified = re.fullmatch(r"的[^，。；：、的]{0,20}|\s*(?:成员|员工|高管|研究员|工程师|负责人)\s*", between)
        return [p] if qualified and p.confidence >= 0.5 else []
    return []


def _first(values: list[str]) -> str:
    return values[0] if values else ""


def _moves_in(
    text: str,
    s_start: int,
    sentence: str,
    people: list[PersonHit],
    dates: list[DateExpr],
    fallback_org: str,
    context: Context,
    following: str = "",
    previous_subject: PersonHit | None = None,
    previous_sentence: str = "",
) -> Iterable[ExecutiveMove]:
    index = company_index()
    done: set[str] = set()
    strong_here = bool(_DEPART_STRONG.search(sentence))
    for trig in [*_DEPART.finditer(sentence), *_ARRIVE.finditer(sentence)]:
        t_start = s_start + trig.start()
        departing = trig.re is _DEPART
        weighed = _NOT_A_MOVE_BEFORE.search(sentence, max(0, trig.start() - 6), trig.start())
        if departing and (weighed or _PLACE_AFTER.match(sentence, trig.end())):
            continue
        subjects = _subjects(text, people, t_start)
        if sentence.startswith("的", trig.end()):  # 离开的人数: only a name right before the verb is its subject
            subjects = [p for p in subjects if _GAP.fullmatch(text, p.end, t_start)]
        carried = None
        if not subjects and previous_subject is not None and _PRONOUN_SUBJECT.fullmatch(sentence, 0, trig.start()):
            subjects = [carried := previous_subject]
        listed = _LISTED_AFTER.match(sentence, trig.end()) if departing else None
        if departing and not listed:
            later = _LISTED_LATER.match(sentence, trig.end())
            listed = later if later and not _PLACE_AFTER.match(sentence, trig.end()) else None
        qualified = _qualified_after(sentence, s_start, people, trig.end()) if departing and not listed else []
        subjects += qualified
        named_after = []
        if listed:  # 其他离职高管还包括A、以及B: the people are named after the verb
            named_after = [p for p in people if p.start >= s_start + listed.end() and p.confidence >= 0.5]
            subjects += named_after
        if not departing:  # 从Instacart加入微软的阿莎·夏尔马: the person follows the clause
            subjects += _joined_from(text, people, s_start + trig.end())
        for person in subjects:
            if person.key in done or text.startswith("除", max(0, person.start - 1)):
                continue
            between = text[person.end : t_start]
            if _SUCCESSOR.search(text[max(s_start, person.start - 3) : person.start]) or "接任" in between:
                continue
            after = sentence[trig.end() :]
            org_after = _org_after(after) if departing else ""
            from_org = re.search(
                r"从\s*([A-Za-z0-9\u4e00-\u9fff.]{2,20}?)\s*(?:加入|加盟|跳槽|离职|出走|辞职|卸任|辞任)", sentence
            )
            if from_org and from_org[1].startswith(("公司", "该公司", "这家", "学术界", "学校")):
                from_org = None
            org = person.org if (departing or person.former) else ""
            if person in named_after and org_after:  # 离开了谷歌，其中包括Gemini负责人杰夫·迪恩
                org = org_after
            if person in qualified:  # 即将离任的苹果首席执行官Tim Cook: the organization is in between
                org = _org_in(text[t_start : person.start]) or org
                if not org:
                    continue
            if not departing and not org and from_org:
                org = from_org[1]
            if not departing and not org:
                org = context.formers.get(person.key, "")
            if not departing and person is carried and not org:  # 他在苹果工作了8年。…他加入OpenAI
                org = (
                    _org_in(previous_sentence)
                    if re.search(r"在[^，。]{0,12}(?:工作|任职|效力)", previous_sentence)
                    else ""
                )
            if departing:
                org = org or org_after or (from_org[1] if from_org else "")
                weak_ok = person.role or _THE_COMPANY.match(after) or strong_here or context.about_leaving
                if not org and trig[0] in _WEAK and not weak_ok:
                    continue
                if person is carried:  # 他在苹果工作了8年。2026年1月他也跳槽: the sentence before says where
                    org = org or _org_in(previous_sentence)
                    if not org:
                        continue
                org = org or _org_in(sentence[: max(0, person.start - s_start)]) or fallback_org
            if not org or not real_organization(org):
                continue
            if not departing and not (person.former or from_org or person.key in context.formers or person is carried):
                continue
            dest = _destination(sentence, trig.end() if departing else trig.start(), org)
            if departing and (not dest or dest in _VAGUE_DESTINATIONS):  # 重返学术界。担任斯坦福大学…
                dest = _next_destination(following, org) or dest
            when = _when(dates, t_start)
            done.add(person.key)
            yield ExecutiveMove(
                person=person.key,
                org=org,
                org_key=index.canonical(org),
                role=person.role,
                unit=person.unit,
                when=when.iso if when else _month(context.reference),
                when_text=when.text if when else "",
                destination=dest,
                evidence=sentence.strip(),
                confidence=0.9 if person.role else 0.7,
            )


_VAGUE_DESTINATIONS = {"学术界", "学界", "学校", "高校", "创业", "业界", "产业界"}


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


# 目前已经离职的7人相关信息如下： then one row per person, "Jimmy Ba（2026年2月11日）：…"
_ROWS_FOLLOW = re.compile(rf"(?:{DEPART_WORDS})[^。；]{{0,24}}(?:如下|名单|包括|分别是|有)\s*[：:]\s*$")
_ROW_HEAD = re.compile(r"\s*(?:[（(](?P<when>[^（）()\n]{2,24})[)）])?\s*[：:]")
MAX_ROWS = 30


def _listed_rows(
    text: str,
    header_end: int,
    people: list[PersonHit],
    starts: list[int],
    resolver: DateResolver,
    header: str,
    fallback_org: str,
    context: Context,
) -> list[ExecutiveMove]:
    """People each opening a line after a header that says they left: one departure per line."""
    org = _org_in(header) or fallback_org
    if not org or not real_organization(org):
        return []
    out = []
    for line in list(re.finditer(r"[^\n]+", text[header_end : header_end + 4000]))[:MAX_ROWS]:
        line_start = header_end + line.start() + len(line[0]) - len(line[0].lstrip())
        at = bisect_left(starts, line_start)
        person = people[at] if at < len(people) else None
        head = _ROW_HEAD.match(text, person.end) if person is not None and person.start == line_start else None
        if person is None or head is None:
            break
        when = next(iter(resolver.resolve(head["when"] or "", head.start())), None)
        out.append(ExecutiveMove(person=person.key, org=org, org_key=company_index().canonical(org),
                                 role=person.role, when=when.iso if when else _month(context.reference),
                                 when_text=when.text if when else "", evidence=line[0].strip()[:200],
                                 confidence=0.7))  # fmt: skip
    return out


def _joined_from(text: str, people: list[PersonHit], pos: int) -> list[PersonHit]:
    """2024年从Instacart加入微软的阿莎·夏尔马: the person the relative clause describes."""
    m = re.match(r"[^，。；的]{1,20}的", text[pos : pos + 24])
    if not m:
        return []
    return [p for p in people if p.start == pos + m.end()][:1]


def _next_destination(following: str, org: str) -> str:
    """李飞飞辞职重返学术界。担任斯坦福大学…联合主任: a next sentence without a subject goes on about them."""
    m = re.match(r"\s*(?:随后|此后|之后|后|并|他|她)?\s*(?:担任|出任|加入|加盟|入职|任职于|就职于|转投)", following)
    if not m:
        return ""
    rest = following[m.end() : m.end() + 40]
    found = company_index().find(rest)
    if found and found[0][0] <= 1:
        dest = rest[found[0][0] : found[0][1]]
    else:
        suffix = _ORG_NAME.match(rest)
        dest = suffix[0] if suffix else ""
    return dest if dest and company_index().canonical(dest) != company_index().canonical(org) else ""


_ORG_NAME = re.compile(
    r"[\u4e00-\u9fffA-Za-z0-9]{2,16}?(?:公司|集团|大学|研究院|研究所|实验室|银行|证券|基金|科技|学院|医院)"
)


def _one_script(moves: list[ExecutiveMove]) -> list[ExecutiveMove]:
    """托比·波伦 and Toby Pohlen leaving xAI on the same day in one article are one person: the move
    under the Latin spelling folds into the one under the Chinese, when the article gives no gloss."""
    by_day: dict[tuple[str, str, str], list[ExecutiveMove]] = {}
    for move in moves:
        if move.when and len(move.when) == 10:
            by_day.setdefault((move.url, move.org_key, move.when), []).append(move)
    rename: dict[tuple[str, str], str] = {}
    for group in by_day.values():
        han = sorted({m.person for m in group if not m.person.isascii()})
        latin = sorted({m.person for m in group if m.person.isascii()})
        if len(han) == 1 and len(latin) == 1 and _parts(han[0]) == _parts(latin[0]):
            rename[(group[0].url, latin[0])] = han[0]
    if not rename:
        return moves
    return [replace(m, person=rename.get((m.url, m.person), m.person)) for m in moves]


def _full_names(moves: list[ExecutiveMove]) -> list[ExecutiveMove]:
    """达里奥·阿莫迪 … 阿莫迪即将离开: a surname alone, in the article that gave the full name, is that person."""
    full = {(m.url, m.org_key, m.person) for m in moves if _parts(m.person) > 1}
    rename: dict[tuple[str, str, str], str] = {}
    for move in moves:
        if _parts(move.person) > 1:
            continue
        here = (move.url, move.org_key)
        longer = {p for u, o, p in full if (u, o) == here and re.split(r"[·・•‧⋅∙ \-]", p)[-1] == move.person}
        if len(longer) == 1:
            rename[(move.url, move.org_key, move.person)] = longer.pop()
    if not rename:
        return moves
    return [replace(m, person=rename.get((m.url, m.org_key, m.person), m.person)) for m in moves]


def _parts(name: str) -> int:
    return len(re.split(r"[·・•‧⋅∙ \-]", name.strip()))


def _subjects(text: str, people: list[PersonHit], t_start: int) -> list[PersonHit]:
    """The person right before the verb, and those listed with them (A、B和C等…离职)."""
    before = [p for p in people if p.end <= t_start]
    if not before:
        return []
    last = before[-1]
    gap = text[last.end : t_start]
    if not (_GAP.fullmatch(gap) or _SAID_GAP.fullmatch(gap) or _ROW_GAP.fullmatch(gap)):
        carried = _CARRY_GAP.fullmatch(gap)
        if not carried or re.search(r"(?:他|她)们|[“”\"]", gap):
            return []
        if _IN_TIME_CLAUSE.search(text, max(0, last.start - 8), last.start):
            return []
    # 菲尔·斯宾塞（Phil Spencer）将离开: the gloss is the name before it, with its title
    while len(before) > 1 and text[before[-2].end : last.start] in ("（", "(") and before[-2].key == last.key:
        before.pop()
        last = before[-1]
    # 马斯克旗下xAI又一创始人离职: someone else, unnamed, is the subject
    # 吴恩达宣布从百度辞职 and Clive Chan在X平台发文宣布 are fine
    named = company_index().find(re.sub(r"从[^，。]{1,20}$|在\s*[A-Za-z\u4e00-\u9fff]{1,8}\s*(?:平台|上)", "", gap))
    if not gap.lstrip().startswith("等") and (_NOT_SUBJECT.search(gap) or named):
        return []
    chosen = [last]
    for p in reversed(before[:-1]):
        between = text[p.end : chosen[-1].start]
        if p.key == chosen[-1].key and between.strip() in ("（", "("):
            continue  # the gloss of the name after it
        # A、B和C; 沙梅兹·赫马尼（Shamez Hemani）、OpenAI算力部门另一位负责人阿努杰·萨哈兰
        if _LIST_SEP.fullmatch(between) or (chosen[-1].role and _TITLED_LIST_SEP.fullmatch(between)):
            chosen.append(p)
        else:
            break
    return [p for p in chosen if p.confidence >= 0.5]


def _org_after(after: str) -> str:
    """离开苹果 / 离职 OpenAI: the organization named right after the verb."""
    m = re.match(r"\s*(?:了|这家|该)?\s*", after)
    rest = after[m.end() if m else 0 :]
    for start, end, _ in company_index().find(rest[:24]):
        if start <= 1 and not re.match(r"[，,。；;：:、]", rest):
            return rest[start:end]
    return ""


# 腾讯新闻 / 新浪科技讯: a news outlet quoted as the source is no one's employer
_OUTLET_AFTER = re.compile(r"新闻|网|科技讯|财经|报道|消息")


def _org_in(text: str) -> str:
    found = [(s, e) for s, e, _ in company_index().find(text) if not _OUTLET_AFTER.match(text, e)]
    return text[found[-1][0] : found[-1][1]] if found else ""


def _destination(sentence: str, pos: int, org: str) -> str:
    m = _DEST.search(sentence, pos)
    if m:
        dest = re.split(r"担任|任职|，|并|出任|成为", m["dest"])[0].strip(" 了")
        if dest and company_index().canonical(dest) != company_index().canonical(org):
            return dest
    if "创业" in sentence[pos:]:
        return "创业"
    return ""


def _when(dates: list[DateExpr], t_start: int) -> DateExpr | None:
    before = [d for d in dates if d.start <= t_start]
    return before[-1] if before else (dates[0] if dates else None)


def merge_moves(moves: Iterable[ExecutiveMove]) -> list[ExecutiveMove]:
    """One record per (person, organization): the first report's fields, gaps filled from later ones.

    A date the text states wins over one inferred from the article's own date (a headline without a
    time phrase is dated by its month; the body's 去年8月 is the truth); then a more precise date wins
    (2021-08 over 2021). Every reporting URL is kept in ``reports``.
    """
    merged: dict[tuple[str, str], ExecutiveMove] = {}
    for move in moves:
        urls = tuple(dict.fromkeys((*move.reports, move.url) if move.url else move.reports))
        old = merged.get(move.key)
        if old is None:
            merged[move.key] = replace(move, reports=urls)
            continue
        when, when_text = old.when, old.when_text
        stated_only_here = bool(move.when_text) and not when_text
        more_precise = (
            move.when is not None and when is not None and len(move.when) > len(when) and move.when.startswith(when[:4])
        )
        if move.when and (not when or stated_only_here or (more_precise and (move.when_text or not when_text))):
            when, when_text = move.when, move.when_text
        merged[move.key] = replace(
            old,
            role=old.role or move.role,
            unit=old.unit or move.unit,
            when=when,
            when_text=when_text,
            destination=old.destination or move.destination,
            confidence=max(old.confidence, move.confidence),
            reports=tuple(dict.fromkeys((*old.reports, *urls))),
        )
    return list(merged.values())
