"""The school system every service speaks of: stages, grades and subjects.

One vocabulary for identity (who teaches what), the catalog (what content is for) and the
services to come. `Stage` and `Subject` are Literal types so request models can use them
directly and answer 422 for anything else.
"""

from __future__ import annotations

from typing import Literal, get_args

Stage = Literal["小学", "初中", "高中"]
Subject = Literal[
    "语文",
    "数学",
    "英语",
    "道德与法治",
    "科学",
    "物理",
    "化学",
    "生物",
    "历史",
    "地理",
    "思想政治",
    "信息技术",
    "音乐",
    "美术",
    "体育与健康",
]

SUBJECTS: tuple[str, ...] = get_args(Subject)
# 小学 grades 1-6, 初中 7-9, 高中 10-12.
STAGES: dict[str, tuple[int, ...]] = {
    "小学": (1, 2, 3, 4, 5, 6),
    "初中": (7, 8, 9),
    "高中": (10, 11, 12),
}
GRADES = range(1, 13)

# How a school names its grades: 七年级 in the junior years, 高一 in the senior ones.
GRADE_NAMES: dict[int, str] = {
    1: "一年级",
    2: "二年级",
    3: "三年级",
    4: "四年级",
    5: "五年级",
    6: "六年级",
    7: "七年级",
    8: "八年级",
    9: "九年级",
    10: "高一",
    11: "高二",
    12: "高三",
}
# The graduating years as everyone calls them (初三 for 九年级): the TV review lessons' audiences.
_SPOKEN = {7: "初一", 8: "初二", 9: "初三"}


def grade_label(grade: int) -> str:
    """The grade as it is spoken: 初一–初三 in junior school, otherwise its grade name."""
    return _SPOKEN.get(grade) or GRADE_NAMES[grade]


def stage_of(grade: int) -> str:
    for stage, grades in STAGES.items():
        if grade in grades:
            return stage
    raise ValueError(f"grade {grade} is outside 1-12")
