"""Identity rules without I/O: grades and stages, who may manage whom, account states."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from xbt_shared.curriculum import STAGES as STAGES  # re-exported
from xbt_shared.curriculum import SUBJECTS as SUBJECTS
from xbt_shared.curriculum import stage_of as stage_of

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
_CHINESE_DIGITS = {
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
}
_GRADE_ALIASES = {
    "初一": 7,
    "初二": 8,
    "初三": 9,
    "高一": 10,
    "高二": 11,
    "高三": 12,
    "七年级": 7,
    "八年级": 8,
    "九年级": 9,
}


# Roles each administrator may grant when creating an account.
GRANTABLE_ROLES: dict[str, frozenset[str]] = {
    "school_admin": frozenset({"student", "teacher"}),
    "district_admin": frozenset(
        {"student", "teacher", "school_admin", "researcher", "support_agent"}
    ),
    "city_admin": frozenset(
        {
            "student",
            "teacher",
            "school_admin",
            "district_admin",
            "researcher",
            "support_agent",
            "city_admin",
        }
    ),
}
ADMIN_ROLES = frozenset(GRANTABLE_ROLES)


def parse_grade(text: str) -> int | None:
    """A grade from a roster cell: '8', '8年级', '八年级', '初二', '高一' -> 1..12, else None."""
    value = str(text).strip().replace(" ", "")
    if not value:
        return None
    if value in _GRADE_ALIASES:
        return _GRADE_ALIASES[value]
    match = re.fullmatch(r"(\d{1,2})(年级)?", value)
    if match:
        grade = int(match.group(1))
        return grade if 1 <= grade <= 12 else None
    match = re.fullmatch(r"([一二三四五六七八九]|十[一二]?)年级", value)
    if match:
        word = match.group(1)
        grade = (
            10 + _CHINESE_DIGITS.get(word[1:], 0)
            if word.startswith("十")
            else _CHINESE_DIGITS[word]
        )
        return grade if 1 <= grade <= 12 else None
    return None


def parse_class_number(text: str) -> int | None:
    """A class number from a roster cell: '3', '3班', '(3)班', '（3）班' -> 3, else None."""
    value = str(text).strip()
    match = re.fullmatch(r"[\(（]?(\d{1,3})[\)）]?班?", value)
    if not match:
        return None
    number = int(match.group(1))
    return number if number >= 1 else None


def class_display_name(grade: int, number: int) -> str:
    return f"{GRADE_NAMES[grade]}{number}班"


@dataclass(frozen=True)
class Actor:
    """The administrator acting, as far as the rules care."""

    roles: frozenset[str]
    tenant: str
    school: str | None


def can_manage_user(actor: Actor, *, user_school: str | None, user_roles: set[str]) -> bool:
    """Password resets and disabling: school admins for their school's pupils and teachers,
    district admins for their district, city admins everywhere."""
    if "city_admin" in actor.roles:
        return True
    if "city_admin" in user_roles:
        return False
    if "district_admin" in actor.roles:
        return "district_admin" not in user_roles
    if "school_admin" in actor.roles:
        return (
            actor.school is not None
            and user_school == actor.school
            and user_roles <= {"student", "teacher"}
        )
    return False


def can_grant(actor_roles: frozenset[str], roles: set[str]) -> bool:
    allowed: set[str] = set()
    for role in actor_roles & ADMIN_ROLES:
        allowed |= GRANTABLE_ROLES[role]
    return bool(roles) and roles <= allowed


def guest_window_open(
    *, enabled: bool, valid_from: datetime | None, valid_until: datetime | None, now: datetime
) -> bool:
    if not enabled:
        return False
    if valid_from and now < valid_from:
        return False
    return not (valid_until and now >= valid_until)
