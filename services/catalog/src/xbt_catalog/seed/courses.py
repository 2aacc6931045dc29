"""开放学堂: 空中课堂 (high-school electives) and 博学乐园 (primary-school calligraphy)."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from xbt_catalog.seed.common import MEDIA_BASE, Doc, city_provider, spread, stamps
from xbt_catalog.seed.data import records, table

PROGRAMS = ("空中课堂", "博学乐园")
# 博学乐园 courses are grouped by an open-school category rather than a school subject.
OPEN_SCHOOL_CATEGORIES = ("书法",)

# The seed's counts: 160 硬笔 + 毛笔 lessons for grades 1-5, 89 videos of 《汉字楷书结构84法》,
# 200 lectures of 《田蕴章书法讲座》.
CALLIGRAPHY_LESSONS = 160
KAISHU_84_VIDEOS = 89
TIAN_YUNZHANG_LECTURES = 200

# (slug, title, subject, lessons)
_SKY_COURSES: list[tuple[str, str, str, str]] = records(
    "courses.json", "sky_courses", "slug", "title", "subject", "lessons"
)

_SKY_BLURB = table("courses.json", "sky_blurbs")

# (slug, title, grades, lessons): 硬笔 grades 1-5 and 毛笔 grades 3-5, 20 lessons each.
_CALLIGRAPHY: list[tuple[str, str, int, str]] = records(
    "courses.json", "calligraphy", "slug", "title", "grade", "lessons"
)

_84_METHODS = table("courses.json", "kaishu_methods")

_TIAN_TOPICS = table("courses.json", "tianyunzhang_topics")
_TIAN_CHARS = table("courses.json", "tianyunzhang_characters")


def _media(rng: random.Random, course_id: str, n: int, lo: int, hi: int) -> Doc:
    return {
        "url": f"{MEDIA_BASE}/courses/{course_id}/{n:03d}.mp4",
        "duration_s": rng.randrange(lo, hi),
        "format": "mp4",
    }


def _course(
    rng: random.Random,
    *,
    course_id: str,
    program: str,
    title: str,
    description: str,
    subject_or_category: str,
    grades: list[int],
    lessons: list[str],
    duration: tuple[int, int],
    teacher: Doc | None = None,
) -> Doc:
    published = spread(rng, datetime(2019, 10, 1, tzinfo=UTC), datetime(2020, 2, 10, tzinfo=UTC))
    created, updated = stamps(published, rng)
    return {
        "_id": course_id,
        "program": program,
        "title": title,
        "description": description,
        "subject_or_category": subject_or_category,
        "grades": grades,
        "teacher": teacher,
        "cover_url": f"{MEDIA_BASE}/courses/{course_id}/cover.jpg",
        "provider": city_provider(
            "天津市教育科学研究院" if program == "空中课堂" else "天津市电化教育馆"
        ),
        # The open school runs on public accounts, so every course is open to guests.
        "guest_visible": True,
        "status": "published",
        "lessons": [
            {
                "id": f"{course_id}.l{n}",
                "index": n,
                "title": lesson,
                "media": _media(rng, course_id, n, *duration),
            }
            for n, lesson in enumerate(lessons, 1)
        ],
        "published_at": published,
        "created_at": created,
        "updated_at": updated,
    }


def courses() -> list[Doc]:
    """空中课堂 electives for grades 10-12, then the 博学乐园 calligraphy courses."""
    rng = random.Random(20200301)
    docs: list[Doc] = []
    for slug, title, subject, names in _SKY_COURSES:
        docs.append(
            _course(
                rng,
                course_id=f"course-{slug}",
                program="空中课堂",
                title=title,
                description=(
                    f"天津市普通高中网络选修课程。{_SKY_BLURB[subject]}共{len(names)}讲，"
                    "可在学习中心随时点播。"
                ),
                subject_or_category=subject,
                grades=[10, 11, 12],
                lessons=[f"第{n}讲 {name}" for n, name in enumerate(names, 1)],
                duration=(1800, 2700),
            )
        )
    for slug, title, grade, names in _CALLIGRAPHY:
        pen = title.startswith("硬笔")
        docs.append(
            _course(
                rng,
                course_id=f"course-{slug}",
                program="博学乐园",
                title=title,
                description=(
                    f"博学乐园小学网络书法课程，{title}，共{len(names)}课时。"
                    + (
                        "从坐姿、执笔到笔画、结构，循序渐进练好规范字。"
                        if pen
                        else "认识文房四宝，学习毛笔楷书的笔画、偏旁与结构。"
                    )
                ),
                subject_or_category="书法",
                grades=[grade],
                lessons=[f"第{n}课 {name}" for n, name in enumerate(names, 1)],
                duration=(600, 1200),
            )
        )
    kaishu: list[str] = ["导论：楷书结构的一般规律"]
    for n, method in enumerate(_84_METHODS, 1):
        kaishu.append(f"第{n}法 {method}")
        if n % 21 == 0:
            kaishu.append(f"阶段小结（{n - 20}-{n}法）")
    docs.append(
        _course(
            rng,
            course_id="course-kaishu-84fa",
            program="博学乐园",
            title="汉字楷书结构84法",
            description="逐一讲解楷书结字的84种方法，配合例字示范书写，适合有一定基础的小学生进阶学习。",
            subject_or_category="书法",
            grades=[3, 4, 5],
            lessons=kaishu,
            duration=(300, 600),
        )
    )
    topics = [_TIAN_TOPICS[n % len(_TIAN_TOPICS)] for n in range(TIAN_YUNZHANG_LECTURES)]
    tian = [
        f"第{n}讲 每日一题：{topic}；每日一字：{char}"
        for n, (topic, char) in enumerate(zip(topics, _TIAN_CHARS, strict=False), 1)
    ]
    docs.append(
        _course(
            rng,
            course_id="course-tianyunzhang",
            program="博学乐园",
            title="田蕴章书法讲座",
            description="南开大学田蕴章教授“每日一题，每日一字”系列书法讲座，讲书理、析字法，共200讲。",
            subject_or_category="书法",
            grades=[1, 2, 3, 4, 5],
            lessons=tian,
            duration=(480, 900),
            teacher={"name": "田蕴章", "school": "南开大学"},
        )
    )
    return docs
