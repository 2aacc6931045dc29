"""智学网题库: knowledge-point trees and about 2,000 items linked to them and to textbook
lessons."""

from __future__ import annotations

import random

from xbt_catalog.seed.common import (
    STAGE_CODES,
    SUBJECT_PINYIN,
    Doc,
    city_provider,
    spread,
    stamps,
)
from xbt_catalog.seed.data import sheet
from xbt_catalog.seed.items import language, mathematics, science
from xbt_catalog.seed.items.common import BLANK, Gen, single
from xbt_catalog.seed.textbooks import lessons_of, textbooks
from xbt_shared.curriculum import STAGES

ITEM_PROVIDER = "智学网题库（科大讯飞）"

# Items per (subject, stage); a template bank that runs out of distinct items leaves its
# share to 初中数学, whose templates never run dry.
QUOTAS: dict[tuple[str, str], int] = {
    ("数学", "小学"): 300,
    ("数学", "初中"): 450,
    ("数学", "高中"): 310,
    ("物理", "初中"): 190,
    ("物理", "高中"): 130,
    ("化学", "初中"): 150,
    ("化学", "高中"): 110,
    ("英语", "初中"): 160,
    ("英语", "高中"): 40,
    ("语文", "初中"): 90,
    ("语文", "高中"): 70,
}
TOTAL_ITEMS = sum(QUOTAS.values())


def kp_prefix(subject: str, stage: str) -> str:
    return f"kp-{SUBJECT_PINYIN[subject]}-{STAGE_CODES[stage]}"


def knowledge_points() -> list[Doc]:
    """Knowledge-point trees: `path` lists ancestor ids from the root, `depth` 0 is a root.
    Ids encode the position, e.g. kp-shuxue-cz-2.1.3 (the `number` in knowledge_points.csv,
    whose rows list every tree depth first, a parent before its children)."""
    docs: list[Doc] = []
    by_id: dict[str, Doc] = {}
    rng = random.Random(20200120)
    for row in sheet("knowledge_points.csv"):
        subject, stage, number = row["subject"], row["stage"], row["number"]
        prefix = kp_prefix(subject, stage)
        parent_number, _, order = number.rpartition(".")
        parent = by_id[f"{prefix}-{parent_number}"] if parent_number else None
        path = [*parent["path"], parent["_id"]] if parent else []
        created = spread(rng)
        doc: Doc = {
            "_id": f"{prefix}-{number}",
            "subject": subject,
            "stage": stage,
            "parent_id": parent["_id"] if parent else None,
            "name": row["name"],
            "path": path,
            "depth": len(path),
            "order": int(order),
            "created_at": created,
            "updated_at": created,
        }
        docs.append(doc)
        by_id[doc["_id"]] = doc
    return docs


def _kp_index(kps: list[Doc]) -> dict[tuple[str, str, str], str]:
    index: dict[tuple[str, str, str], str] = {}
    for kp in kps:
        key = (kp["subject"], kp["stage"], kp["name"])
        if key in index:
            raise ValueError(f"duplicate knowledge point name {key}")
        index[key] = kp["_id"]
    return index


def _lesson_finder(tbs: list[Doc]) -> dict[tuple[str, int, str], tuple[str, int]]:
    cache: dict[tuple[str, int, str], tuple[str, int]] = {}
    lessons = lessons_of(tbs)

    def find(subject: str, grade: int, words: str) -> tuple[str, int]:
        key = (subject, grade, words)
        if key not in cache:
            for lesson in lessons:
                if (
                    lesson.subject == subject
                    and lesson.grade == grade
                    and words in (lesson.title if subject != "英语" else lesson.unit_title)
                ):
                    cache[key] = (lesson.id, lesson.grade)
                    break
            else:
                raise LookupError(f"no {subject} lesson in grade {grade} matching {words!r}")
        return cache[key]

    for gen in _all_gens():
        if gen.lesson:
            find(gen.subject, *gen.lesson)
    return cache


def _all_gens() -> list[Gen]:
    return [*mathematics.GENS, *science.GENS, *language.GENS]


def _as_single(rng: random.Random, item: Doc) -> Doc:
    """Turn a one-blank fill item with an integer key into a single-choice item, so the bank
    has a realistic mix of types; distractors are the usual slips (off by one, sign, x10)."""
    answers = item["answer"]
    if (
        len(answers) != 1
        or not answers[0][0].lstrip("-").isdigit()
        or item["stem"].count(BLANK) != 1
    ):
        return item
    value = int(answers[0][0])
    wrong = [value + 1, value - 1, -value if value else 2, value * 10 if value else -1, value + 2]
    # Counts, lengths and speeds are never negative: keep the distractors on the same side.
    plausible = [w for w in dict.fromkeys(wrong) if w != value and (value <= 0 or w > 0)]
    distractors = [str(w) for w in plausible][:3]
    stem = item["stem"].replace(BLANK, "（　　）")
    converted = single(rng, stem, str(value), distractors, item["explanation"], item["difficulty"])
    return converted or item


def build_items(tbs: list[Doc], kps: list[Doc]) -> list[Doc]:
    rng = random.Random(20200131)
    kp_ids = _kp_index(kps)
    lessons = _lesson_finder(tbs)
    gens = _all_gens()
    seen: set[str] = set()
    docs: list[Doc] = []

    def make(gen: Gen) -> bool:
        for _ in range(12):
            item = gen.make(rng)
            if item is None:
                continue
            key = (
                item["stem"]
                + "|"
                + "|".join(o["text"] for o in sorted(item["options"], key=lambda o: o["text"]))
            )
            if key in seen:
                continue
            seen.add(key)
            names = item.pop("kp_names", gen.kps)
            if item["type"] == "fill" and rng.random() < 0.3:
                item = _as_single(rng, item)
            if gen.lesson:
                node, grade = lessons[(gen.subject, *gen.lesson)]
                nodes, grades = [node], list(gen.grades or (grade,))
            else:
                nodes, grades = [], list(gen.grades or STAGES[gen.stage])
            published = spread(rng)
            created, updated = stamps(published, rng)
            docs.append(
                {
                    "_id": f"item-{len(docs) + 1:05d}",
                    **item,
                    "knowledge_point_ids": [
                        kp_ids[(gen.subject, gen.stage, name)] for name in names
                    ],
                    "textbook_node_ids": nodes,
                    "subject": gen.subject,
                    "stage": gen.stage,
                    "grades": grades,
                    "provider": city_provider(ITEM_PROVIDER),
                    "status": "published",
                    "published_at": published,
                    "created_at": created,
                    "updated_at": updated,
                }
            )
            return True
        return False

    shortfall = 0
    for (subject, stage), quota in QUOTAS.items():
        pool = [g for g in gens if g.subject == subject and g.stage == stage]
        made, live = 0, list(pool)
        while made < quota and live:
            for gen in list(live):
                if made >= quota:
                    break
                if make(gen):
                    made += 1
                else:
                    live.remove(gen)
        shortfall += quota - made
    top_up = [g for g in gens if g.subject == "数学" and g.stage == "初中"]
    while shortfall > 0:
        for gen in top_up:
            if shortfall and make(gen):
                shortfall -= 1
    return docs


def items() -> list[Doc]:
    """About 2,000 question items (see `items.common` for the answer shapes)."""
    return build_items(textbooks(), knowledge_points())
