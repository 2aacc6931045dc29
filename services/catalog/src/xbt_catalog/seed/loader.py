"""The catalog's demo content as MongoDB documents, built from the data files in `data/`.

The content (tables of contents, knowledge points, question banks, courses, the TV topics,
schools and names) lives in `data/` as JSON and CSV; the modules beside this one turn it into
documents, and generate the volume (a recording per lesson, courseware, views, dates) with
seeded random streams, so the result is deterministic for a given day. Dates are relative
to the day the seed runs (Beijing time): the content is written as of 2020-02-17
(`common.REFERENCE_DAY`) and every date is moved by as many days as the seed day is after it;
the TV schedule is laid out around the seed day (`data/tv.json`: from 14 days before to 14
days after), so today always has review lessons for grades 9 and 12.

Every function takes `now` (the seed moment, default the current time) and returns a fresh
list of plain dicts (MongoDB documents with a string `_id` and UTC-aware `created_at` /
`updated_at`); calling it twice with the same `now` gives equal lists. The seeding code
inserts the missing ones, so seeding on a later day adds that day's broadcasts and replays.

- `textbooks()`         149 人教版 textbooks, grades 1-12, with unit / lesson trees. 高中 volumes
                        are 必修 / 选择性必修 ("必修第一册" ...) in the same `volume` field
                        (see SENIOR_VOLUME_NAMES); node ids are `<textbook id>.u<n>[.l<m>]`.
- `resources()`         4,864 resources res-00137 to res-05000, and the replay recordings of
                        the TV broadcasts ended by `now` (res-tv-<date>-<grade>-<n>, kind
                        "recording", tag 复习专题).
- `courses()`           开放学堂: 11 空中课堂 electives and the 博学乐园 calligraphy courses
                        (160 硬笔/毛笔 lessons, 89 + 200 videos).
- `tv_schedule()`       29 days of 毕业年级复习专题课 for grades 9 and 12 around the seed day
                        (six lessons per grade on school days, two at weekends).
- `knowledge_points()`  knowledge-point trees for 11 (subject, stage) pairs.
- `items()`             2,000 question items; fill answers are one list of accepted strings
                        per blank, e.g. [["2"], ["-1"]].
- `all_documents()`     all of the above at once (the textbooks are built only once).
"""

from __future__ import annotations

from datetime import datetime

from xbt_catalog.seed import bank
from xbt_catalog.seed import courses as _courses
from xbt_catalog.seed import textbooks as _textbooks
from xbt_catalog.seed.common import (
    MEDIA_BASE,
    REFERENCE_DAY,
    SEMESTER_START,
    Doc,
    days_after_reference,
    seed_moment,
    shift_dates,
)
from xbt_catalog.seed.courses import (
    CALLIGRAPHY_LESSONS,
    KAISHU_84_VIDEOS,
    OPEN_SCHOOL_CATEGORIES,
    PROGRAMS,
    TIAN_YUNZHANG_LECTURES,
)
from xbt_catalog.seed.resources import TOTAL_RESOURCES, build_resources, resources
from xbt_catalog.seed.textbooks import SENIOR_VOLUME_NAMES
from xbt_catalog.seed.tv import TV_DAYS, tv_schedule


def _as_of(docs: list[Doc], now: datetime | None) -> list[Doc]:
    """Content written as of REFERENCE_DAY, dated as of the seed day instead."""
    shifted: list[Doc] = shift_dates(docs, days_after_reference(seed_moment(now)))
    return shifted


def textbooks(now: datetime | None = None) -> list[Doc]:
    return _as_of(_textbooks.textbooks(), now)


def courses(now: datetime | None = None) -> list[Doc]:
    return _as_of(_courses.courses(), now)


def knowledge_points(now: datetime | None = None) -> list[Doc]:
    return _as_of(bank.knowledge_points(), now)


def items(now: datetime | None = None) -> list[Doc]:
    return _as_of(bank.items(), now)


def all_documents(now: datetime | None = None) -> dict[str, list[Doc]]:
    """Every demo document, keyed by the generator's name, as of `now` (default: the
    current time): the seed day decides every date."""
    moment = seed_moment(now)
    tbs = _textbooks.textbooks()
    kps = bank.knowledge_points()
    built = build_resources(tbs, moment)
    item_docs = bank.build_items(tbs, kps)
    return {
        "textbooks": _as_of(tbs, moment),
        "resources": built,
        "courses": courses(moment),
        "tv_schedule": tv_schedule(moment),
        "knowledge_points": _as_of(kps, moment),
        "items": _as_of(item_docs, moment),
    }


__all__ = [
    "CALLIGRAPHY_LESSONS",
    "KAISHU_84_VIDEOS",
    "MEDIA_BASE",
    "OPEN_SCHOOL_CATEGORIES",
    "PROGRAMS",
    "REFERENCE_DAY",
    "SEMESTER_START",
    "SENIOR_VOLUME_NAMES",
    "TIAN_YUNZHANG_LECTURES",
    "TOTAL_RESOURCES",
    "TV_DAYS",
    "all_documents",
    "courses",
    "items",
    "knowledge_points",
    "resources",
    "textbooks",
    "tv_schedule",
]
