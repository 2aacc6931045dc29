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


def stage_of(grade: int) -> str:
    for stage, grades in STAGES.items():
        if grade in grades:
            return stage
    raise ValueError(f"grade {grade} is outside 1-12")
