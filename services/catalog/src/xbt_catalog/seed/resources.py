"""Course resources: 一师一优课 recordings for every lesson, courseware, exercises, 示范教学包,
个性化学习 enrichment, district and school resources (res-00137 onwards), and the TV replays
(`res-tv-<date>-<grade>-<n>`, see tv.py)."""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from xbt_catalog.seed.common import (
    MEDIA_BASE,
    Doc,
    city_provider,
    days_after_reference,
    provider,
    seed_moment,
    shift_dates,
    skewed_views,
    spread,
    stamps,
)
from xbt_catalog.seed.data import records, sheet, split_list, table
from xbt_catalog.seed.people import Teachers, teacher_name
from xbt_catalog.seed.textbooks import Lesson, lessons_of, textbooks, unit_core
from xbt_catalog.seed.tv import LEGACY_REPLAYS, legacy_replay_draws, replay_resources
from xbt_shared.curriculum import GRADE_NAMES, stage_of
from xbt_shared.tenancy import DISTRICTS

# The lesson, enrichment, district and school resources (res-00137 to res-05000; the ids
# below were TV replays once). The TV replays come on top (`tv.replay_resources`).
TOTAL_RESOURCES = 5000
LESSON_RESOURCES = TOTAL_RESOURCES - LEGACY_REPLAYS
ENRICHMENT_PER_CATEGORY_KIND = 20

# District-provided resources per district, and the two demo schools' own resources:
# (tenant, school id, school name, subject, author account, author display name).
DISTRICT_COUNTS = {
    "heping": 130,
    "hexi": 130,
    "nankai": 30,
    "binhai": 30,
    "hedong": 20,
    "wuqing": 20,
}
DISTRICT_AUTHORS = {"heping": "u-hp-researcher1", "hexi": "u-hx-districtadmin1"}
SCHOOL_SOURCES = records(
    "resources.json",
    "school_sources",
    "tenant",
    "school_id",
    "school",
    "subject",
    "author",
    "teacher",
)
SCHOOL_COUNT = 30
PACKAGE_SUBJECTS = ("语文", "数学", "英语", "物理", "化学")
CITY_AUTHOR = "u-city-admin1"

_PEDAGOGY = tuple(table("resources.json", "pedagogy"))
_LAB = table("resources.json", "lab_method")
_LAB_SUBJECTS = ("物理", "化学", "生物", "科学")

# 个性化学习 grade bands: p1 = grades 1-3, p2 = 4-6, j = 7-9, s = 10-12. Each enrichment
# series becomes several episodes (第1讲, 第2讲 ...) so every category and kind has about the
# same number of resources.
BANDS: dict[str, tuple[int, ...]] = {
    "p1": (1, 2, 3),
    "p2": (4, 5, 6),
    "j": (7, 8, 9),
    "s": (10, 11, 12),
}
# Enrichment has no school subject of its own; the nearest one, for filters.
CATEGORY_SUBJECT: dict[str, str | None] = table("resources.json", "enrichment_subjects")
# 天津课堂 lessons are given by teachers of these institutions.
TIANJIN_INSTITUTIONS: tuple[str, ...] = tuple(table("resources.json", "tianjin_institutions"))


def _quoted(lesson: Lesson) -> str:
    return lesson.name if lesson.subject == "英语" else f"《{lesson.name}》"


def _titled(lesson: Lesson, suffix: str) -> str:
    """《lesson》suffix, or "Unit 3 ... Section A suffix" for English."""
    quoted = _quoted(lesson)
    return quoted + suffix if quoted.endswith("》") else f"{quoted} {suffix}"


def _lesson_type(title: str) -> str:
    if "实验" in title:
        return "实验课"
    if "复习" in title:
        return "复习课"
    if "课题学习" in title:
        return "课题学习"
    return "新授课"


def _base_tags(lesson: Lesson) -> list[str]:
    tags = [lesson.subject, GRADE_NAMES[lesson.grade], "人教版"]
    core = unit_core(lesson.unit_title)
    if lesson.subject != "英语" and core != lesson.unit_title:
        tags.append(core)
    return tags


class _Builder:
    def __init__(self, rng: random.Random, start: int) -> None:
        self.rng = rng
        self.next = start
        self.docs: list[Doc] = []

    def media(self, rid: str, fmt: str, duration: tuple[int, int] | None = None) -> Doc:
        rng = self.rng
        if fmt == "mp4":
            lo, hi = duration or (2100, 2760)
            secs = rng.randrange(lo, hi)
            return {
                "url": f"{MEDIA_BASE}/resources/{rid}.mp4",
                "duration_s": secs,
                "size_bytes": secs * rng.randrange(150_000, 250_000),
                "format": "mp4",
            }
        size = {
            "pptx": (2_000_000, 25_000_000),
            "pdf": (300_000, 5_000_000),
            "h5": (500_000, 10_000_000),
        }[fmt]
        url = (
            f"{MEDIA_BASE}/h5/{rid}/index.html"
            if fmt == "h5"
            else f"{MEDIA_BASE}/resources/{rid}.{fmt}"
        )
        return {"url": url, "duration_s": None, "size_bytes": rng.randrange(*size), "format": fmt}

    def add(
        self,
        *,
        kind: str,
        title: str,
        description: str,
        subject: str | None,
        stage: str,
        grades: list[int],
        node_ids: list[str],
        fmt: str,
        provider_doc: Doc,
        teacher: Doc | None,
        tags: list[str],
        created_by: str,
        guest_p: float,
        status_p: tuple[float, float] = (0.0, 0.0),
        duration: tuple[int, int] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> Doc:
        rng = self.rng
        rid = f"res-{self.next:05d}"
        self.next += 1
        roll = rng.random()
        draft_p, review_p = status_p
        status = (
            "draft" if roll < draft_p else "in_review" if roll < draft_p + review_p else "published"
        )
        guest = status == "published" and rng.random() < guest_p
        published = spread(rng)
        created, updated = stamps(published, rng)
        boost = (3.0 if guest else 1.0) * (2.0 if any(g in (9, 12) for g in grades) else 1.0)
        doc: Doc = {
            "_id": rid,
            "kind": kind,
            "title": title,
            "description": description,
            "subject": subject,
            "stage": stage,
            "grades": grades,
            "textbook_node_ids": node_ids,
            "media": self.media(rid, fmt, duration),
            "provider": provider_doc,
            "teacher": teacher,
            "tags": list(dict.fromkeys(tags)),
            "guest_visible": guest,
            "status": status,
            "category": None,
            "enrichment_kind": None,
            "published_at": published if status == "published" else None,
            "views": skewed_views(rng, boost) if status == "published" else 0,
            "created_by": created_by,
            "created_at": created,
            "updated_at": updated if status == "published" else created,
        }
        if extra:
            doc.update(extra)
        self.docs.append(doc)
        return doc


def _recording(b: _Builder, lesson: Lesson, teachers: Teachers, period: int | None) -> None:
    rng = b.rng
    t = teachers.pick(lesson.stage, lesson.subject)
    level = "部级优课" if rng.random() < 0.25 else "市级优课"
    year = rng.choice((2016, 2017, 2018, 2019))
    method = (
        _LAB if lesson.subject in _LAB_SUBJECTS and rng.random() < 0.5 else rng.choice(_PEDAGOGY)
    )
    b.add(
        kind="recording",
        title=_titled(lesson, f"第{period}课时 课堂实录" if period else "课堂实录"),
        description=(
            f"{t.school}{t.name}老师执教{GRADE_NAMES[lesson.grade]}{lesson.subject}{_quoted(lesson)}，"
            f"{year}年度“一师一优课、一课一名师”活动{level}。{method}"
        ),
        subject=lesson.subject,
        stage=lesson.stage,
        grades=[lesson.grade],
        node_ids=[lesson.id],
        fmt="mp4",
        provider_doc=city_provider("天津市教育科学研究院"),
        teacher={"name": t.name, "school": t.school},
        tags=["一师一优课", level, *_base_tags(lesson), _lesson_type(lesson.title)],
        created_by=CITY_AUTHOR,
        guest_p=0.12,
        status_p=(0.0, 0.005),
    )


def _courseware(
    b: _Builder,
    lesson: Lesson,
    prov: Doc,
    author: str,
    guest_p: float,
    status_p: tuple[float, float],
    teacher: Doc | None = None,
    extra_tags: tuple[str, ...] = (),
) -> None:
    h5 = b.rng.random() < 0.15
    b.add(
        kind="courseware",
        title=_titled(lesson, "互动课件" if h5 else "教学课件"),
        description=(
            f"{GRADE_NAMES[lesson.grade]}{lesson.subject}{_quoted(lesson)}配套课件，"
            + (
                "含互动练习与即时反馈，可在手机和平板上使用。"
                if h5
                else "内容与人教版教材同步，可直接用于线上授课，也可修改后使用。"
            )
        ),
        subject=lesson.subject,
        stage=lesson.stage,
        grades=[lesson.grade],
        node_ids=[lesson.id],
        fmt="h5" if h5 else "pptx",
        provider_doc=prov,
        teacher=teacher,
        tags=["课件", *_base_tags(lesson), *extra_tags],
        created_by=author,
        guest_p=guest_p,
        status_p=status_p,
    )


def _exercise(
    b: _Builder,
    lesson: Lesson,
    prov: Doc,
    author: str,
    guest_p: float,
    status_p: tuple[float, float],
    teacher: Doc | None = None,
    extra_tags: tuple[str, ...] = (),
    school: bool = False,
) -> None:
    rng = b.rng
    if school:
        title, fmt = _titled(lesson, "导学案"), "pdf"
        what = "校本导学案，含课前预习、课堂探究与课后巩固三部分。"
    elif rng.random() < 0.3:
        title, fmt = _titled(lesson, "在线同步练习"), "h5"
        what = "在线同步练习，提交后自动批改并给出解析。"
    else:
        title, fmt = _titled(lesson, "课时练习（含答案）"), "pdf"
        what = "分层课时练习，分基础、提升、拓展三个层次，附参考答案。"
    b.add(
        kind="exercise",
        title=title,
        description=f"{GRADE_NAMES[lesson.grade]}{lesson.subject}{_quoted(lesson)}{what}",
        subject=lesson.subject,
        stage=lesson.stage,
        grades=[lesson.grade],
        node_ids=[lesson.id],
        fmt=fmt,
        provider_doc=prov,
        teacher=teacher,
        tags=["练习", "同步练习", *_base_tags(lesson), *extra_tags],
        created_by=author,
        guest_p=guest_p,
        status_p=status_p,
    )


def _units(lessons: list[Lesson]) -> list[list[Lesson]]:
    units: dict[str, list[Lesson]] = {}
    for lesson in lessons:
        units.setdefault(lesson.unit_id, []).append(lesson)
    return list(units.values())


def _teaching_package(b: _Builder, unit: list[Lesson]) -> None:
    first = unit[0]
    name = unit_core(first.unit_title)
    b.add(
        kind="teaching_package",
        title=f"示范教学包：{name}（{GRADE_NAMES[first.grade]}{first.subject}）",
        description=(
            f"由天津市教育科学研究院{first.subject}教研室组织编制，覆盖“{first.unit_title}”全部"
            f"{len(unit)}课时，包含教学设计、课件、微课视频、学习任务单和课后练习，"
            "供教师开展线上教学时直接选用。"
        ),
        subject=first.subject,
        stage=first.stage,
        grades=[first.grade],
        node_ids=[first.unit_id, *(lesson.id for lesson in unit)],
        fmt="h5",
        provider_doc=city_provider("天津市教育科学研究院"),
        teacher=None,
        tags=[
            "示范教学包",
            "本市特色课程资源",
            "线上教学",
            first.subject,
            GRADE_NAMES[first.grade],
        ],
        created_by=CITY_AUTHOR,
        guest_p=0.08,
    )


def _unit_test(b: _Builder, unit: list[Lesson]) -> None:
    first = unit[0]
    b.add(
        kind="exercise",
        title=f"{first.unit_title} 单元检测卷",
        description=(
            f"{GRADE_NAMES[first.grade]}{first.subject}“{first.unit_title}”单元检测，"
            "满分100分，建议用时45分钟，附答案与评分标准。"
        ),
        subject=first.subject,
        stage=first.stage,
        grades=[first.grade],
        node_ids=[first.unit_id],
        fmt="pdf",
        provider_doc=city_provider("天津市教育科学研究院"),
        teacher=None,
        tags=["练习", "单元检测", first.subject, GRADE_NAMES[first.grade], "人教版"],
        created_by=CITY_AUTHOR,
        guest_p=0.1,
    )


def _enrichment(b: _Builder) -> None:
    rng = b.rng
    rows = [
        (r["category"], r["kind"], r["band"], r["title"], split_list(r["tags"]))
        for r in sheet("enrichment.csv")
    ]
    # Categories and kinds in the order the sheet first names them (the catalog's own order).
    for category in dict.fromkeys(r[0] for r in rows):
        for ekind in dict.fromkeys(r[1] for r in rows):
            topics = [r for r in rows if r[0] == category and r[1] == ekind]
            per, extra = divmod(ENRICHMENT_PER_CATEGORY_KIND, len(topics))
            for i, (_, _, band, title, tags) in enumerate(topics):
                grades = list(BANDS[band])
                stage = stage_of(grades[0])
                episodes = per + (1 if i < extra else 0)
                for e in range(1, episodes + 1):
                    teacher: Doc | None = None
                    if ekind == "天津课堂":
                        teacher = {
                            "name": teacher_name(rng),
                            "school": rng.choice(TIANJIN_INSTITUTIONS),
                        }
                        desc = (
                            f"天津课堂：{teacher['school']}{teacher['name']}老师讲授“{title}”，"
                            "带你走近身边的津门文化。"
                        )
                    elif ekind == "名品欣赏":
                        desc = f"名品欣赏：{title}。在欣赏中感受{category}艺术的魅力，拓宽视野。"
                    else:
                        band = f"{GRADE_NAMES[grades[0]]}至{GRADE_NAMES[grades[-1]]}"
                        desc = f"{category}类资源素材“{title}”，适合{band}学生居家跟练。"
                    fmt = "mp4"
                    if ekind == "资源素材" and rng.random() < 0.25:
                        fmt = rng.choice(("pdf", "h5"))
                    b.add(
                        kind="enrichment",
                        title=f"{title}（第{e}讲）" if episodes > 1 else title,
                        description=desc,
                        subject=CATEGORY_SUBJECT[category],
                        stage=stage,
                        grades=grades,
                        node_ids=[],
                        fmt=fmt,
                        provider_doc=city_provider(),
                        teacher=teacher,
                        tags=[category, ekind, *tags],
                        created_by=CITY_AUTHOR,
                        guest_p=0.25,
                        duration=(300, 1500),
                        extra={"category": category, "enrichment_kind": ekind},
                    )


def _district(b: _Builder, lessons: list[Lesson], teachers: Teachers) -> None:
    rng = b.rng
    for tenant, count in DISTRICT_COUNTS.items():
        district = DISTRICTS[tenant]
        prov = provider("district", tenant, None, f"{district}教育局")
        author = DISTRICT_AUTHORS.get(tenant, "seed")
        for _ in range(count):
            lesson = rng.choice(lessons)
            t = teachers.pick(lesson.stage, lesson.subject, tenant)
            teacher = {"name": t.name, "school": t.school}
            roll = rng.random()
            status_p = (0.04, 0.08)
            if roll < 0.45:
                b.add(
                    kind="recording",
                    title=_titled(lesson, "区级优课 课堂实录"),
                    description=(
                        f"{district}{t.school}{t.name}老师执教{GRADE_NAMES[lesson.grade]}"
                        f"{lesson.subject}{_quoted(lesson)}，{district}教研室推荐。{rng.choice(_PEDAGOGY)}"
                    ),
                    subject=lesson.subject,
                    stage=lesson.stage,
                    grades=[lesson.grade],
                    node_ids=[lesson.id],
                    fmt="mp4",
                    provider_doc=prov,
                    teacher=teacher,
                    tags=["区级优课", district, *_base_tags(lesson), _lesson_type(lesson.title)],
                    created_by=author,
                    guest_p=0.05,
                    status_p=status_p,
                )
            elif roll < 0.75:
                _courseware(b, lesson, prov, author, 0.05, status_p, teacher, (district,))
            else:
                _exercise(b, lesson, prov, author, 0.05, status_p, teacher, (district,))


def _schools(b: _Builder, lessons: list[Lesson]) -> None:
    rng = b.rng
    for tenant, school_id, school, subject, author, teacher_display in SCHOOL_SOURCES:
        prov = provider("school", tenant, school_id, school)
        teacher = {"name": teacher_display, "school": school}
        pool = [ls for ls in lessons if ls.subject == subject and ls.stage == "初中"]
        for _ in range(SCHOOL_COUNT):
            lesson = rng.choice(pool)
            roll = rng.random()
            status_p = (0.1, 0.1)
            if roll < 0.2:
                b.add(
                    kind="recording",
                    title=_titled(lesson, "校本微课"),
                    description=f"{school}{teacher_display}录制的{_quoted(lesson)}微课，供本校学生课前预习。",
                    subject=subject,
                    stage=lesson.stage,
                    grades=[lesson.grade],
                    node_ids=[lesson.id],
                    fmt="mp4",
                    provider_doc=prov,
                    teacher=teacher,
                    tags=["微课", "校本资源", *_base_tags(lesson)],
                    created_by=author,
                    guest_p=0.0,
                    status_p=status_p,
                    duration=(480, 900),
                )
            elif roll < 0.6:
                _courseware(b, lesson, prov, author, 0.0, status_p, teacher, ("校本资源",))
            else:
                _exercise(
                    b, lesson, prov, author, 0.0, status_p, teacher, ("校本资源",), school=True
                )


def build_resources(tbs: list[Doc], now: datetime | None = None) -> list[Doc]:
    """The TV replays of the broadcasts ended by `now` (the seed moment), then the lesson
    and other resources, res-00137 onwards, dated as of the seed day (`shift_dates`)."""
    moment = seed_moment(now)
    rng = random.Random(20200217)
    teachers = Teachers(20200218)
    legacy_replay_draws(teachers, rng)
    b = _Builder(rng, LEGACY_REPLAYS + 1)
    lessons = lessons_of(tbs)
    # 一师一优课 covers every lesson node; one lesson in twenty has a second period recorded.
    for lesson in lessons:
        second = rng.random() < 0.05
        _recording(b, lesson, teachers, 1 if second else None)
        if second:
            _recording(b, lesson, teachers, 2)
    units = _units(lessons)
    for unit in units:
        if unit[0].subject in PACKAGE_SUBJECTS and unit[0].stage != "小学":
            _teaching_package(b, unit)
    _enrichment(b)
    _district(b, lessons, teachers)
    _schools(b, lessons)
    # City courseware and exercises fill the rest: a third of units get a unit test.
    remaining = LESSON_RESOURCES - len(b.docs)
    tests = rng.sample(units, min(len(units) // 3, remaining // 4))
    for unit in tests:
        _unit_test(b, unit)
    remaining -= len(tests)
    n_courseware = remaining * 3 // 5
    for lesson in rng.sample(lessons, n_courseware):
        _courseware(b, lesson, city_provider("天津市电化教育馆"), CITY_AUTHOR, 0.12, (0.0, 0.01))
    for lesson in rng.sample(lessons, remaining - n_courseware):
        _exercise(b, lesson, city_provider("天津市电化教育馆"), CITY_AUTHOR, 0.12, (0.0, 0.01))
    return replay_resources(moment) + shift_dates(b.docs, days_after_reference(moment))


def resources(now: datetime | None = None) -> list[Doc]:
    """4,864 resources res-00137 onwards, and the TV replays of the broadcasts ended so far."""
    return build_resources(textbooks(), now)
