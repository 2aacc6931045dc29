"""毕业年级复习专题课 on 天津有线电视: two weeks of broadcasts for grades 9 and 12, and the
replay recording of every slot.

The replay recordings are ordinary `recording` resources (tagged 复习专题) with the first ids,
res-00001 onwards; `resources()` includes them, so seeding resources() seeds them too.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from xbt_catalog.seed.common import MEDIA_BASE, SEMESTER_START, Doc, city_provider, skewed_views
from xbt_catalog.seed.data import records
from xbt_catalog.seed.people import Teachers

TV_DAYS = 14
WEEKDAYS_CN = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")

# grade -> (channel, channel number on 天津有线 digital TV, exam name)
CHANNELS: dict[int, tuple[str, int, str]] = {
    9: ("天津教育频道", 105, "中考"),
    12: ("天津科教频道", 107, "高考"),
}

# Beijing-time slots on weekdays and on weekends.
_WEEKDAY_TIMES = {
    9: [
        ("08:30", "09:10"),
        ("09:20", "10:00"),
        ("10:10", "10:50"),
        ("14:00", "14:40"),
        ("14:50", "15:30"),
        ("15:40", "16:20"),
    ],
    12: [
        ("08:00", "08:40"),
        ("08:50", "09:30"),
        ("09:40", "10:20"),
        ("13:30", "14:10"),
        ("14:20", "15:00"),
        ("15:10", "15:50"),
    ],
}
_WEEKEND_TIMES = [("09:00", "09:40"), ("10:00", "10:40")]

_TOPICS: dict[tuple[int, str], list[str]] = {
    (grade, subject): topics
    for grade, subject, topics in records("tv.json", "topics", "grade", "subject", "topics")
}


@dataclass(frozen=True, slots=True)
class Slot:
    id: str
    date: str
    weekday: str
    grade: int
    n: int
    start: str
    end: str
    subject: str
    title: str
    replay_id: str
    starts_at: datetime
    ends_at: datetime


def _subjects(grade: int, day: int, weekend: bool) -> list[str]:
    if weekend:
        saturday = day % 7 == 5
        if grade == 9:
            return ["数学", "英语"] if saturday else ["语文", "化学"]
        return ["数学", "物理"] if saturday else ["语文", "英语"]
    if grade == 9:
        return ["语文", "数学", "英语", "物理", "化学", "道德与法治" if day % 2 == 0 else "历史"]
    electives = ["物理", "化学", "生物"] if day % 2 == 0 else ["思想政治", "历史", "地理"]
    return ["语文", "数学", "英语", *electives]


def _at(day: datetime, hhmm: str) -> datetime:
    hours, minutes = map(int, hhmm.split(":"))
    # Schedule times are Beijing time (UTC+8); stored datetimes are UTC.
    return day + timedelta(hours=hours - 8, minutes=minutes)


def slots() -> list[Slot]:
    out: list[Slot] = []
    used: dict[tuple[int, str], int] = {}
    for day_n in range(TV_DAYS):
        day = SEMESTER_START + timedelta(days=day_n)
        weekend = day.weekday() >= 5
        for grade in (9, 12):
            exam = CHANNELS[grade][2]
            times = _WEEKEND_TIMES if weekend else _WEEKDAY_TIMES[grade]
            for n, (subject, (start, end)) in enumerate(
                zip(
                    _subjects(grade, day.weekday() if weekend else day_n, weekend),
                    times,
                    strict=True,
                ),
                1,
            ):
                k = used.get((grade, subject), 0)
                used[(grade, subject)] = k + 1
                topic = _TOPICS[(grade, subject)][k % len(_TOPICS[(grade, subject)])]
                date = day.date().isoformat()
                out.append(
                    Slot(
                        id=f"tv-{date}-{grade}-{n}",
                        date=date,
                        weekday=WEEKDAYS_CN[day.weekday()],
                        grade=grade,
                        n=n,
                        start=start,
                        end=end,
                        subject=subject,
                        title=f"{exam}{subject}复习专题：{topic}",
                        replay_id=f"res-{len(out) + 1:05d}",
                        starts_at=_at(day, start),
                        ends_at=_at(day, end),
                    )
                )
    return out


def tv_schedule() -> list[Doc]:
    docs: list[Doc] = []
    for s in slots():
        channel, channel_no, _ = CHANNELS[s.grade]
        docs.append(
            {
                "_id": s.id,
                "date": s.date,
                "weekday": s.weekday,
                "channel": channel,
                "channel_no": channel_no,
                "start": s.start,
                "end": s.end,
                "starts_at": s.starts_at,
                "ends_at": s.ends_at,
                "grade": s.grade,
                "stage": "初中" if s.grade == 9 else "高中",
                "subject": s.subject,
                "title": s.title,
                "replay_resource_id": s.replay_id,
                "created_at": SEMESTER_START - timedelta(days=3),
                "updated_at": SEMESTER_START - timedelta(days=3),
            }
        )
    return docs


def replay_resources(teachers: Teachers, rng: random.Random) -> list[Doc]:
    """The recording behind each broadcast, published when the broadcast ends."""
    docs: list[Doc] = []
    for s in slots():
        channel, channel_no, exam = CHANNELS[s.grade]
        stage = "初中" if s.grade == 9 else "高中"
        teacher = teachers.pick(stage, s.subject)
        duration = 40 * 60 + rng.randrange(-90, 30)
        docs.append(
            {
                "_id": s.replay_id,
                "kind": "recording",
                "title": f"{s.title}（电视课堂回放）",
                "description": (
                    f"天津市教育科学研究院组织{s.subject}学科名师录制的{exam}复习专题课，"
                    f"{s.date}（{s.weekday}）{s.start} "
                    f"在天津有线电视{channel}（{channel_no}频道）首播。"
                    f"主讲：{teacher.school} {teacher.name}。"
                ),
                "subject": s.subject,
                "stage": stage,
                "grades": [s.grade],
                "textbook_node_ids": [],
                "media": {
                    "url": f"{MEDIA_BASE}/tv/{s.id}.mp4",
                    "duration_s": duration,
                    "size_bytes": duration * rng.randrange(150_000, 250_000),
                    "format": "mp4",
                },
                "provider": city_provider("天津市教育科学研究院"),
                "teacher": {"name": teacher.name, "school": teacher.school},
                "tags": ["复习专题", "毕业年级", f"{exam}复习", "天津有线电视", s.subject],
                "guest_visible": True,
                "status": "published",
                "category": None,
                "enrichment_kind": None,
                "tv_slot_id": s.id,
                "published_at": s.ends_at,
                "views": skewed_views(rng, 6.0),
                "created_by": "u-city-admin1",
                "created_at": s.starts_at - timedelta(days=5),
                "updated_at": s.ends_at,
            }
        )
    return docs
