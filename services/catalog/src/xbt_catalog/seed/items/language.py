"""English and 语文 items: templated grammar with computed keys, and banks of classic lines."""

from __future__ import annotations

import random

from xbt_catalog.seed.data import records, table
from xbt_catalog.seed.items.common import BLANK, Gen, Item, fill, single

# ---- English ----------------------------------------------------------------------------

# base, 3rd person singular, past, -ing, object ({pos} = the subject's possessive)
_VERBS = records("items/language.json", "verbs", "base", "third_person", "past", "ing", "object")
# subject, possessive, person (1 = I, 3 = third singular, 0 = plural)
_SUBJECTS = records("items/language.json", "subjects", "subject", "possessive", "person")
_CUES = records("items/language.json", "cues", "tense", "pattern", "cue")
_TENSE_NAMES = table("items/language.json", "tense_names")


def tense_choice(rng: random.Random) -> Item | None:
    base, third, past, ing, obj = rng.choice(_VERBS)
    subj, pos, person = rng.choice(_SUBJECTS)
    tense, pattern, cue = rng.choice(_CUES)
    if cue == "Look!" and subj in ("I", "We"):
        return None
    be = {1: "am", 3: "is", 0: "are"}[person]
    forms = {
        "present": third if person == 3 else base,
        "past": past,
        "continuous": f"{be} {ing}",
        "future": f"will {base}",
    }
    correct = forms[tense]
    stem = pattern.format(s=subj, o=obj.format(pos=pos)).replace("____", BLANK)
    why = f"时间状语 {cue} 提示用{_TENSE_NAMES[tense]}"
    if tense == "present":
        rule = "是第三人称单数，动词用三单形式" if person == 3 else "不是第三人称单数，动词用原形"
        why += f"；主语 {subj} {rule}"
    elif tense == "continuous":
        why += f"，结构为 be + doing，主语 {subj} 对应 {be}"
    item = single(
        rng,
        stem,
        correct,
        [v for k, v in forms.items() if k != tense],
        f"{why}，故填 {correct}。",
        2,
    )
    if item is not None:
        item["kp_names"] = (_TENSE_NAMES[tense],)
    return item


_ADJECTIVES = records(
    "items/language.json",
    "adjectives",
    "base",
    "comparative",
    "superlative",
    "comparative_sentence",
    "superlative_sentence",
)


def _adjective(rng: random.Random, superlative: bool) -> Item:
    adj, comp, sup, s_comp, s_sup = rng.choice(_ADJECTIVES)
    if superlative:
        return fill(
            f"用所给词的适当形式填空：{s_sup.replace('____', BLANK)}",
            [[sup]],
            f"句中有 the 和表示范围的短语，用最高级：{adj} → {sup}。",
            2,
        )
    return fill(
        f"用所给词的适当形式填空：{s_comp.replace('____', BLANK)}",
        [[comp]],
        f"句中有 than，用比较级：{adj} → {comp}。",
        2,
    )


def comparative(rng: random.Random) -> Item:
    return _adjective(rng, superlative=False)


def superlative(rng: random.Random) -> Item:
    return _adjective(rng, superlative=True)


_PLURALS = records("items/language.json", "plurals", "word", "plural", "sentence")


def plural(rng: random.Random) -> Item:
    word, plural_form, sentence = rng.choice(_PLURALS)
    return fill(
        f"用所给词的适当形式填空：{sentence.replace('____', BLANK)}",
        [[plural_form]],
        f"名词 {word} 的复数形式是 {plural_form}。",
        1,
    )


_TIME_PREPS = records("items/language.json", "time_prepositions", "sentence", "preposition")
_PREP_RULE = table("items/language.json", "preposition_rules")


def time_preposition(rng: random.Random) -> Item | None:
    sentence, prep = rng.choice(_TIME_PREPS)
    return single(
        rng,
        sentence.replace("____", BLANK),
        prep,
        [p for p in ("in", "on", "at", "for") if p != prep],
        f"{_PREP_RULE[prep]}，故选 {prep}。",
        1,
    )


_ENGLISH_JUNIOR_BANK: list[tuple[str, str, list[str], str, tuple[str, ...]]] = records(
    "items/language.json",
    "english_junior",
    "stem",
    "answer",
    "distractors",
    "explanation",
    "knowledge_points",
)

_ENGLISH_SENIOR_BANK: list[tuple[str, str, list[str], str, tuple[str, ...]]] = records(
    "items/language.json",
    "english_senior",
    "stem",
    "answer",
    "distractors",
    "explanation",
    "knowledge_points",
)

_WORD_FORMATION = records(
    "items/language.json", "word_formation", "sentence", "answers", "explanation"
)


def word_formation(rng: random.Random) -> Item:
    sentence, answers, why = rng.choice(_WORD_FORMATION)
    return fill(f"语法填空：{sentence.replace('____', BLANK)}", [answers], why, 3)


# ---- 语文 -------------------------------------------------------------------------------

# (title, author, dynasty, first half, separator, second half, end, stage)
_POEMS: list[tuple[str, str, str, str, str, str, str, str]] = records(
    "items/language.json",
    "poems",
    "title",
    "author",
    "dynasty",
    "first",
    "separator",
    "second",
    "end",
    "stage",
)

_WORKS: list[tuple[str, str, str]] = records(
    "items/language.json", "works", "title", "author", "stage"
)

_RHETORIC: list[tuple[str, str]] = records("items/language.json", "rhetoric", "sentence", "figure")
_FIGURES = ("比喻", "拟人", "夸张", "设问", "对偶", "排比", "反问")


def _poem_gens(stage: str) -> list[Gen]:
    poems = [p for p in _POEMS if p[7] == stage]
    gens: list[Gen] = []
    for title, author, dynasty, a, sep, b, end, _ in poems:
        src = f"（{author}《{title}》）"

        def first_blank(
            rng: random.Random,
            a: str = a,
            sep: str = sep,
            b: str = b,
            end: str = end,
            src: str = src,
        ) -> Item:
            return fill(
                f"补写出下列名句中的空缺部分：{BLANK}{sep}{b}{end}{src}",
                [[a]],
                f"原句为“{a}{sep}{b}{end}”",
                2,
            )

        def second_blank(
            rng: random.Random,
            a: str = a,
            sep: str = sep,
            b: str = b,
            end: str = end,
            src: str = src,
        ) -> Item:
            return fill(
                f"补写出下列名句中的空缺部分：{a}{sep}{BLANK}{end}{src}",
                [[b]],
                f"原句为“{a}{sep}{b}{end}”",
                2,
            )

        def source(
            rng: random.Random,
            title: str = title,
            author: str = author,
            dynasty: str = dynasty,
            a: str = a,
            sep: str = sep,
            b: str = b,
            end: str = end,
        ) -> Item | None:
            others = list(dict.fromkeys(f"{p[1]}《{p[0]}》" for p in _POEMS if p[1] != author))
            return single(
                rng,
                f"“{a}{sep}{b}{end}”出自（　　）",
                f"{author}《{title}》",
                rng.sample(others, 3),
                f"这两句出自{dynasty}代{author}的《{title}》。"
                if dynasty not in ("现代", "东汉", "东晋", "战国")
                else f"这两句出自{dynasty}{author}的《{title}》。",
                2,
            )

        kp = "古诗词默写" if stage == "初中" else "名句名篇默写"
        gens.append(Gen("语文", stage, (kp,), None, first_blank))
        gens.append(Gen("语文", stage, (kp,), None, second_blank))
        gens.append(
            Gen("语文", stage, ("古诗词鉴赏" if stage == "初中" else "诗歌鉴赏",), None, source)
        )
    return gens


def _work_gens(stage: str) -> list[Gen]:
    gens: list[Gen] = []
    for work, author, s in _WORKS:
        if s != stage:
            continue

        def make(rng: random.Random, work: str = work, author: str = author) -> Item | None:
            others = [a for w, a, _ in _WORKS if a != author]
            return single(
                rng,
                f"《{work}》的作者是（　　）",
                author,
                rng.sample(list(dict.fromkeys(others)), 3),
                f"《{work}》的作者是{author}。",
                1,
            )

        gens.append(Gen("语文", stage, ("作家作品",), None, make))
    return gens


def rhetoric(rng: random.Random) -> Item | None:
    sentence, figure = rng.choice(_RHETORIC)
    return single(
        rng,
        f"下列句子运用的修辞手法是（　　）\n“{sentence}”",
        figure,
        rng.sample([f for f in _FIGURES if f != figure], 3),
        f"这句话主要运用了{figure}的修辞手法。",
        2,
    )


def _bank(stage: str, rows: list[tuple[str, str, list[str], str, tuple[str, ...]]]) -> list[Gen]:
    def maker(row: tuple[str, str, list[str], str, tuple[str, ...]]) -> Gen:
        stem, correct, distractors, why, kps = row
        return Gen(
            "英语",
            stage,
            kps,
            None,
            lambda rng: single(
                rng, stem.replace("____", BLANK), correct, list(distractors), why, 2
            ),
        )

    return [maker(r) for r in rows]


GENS: list[Gen] = [
    Gen(
        "英语", "初中", ("一般现在时", "一般过去时", "现在进行时", "一般将来时"), None, tense_choice
    ),
    Gen(
        "英语",
        "初中",
        ("形容词比较级",),
        (8, "Unit 3 I'm more outgoing than my sister."),
        comparative,
    ),
    Gen(
        "英语", "初中", ("形容词最高级",), (8, "Unit 4 What's the best movie theater?"), superlative
    ),
    Gen("英语", "初中", ("名词复数",), None, plural),
    Gen("英语", "初中", ("时间介词",), None, time_preposition),
    *_bank("初中", _ENGLISH_JUNIOR_BANK),
    *_bank("高中", _ENGLISH_SENIOR_BANK),
    Gen("英语", "高中", ("派生词",), None, word_formation),
    *_poem_gens("初中"),
    *_poem_gens("高中"),
    *_work_gens("初中"),
    *_work_gens("高中"),
    Gen("语文", "初中", ("修辞手法",), None, rhetoric),
]
