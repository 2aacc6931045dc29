"""The catalog's demo content as MongoDB documents, built from the data files in `data/`.

The content (tables of contents, knowledge points, question banks, courses, the TV topics,
schools and names) lives in `data/` as JSON and CSV; the modules beside this one turn it into
documents, and generate the volume (a recording per lesson, courseware, views, dates) with
seeded random streams, so the result is deterministic. Dates are fixed: the content is that
of the spring semester 2020 (see `common.SEMESTER_START`).

Every function returns a fresh list of plain dicts (MongoDB documents with a string `_id` and
UTC-aware `created_at` / `updated_at`); calling it twice gives equal lists. The seeding code
inserts them.

- `textbooks()`         149 人教版 textbooks, grades 1-12, with unit / lesson trees. 高中 volumes
                        are 必修 / 选择性必修 ("必修第一册" ...) in the same `volume` field
                        (see SENIOR_VOLUME_NAMES); node ids are `<textbook id>.u<n>[.l<m>]`.
- `resources()`         5,000 resources. The TV replay recordings are res-00001 to res-00136
                        and are part of this list (kind "recording", tag 复习专题).
- `courses()`           开放学堂: 11 空中课堂 electives and the 博学乐园 calligraphy courses
                        (160 硬笔/毛笔 lessons, 89 + 200 videos).
- `tv_schedule()`       14 days of 毕业年级复习专题课 for grades 9 and 12 from 2020-02-17.
- `knowledge_points()`  knowledge-point trees for 11 (subject, stage) pairs.
- `items()`             2,000 question items; fill answers are one list of accepted strings
                        per blank, e.g. [["2"], ["-1"]].
- `all_documents()`     all of the above at once (the textbooks are built only once).
"""

from __future__ import annotations

from xbt_catalog.seed.bank import build_items, items, knowledge_points
from xbt_catalog.seed.common import MEDIA_BASE, SEMESTER_START, Doc
from xbt_catalog.seed.courses import (
    CALLIGRAPHY_LESSONS,
    KAISHU_84_VIDEOS,
    OPEN_SCHOOL_CATEGORIES,
    PROGRAMS,
    TIAN_YUNZHANG_LECTURES,
    courses,
)
from xbt_catalog.seed.resources import TOTAL_RESOURCES, build_resources, resources
from xbt_catalog.seed.textbooks import SENIOR_VOLUME_NAMES, textbooks
from xbt_catalog.seed.tv import TV_DAYS, tv_schedule


def all_documents() -> dict[str, list[Doc]]:
    """Every demo document, keyed by the generator's name."""
    tbs = textbooks()
    kps = knowledge_points()
    return {
        "textbooks": tbs,
        "resources": build_resources(tbs),
        "courses": courses(),
        "tv_schedule": tv_schedule(),
        "knowledge_points": kps,
        "items": build_items(tbs, kps),
    }


__all__ = [
    "CALLIGRAPHY_LESSONS",
    "KAISHU_84_VIDEOS",
    "MEDIA_BASE",
    "OPEN_SCHOOL_CATEGORIES",
    "PROGRAMS",
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
