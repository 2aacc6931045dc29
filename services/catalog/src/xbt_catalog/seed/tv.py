"""毕业年级复习专题课 on 天津有线电视: broadcasts for grades 9 and 12 around the day the seed
runs (the window in data/tv.json, in days from the seed day, Beijing time), and the replay
recording of every broadcast that has ended.

A day's lessons depend on its date alone (subjects alternate by the date, topics go round by
it), so seeding again on a later day adds the new days and keeps the ones already there. The
replay of slot `tv-<date>-<grade>-<n>` is the `recording` resource `res-tv-<date>-<grade>-<n>`
(tagged 复习专题), published when the broadcast ends; `resources()` includes the replays of
the broadcasts that ended before the seed ran, so seeding resources() seeds them too.

The lesson resources were generated after 136 replays of a fixed two weeks from 2020-02-17
and keep the ids (res-00137 onwards) and random draws they had then (`legacy_replay_draws`).
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from xbt_catalog.seed.common import (
    MEDIA_BASE,
    SEMESTER_START,
    Doc,
    city_provider,
    seed_day,
    seed_moment,
    skewed_views,
)
from xbt_catalog.seed.data import records, table
from xbt_catalog.seed.people import Teachers

_WINDOW = table("tv.json", "window")
FIRST_DAY, LAST_DAY = int(_WINDOW["from_day"]), int(_WINDOW["to_day"])
TV_DAYS = LAST_DAY - FIRST_DAY + 1
# The replays generated before the schedule followed the seed day: 14 days from 2020-02-17.
LEGACY_TV_DAYS = 14
LEGACY_REPLAYS = 136
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


def _at(day: date, hhmm: str) -> datetime:
    hours, minutes = map(int, hhmm.split(":"))
    # Schedule times are Beijing time (UTC+8); stored datetimes are UTC.
    midnight = SEMESTER_START.replace(year=day.year, month=day.month, day=day.day)
    return midnight + timedelta(hours=hours - 8, minutes=minutes)


def _day_slots(day: date) -> list[Slot]:
    """The broadcasts of one day, from its date alone."""
    weekend = day.weekday() >= 5
    ordinal = day.toordinal()
    out: list[Slot] = []
    for grade in (9, 12):
        exam = CHANNELS[grade][2]
        times = _WEEKEND_TIMES if weekend else _WEEKDAY_TIMES[grade]
        subjects = _subjects(grade, day.weekday() if weekend else ordinal, weekend)
        for n, (subject, (start, end)) in enumerate(zip(subjects, times, strict=True), 1):
            topics = _TOPICS[(grade, subject)]
            # Each subject moves on to its next topic day by day, round the list.
            topic = topics[(ordinal + n) % len(topics)]
            iso = day.isoformat()
            slot_id = f"tv-{iso}-{grade}-{n}"
            out.append(
                Slot(
                    id=slot_id,
                    date=iso,
                    weekday=WEEKDAYS_CN[day.weekday()],
                    grade=grade,
                    n=n,
                    start=start,
                    end=end,
                    subject=subject,
                    title=f"{exam}{subject}复习专题：{topic}",
                    replay_id=f"res-{slot_id}",
                    starts_at=_at(day, start),
                    ends_at=_at(day, end),
                )
            )
    return out


def slots(now: datetime | None = None) -> list[Slot]:
    """Every broadcast of the window around the seed day, in date order."""
    today = seed_day(seed_moment(now))
    out: list[Slot] = []
    for offset in range(FIRST_DAY, LAST_DAY + 1):
        out += _day_slots(today + timedelta(days=offset))
    return out


def tv_schedule(now: datetime | None = None) -> list[Doc]:
    docs: list[Doc] = []
    for s in slots(now):
        channel, channel_no, _ = CHANNELS[s.grade]
        # Scheduled a few days before the window opened.
        planned = _at(date.fromisoformat(s.date), "00:00") - timedelta(days=3)
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
                "created_at": planned,
                "updated_at": planned,
            }
        )
    return docs


def replay_resources(now: datetime | None = None) -> list[Doc]:
    """The recording behind each broadcast that has ended, published when it ended. A
    replay depends on its slot alone (its own random stream, the subject's teachers)."""
    moment = seed_moment(now)
    docs: list[Doc] = []
    for s in slots(moment):
        if s.ends_at > moment:
            continue
        rng = random.Random(zlib.crc32(s.id.encode()))
        stage = "初中" if s.grade == 9 else "高中"
        teacher = Teachers(zlib.crc32(f"tv-{s.grade}-{s.subject}".encode())).pick(stage, s.subject)
        docs.append(_replay(s, teacher.name, teacher.school, rng))
    return docs


def _replay(s: Slot, teacher: str, school: str, rng: random.Random) -> Doc:
    channel, channel_no, exam = CHANNELS[s.grade]
    stage = "初中" if s.grade == 9 else "高中"
    duration = 40 * 60 + rng.randrange(-90, 30)
    return {
        "_id": s.replay_id,
        "kind": "recording",
        "title": f"{s.title}（电视课堂回放）",
        "description": (
            f"天津市教育科学研究院组织{s.subject}学科名师录制的{exam}复习专题课，"
            f"{s.date}（{s.weekday}）{s.start} "
            f"在天津有线电视{channel}（{channel_no}频道）首播。"
            f"主讲：{school} {teacher}。"
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
        "teacher": {"name": teacher, "school": school},
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


def legacy_replay_draws(teachers: Teachers, rng: random.Random) -> None:
    """Take from `teachers` and `rng` what the 136 replays of the fixed two weeks from
    2020-02-17 took before the lesson resources were generated, so that those keep their
    teachers, dates and counts (other services' demo data names them by id)."""
    for day_n in range(LEGACY_TV_DAYS):
        day = SEMESTER_START + timedelta(days=day_n)
        weekend = day.weekday() >= 5
        for grade in (9, 12):
            for subject in _subjects(grade, day.weekday() if weekend else day_n, weekend):
                teachers.pick("初中" if grade == 9 else "高中", subject)
                rng.randrange(-90, 30)
                rng.randrange(150_000, 250_000)
                skewed_views(rng, 6.0)
