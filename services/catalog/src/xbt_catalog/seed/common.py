"""Shared pieces of the demo generators: dates, providers, ids, Chinese numerals."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

Doc = dict[str, Any]

# The content is written as of the spring semester of 2020, which was to start on Monday 17
# February, and published over the months before; the seed moves every date by as many days
# as the seed day is after that one (`shift_dates`), so the demo is always recent. The TV
# schedule is laid out around the seed day itself (data/tv.json).
SEMESTER_START = datetime(2020, 2, 17, tzinfo=UTC)
REFERENCE_DAY = SEMESTER_START.date()
BEIJING = timezone(timedelta(hours=8), "CST")
PUBLISH_FROM = datetime(2019, 9, 1, tzinfo=UTC)
PUBLISH_TO = datetime(2020, 2, 14, tzinfo=UTC)

# A reserved domain: demo media never resolve to anybody's real server.
MEDIA_BASE = "https://media.xuebuting.example"

CITY_NAME = "天津市教育委员会"
CITY_PROVIDER: Doc = {"level": "city", "tenant": "city", "school_id": None, "name": CITY_NAME}

STAGE_CODES = {"小学": "xx", "初中": "cz", "高中": "gz"}

SUBJECT_PINYIN: dict[str, str] = {
    "语文": "yuwen",
    "数学": "shuxue",
    "英语": "yingyu",
    "道德与法治": "daodefazhi",
    "科学": "kexue",
    "物理": "wuli",
    "化学": "huaxue",
    "生物": "shengwu",
    "历史": "lishi",
    "地理": "dili",
    "思想政治": "zhengzhi",
    "信息技术": "xinxi",
    "音乐": "yinyue",
    "美术": "meishu",
    "体育与健康": "tiyu",
}
PINYIN_SUBJECT = {v: k for k, v in SUBJECT_PINYIN.items()}


CN_NUMERALS = "零一二三四五六七八九十"


def seed_moment(now: datetime | None = None) -> datetime:
    """When the seed runs: `now` (aware) if given, else the current time."""
    return now if now is not None else datetime.now(UTC)


def seed_day(now: datetime) -> date:
    """The seed's day in Beijing."""
    return now.astimezone(BEIJING).date()


def days_after_reference(now: datetime) -> int:
    """How many days the seed day is after REFERENCE_DAY (what `shift_dates` moves by)."""
    return (seed_day(now) - REFERENCE_DAY).days


def shift_dates(value: Any, days: int) -> Any:
    """`value` with every datetime in it (nested dicts and lists too) `days` later; the
    containers are changed in place and returned."""
    if isinstance(value, datetime):
        return value + timedelta(days=days)
    if isinstance(value, dict):
        for k, v in value.items():
            value[k] = shift_dates(v, days)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            value[i] = shift_dates(v, days)
    return value


def cn_number(n: int) -> str:
    """1 -> 一, 12 -> 十二, 20 -> 二十 (for n < 100)."""
    if n <= 10:
        return CN_NUMERALS[n]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else CN_NUMERALS[tens]
    return head + "十" + (CN_NUMERALS[ones] if ones else "")


def provider(level: str, tenant: str, school_id: str | None, name: str) -> Doc:
    return {"level": level, "tenant": tenant, "school_id": school_id, "name": name}


def city_provider(name: str = CITY_NAME) -> Doc:
    return provider("city", "city", None, name)


def spread(
    rng: random.Random, start: datetime = PUBLISH_FROM, end: datetime = PUBLISH_TO
) -> datetime:
    """A moment between start and end, rounded to the minute, during office hours (UTC+8)."""
    days = (end - start).days
    day = start + timedelta(days=rng.randrange(days))
    # 08:00-18:00 Beijing time is 00:00-10:00 UTC.
    return day + timedelta(hours=rng.randrange(0, 10), minutes=rng.randrange(60))


def stamps(published_at: datetime, rng: random.Random) -> tuple[datetime, datetime]:
    """created_at a few days before publishing, updated_at at publishing or a little after."""
    created = published_at - timedelta(days=rng.randrange(1, 15), hours=rng.randrange(8))
    updated = published_at + timedelta(days=rng.choice((0, 0, 0, 1, 3, 7)))
    return created, updated


def skewed_views(rng: random.Random, boost: float = 1.0) -> int:
    """A long-tailed view count: most resources a few hundred, a few tens of thousands."""
    return int(rng.lognormvariate(5.2, 1.35) * boost)
