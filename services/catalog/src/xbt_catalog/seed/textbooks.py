"""人教版 digital textbooks for the 12 grades, with their unit / lesson trees."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from xbt_catalog.seed.common import (
    MEDIA_BASE,
    SUBJECT_PINYIN,
    Doc,
    city_provider,
    cn_number,
    spread,
    stamps,
)
from xbt_catalog.seed.data import sheet, split_list
from xbt_shared.curriculum import GRADE_NAMES, stage_of

# 高中 textbooks (2019 edition) are not split into 上册 / 下册 but into 必修 and 选择性必修
# volumes; the demo stores those names in the same `volume` field.
SENIOR_VOLUME_NAMES = (
    "必修第一册",
    "必修第二册",
    "必修第三册",
    "必修第四册",
    "选择性必修第一册",
    "选择性必修第二册",
    "选择性必修第三册",
    "选择性必修第四册",
)
VOLUME_CODES: dict[str, str] = {
    "上册": "shang",
    "下册": "xia",
    **{name: f"bx{i}" for i, name in enumerate(SENIOR_VOLUME_NAMES[:4], 1)},
    **{name: f"xb{i}" for i, name in enumerate(SENIOR_VOLUME_NAMES[4:], 1)},
}

_ENGLISH_LESSONS = {
    "小学": [
        "Part A Let's talk",
        "Part A Let's learn",
        "Part B Let's talk",
        "Part B Read and write",
        "Part C Story time",
    ],
    "初中": [
        "Section A (1a-2d)",
        "Section A (Grammar Focus-3c)",
        "Section B (1a-1e)",
        "Section B (2a-2e)",
        "Section B (3a-Self Check)",
    ],
    "高中": [
        "Listening and Speaking",
        "Reading and Thinking",
        "Discovering Useful Structures",
        "Listening and Talking",
        "Reading for Writing",
        "Assessing Your Progress",
    ],
}

_UNIT_PREFIX = re.compile(r"^(第[一二三四五六七八九十]+(?:单元|章|课)|Unit \d+)\s*")
_LESSON_PREFIX = re.compile(
    r"^(\d+(?:\.\d+)*\s+|第[\d一二三四五六七八九十]+[课节]\s*|课题\d+\s*|\*)"
)


@dataclass(frozen=True, slots=True)
class Lesson:
    """A lesson node with what the resource generators need to know about it."""

    id: str
    title: str
    unit_id: str
    unit_title: str
    textbook_id: str
    subject: str
    stage: str
    grade: int
    volume: str

    @property
    def name(self) -> str:
        """The lesson's name without its number, e.g. 消元——解二元一次方程组."""
        if self.subject == "英语":
            return f"{self.unit_title} {self.title}"
        return lesson_core(self.title)


def lesson_core(title: str) -> str:
    return _LESSON_PREFIX.sub("", title).strip() or title


def unit_core(title: str) -> str:
    return _UNIT_PREFIX.sub("", title).strip() or title


def textbook_id(subject: str, grade: int, volume: str) -> str:
    return f"tb-{SUBJECT_PINYIN[subject]}-g{grade}-{VOLUME_CODES[volume]}"


def _renumber(title: str, n: int) -> str:
    m = _UNIT_PREFIX.match(title)
    if not m:
        return title
    head = m.group(1)
    rest = title[m.end() :]
    if head.startswith("Unit"):
        return f"Unit {n} {rest}"
    return f"第{cn_number(n)}{head[-2:] if head.endswith('单元') else head[-1]} {rest}"


def _fallback_lessons(subject: str, stage: str, unit: str) -> list[str]:
    if subject == "英语":
        return list(_ENGLISH_LESSONS[stage])
    core = unit_core(unit)
    return [f"{core}（第一课时）", f"{core}（第二课时）", f"{core} 单元复习"]


def _volumes() -> list[tuple[str, int, str, str]]:
    """(subject, grade, volume, subtitle) for every textbook, in the order of textbooks.csv."""
    return [
        (row["subject"], int(row["grade"]), row["volume"], row["subtitle"])
        for row in sheet("textbooks.csv")
    ]


Outline = list[tuple[str, list[str]]]


def _trees() -> dict[tuple[str, int, str], Outline]:
    """Every volume's (unit, lessons) outline: its table of contents from toc.csv where we
    have it, otherwise units dealt out from the subject's pool in unit_pool.csv."""
    trees: dict[tuple[str, int, str], Outline] = {}
    for row in sheet("toc.csv"):
        key = (row["subject"], int(row["grade"]), row["volume"])
        trees.setdefault(key, []).append((row["unit"], split_list(row["lessons"])))
    pools: dict[str, Outline] = {}
    for row in sheet("unit_pool.csv"):
        pools.setdefault(row["subject"], []).append((row["unit"], split_list(row["lessons"])))
    missing: dict[str, list[tuple[str, int, str]]] = {}
    for subject, grade, volume, _ in _volumes():
        if (subject, grade, volume) not in trees:
            missing.setdefault(subject, []).append((subject, grade, volume))
    for subject, wanted in missing.items():
        pool = pools[subject]
        per = min(6, max(1, len(pool) // len(wanted)))
        for i, volume_key in enumerate(wanted):
            last = i == len(wanted) - 1
            chunk = pool[i * per : (i + 1) * per] if not last else pool[i * per :][:6]
            trees[volume_key] = [(_renumber(u, n), ls) for n, (u, ls) in enumerate(chunk, 1)]
    return trees


def textbooks() -> list[Doc]:
    """Every 人教版 textbook the platform carries: 小学 and 初中 in 上册 / 下册, 高中 in 必修 /
    选择性必修 volumes (stored in `volume`, e.g. "必修第一册"; see SENIOR_VOLUME_NAMES)."""
    rng = random.Random(20200128)
    trees = _trees()
    docs: list[Doc] = []
    for subject, grade, volume, subtitle in _volumes():
        stage = stage_of(grade)
        tid = textbook_id(subject, grade, volume)
        tree: list[Doc] = []
        for u, (unit, lessons) in enumerate(trees[(subject, grade, volume)], 1):
            uid = f"{tid}.u{u}"
            names = lessons or _fallback_lessons(subject, stage, unit)
            tree.append(
                {
                    "id": uid,
                    "title": unit,
                    "kind": "unit",
                    "children": [
                        {"id": f"{uid}.l{m}", "title": lesson, "kind": "lesson"}
                        for m, lesson in enumerate(names, 1)
                    ],
                }
            )
        if stage == "高中":
            title = f"人教版 高中{subject} {volume}" + (f"（{subtitle}）" if subtitle else "")
            spring = SENIOR_VOLUME_NAMES.index(volume) % 2 == 1
        else:
            title = f"人教版 {GRADE_NAMES[grade]}{volume} {subject}"
            spring = volume == "下册"
        # Autumn volumes went up before the autumn term, spring ones in January.
        published = (
            spread(rng, datetime(2020, 1, 2, tzinfo=UTC), datetime(2020, 2, 10, tzinfo=UTC))
            if spring
            else spread(rng, datetime(2019, 7, 15, tzinfo=UTC), datetime(2019, 8, 25, tzinfo=UTC))
        )
        created, updated = stamps(published, rng)
        docs.append(
            {
                "_id": tid,
                "edition": "人教版",
                "stage": stage,
                "grade": grade,
                "subject": subject,
                "volume": volume,
                "subtitle": subtitle or None,
                "title": title,
                "read_url": f"{MEDIA_BASE}/textbooks/{tid}/reader",
                "download_url": f"{MEDIA_BASE}/textbooks/{tid}.pdf",
                "cover_url": f"{MEDIA_BASE}/textbooks/{tid}/cover.jpg",
                "tree": tree,
                "provider": city_provider(),
                "status": "published",
                # The guest account reaches the volumes of the current (spring) semester.
                "guest_visible": spring,
                "published_at": published,
                "created_at": created,
                "updated_at": updated,
            }
        )
    return docs


def lessons_of(docs: list[Doc]) -> list[Lesson]:
    out: list[Lesson] = []
    for tb in docs:
        for unit in tb["tree"]:
            for node in unit["children"]:
                out.append(
                    Lesson(
                        id=node["id"],
                        title=node["title"],
                        unit_id=unit["id"],
                        unit_title=unit["title"],
                        textbook_id=tb["_id"],
                        subject=tb["subject"],
                        stage=tb["stage"],
                        grade=tb["grade"],
                        volume=tb["volume"],
                    )
                )
    return out
