"""The demo content (xbt_catalog.seed): counts, referential integrity, vocabulary, determinism
and correct keys."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any

import bson
import pytest

from xbt_catalog.resources.domain import (
    ENRICHMENT_CATEGORIES,
    ENRICHMENT_KINDS,
    RESOURCE_KINDS,
    STAGES,
    SUBJECTS,
    TRANSITIONS,
    VOLUMES,
)
from xbt_catalog.seed import loader as demo
from xbt_catalog.seed.common import BEIJING
from xbt_catalog.seed.courses import OPEN_SCHOOL_CATEGORIES, PROGRAMS
from xbt_catalog.seed.resources import SCHOOL_SOURCES
from xbt_catalog.seed.textbooks import SENIOR_VOLUME_NAMES
from xbt_shared.tenancy import TENANT_NAMES

Doc = dict[str, Any]


# The seed moment the content is checked at: midday of the day its dates are written as of.
AT = datetime(2020, 2, 17, 12, 0, tzinfo=BEIJING)


def _ended(slots: list[Doc], at: datetime = AT) -> list[Doc]:
    return [s for s in slots if s["ends_at"] <= at]


@pytest.fixture(scope="module")
def docs() -> dict[str, list[Doc]]:
    # How long this takes is measured by `make bench` (tests/bench/catalog_demo.py).
    return demo.all_documents(AT)


def _node_ids(textbooks: list[Doc]) -> set[str]:
    ids: set[str] = set()
    for tb in textbooks:
        for unit in tb["tree"]:
            ids.add(unit["id"])
            ids.update(lesson["id"] for lesson in unit["children"])
    return ids


def _lesson_ids(textbooks: list[Doc]) -> set[str]:
    return {lesson["id"] for tb in textbooks for unit in tb["tree"] for lesson in unit["children"]}


# ---- counts ------------------------------------------------------------------------------


def test_counts(docs: dict[str, list[Doc]]) -> None:
    replays = [r for r in docs["resources"] if r.get("tv_slot_id")]
    assert len(replays) == len(_ended(docs["tv_schedule"]))
    assert len(docs["resources"]) - len(replays) == demo.TOTAL_RESOURCES - 136 == 4864
    assert len(docs["items"]) == 2000
    assert 140 <= len(docs["textbooks"]) <= 160
    assert len(docs["knowledge_points"]) > 400
    kinds = Counter(r["kind"] for r in docs["resources"])
    assert set(kinds) == set(RESOURCE_KINDS)
    assert kinds["recording"] > 2500 and kinds["enrichment"] == 600
    types = Counter(i["type"] for i in docs["items"])
    assert set(types) == {"single", "multiple", "true_false", "fill", "short"}


def test_textbooks_cover_twelve_grades_and_both_volumes(docs: dict[str, list[Doc]]) -> None:
    by_grade: dict[int, set[str]] = {}
    for tb in docs["textbooks"]:
        by_grade.setdefault(tb["grade"], set()).add(tb["subject"])
        assert 2 <= len(tb["tree"]) <= 12
        assert all(1 <= len(u["children"]) <= 8 for u in tb["tree"]), tb["_id"]
    assert sorted(by_grade) == list(range(1, 13))
    assert {"语文", "数学", "道德与法治", "科学"} <= by_grade[1]
    assert {"语文", "数学", "英语", "道德与法治", "物理", "化学", "历史"} <= by_grade[9]
    senior = {"语文", "数学", "英语", "物理", "化学", "生物", "历史", "地理", "思想政治"}
    assert all(senior <= by_grade[g] for g in (10, 11, 12))
    volumes = Counter(
        (tb["subject"], tb["grade"]) for tb in docs["textbooks"] if tb["stage"] != "高中"
    )
    assert set(volumes.values()) == {2}


def test_real_titles_where_known(docs: dict[str, list[Doc]]) -> None:
    tbs = {tb["_id"]: tb for tb in docs["textbooks"]}
    g8 = tbs["tb-shuxue-g8-shang"]
    assert g8["title"] == "人教版 八年级上册 数学"
    assert [u["title"] for u in g8["tree"]] == [
        "第十一章 三角形",
        "第十二章 全等三角形",
        "第十三章 轴对称",
        "第十四章 整式的乘法与因式分解",
        "第十五章 分式",
    ]
    g7 = tbs["tb-shuxue-g7-xia"]
    unit = next(u for u in g7["tree"] if u["title"] == "第八章 二元一次方程组")
    assert unit["id"] == "tb-shuxue-g7-xia.u4"
    assert [lesson["title"] for lesson in unit["children"]][:3] == [
        "8.1 二元一次方程组",
        "8.2 消元——解二元一次方程组",
        "8.3 实际问题与二元一次方程组",
    ]
    assert unit["children"][1]["id"] == "tb-shuxue-g7-xia.u4.l2"


def test_calligraphy_counts_are_exact(docs: dict[str, list[Doc]]) -> None:
    courses = docs["courses"]
    lessons = {c["_id"]: len(c["lessons"]) for c in courses}
    pen_and_brush = sum(
        n for cid, n in lessons.items() if cid.startswith(("course-yingbi", "course-maobi"))
    )
    assert pen_and_brush == demo.CALLIGRAPHY_LESSONS == 160
    assert lessons["course-kaishu-84fa"] == demo.KAISHU_84_VIDEOS == 89
    assert lessons["course-tianyunzhang"] == demo.TIAN_YUNZHANG_LECTURES == 200
    brushes = [c for c in courses if c["_id"].startswith(("course-yingbi", "course-maobi"))]
    assert {g for c in brushes for g in c["grades"]} == {1, 2, 3, 4, 5}
    sky = [c for c in courses if c["program"] == "空中课堂"]
    assert 8 <= len(sky) <= 12
    assert all(6 <= len(c["lessons"]) <= 16 for c in sky)
    for course in courses:
        assert [lesson["index"] for lesson in course["lessons"]] == list(
            range(1, len(course["lessons"]) + 1)
        )
        assert all(
            lesson["id"] == f"{course['_id']}.l{lesson['index']}" for lesson in course["lessons"]
        )


def test_tv_schedule_around_the_seed_day(docs: dict[str, list[Doc]]) -> None:
    tv = docs["tv_schedule"]
    dates = sorted({slot["date"] for slot in tv})
    assert len(dates) == demo.TV_DAYS == 29
    assert dates[0] == "2020-02-03" and dates[-1] == "2020-03-02"  # 14 days either side
    per_day_grade = Counter((slot["date"], slot["grade"]) for slot in tv)
    assert set(per_day_grade) == {(d, g) for d in dates for g in (9, 12)}
    assert all(n in (2, 6) for n in per_day_grade.values())  # weekends 2, school days 6
    for slot in tv:
        assert re.fullmatch(r"tv-\d{4}-\d\d-\d\d-(9|12)-\d+", slot["_id"])
        assert slot["_id"].startswith(f"tv-{slot['date']}-{slot['grade']}-")
        assert slot["replay_resource_id"] == f"res-{slot['_id']}"
        assert slot["start"] < slot["end"]
        assert slot["starts_at"] < slot["ends_at"]
        assert slot["title"].startswith("中考" if slot["grade"] == 9 else "高考")


@pytest.mark.parametrize(
    "at",
    [
        datetime(2026, 12, 7, 0, 5, tzinfo=BEIJING),  # a Monday, just after midnight
        datetime(2026, 12, 12, 23, 55, tzinfo=BEIJING),  # a Saturday night
        datetime(2027, 2, 14, 8, 0, tzinfo=BEIJING),  # a Sunday morning
        datetime.now(BEIJING),
    ],
)
def test_the_seed_day_always_has_lessons_for_both_grades(at: datetime) -> None:
    slots = demo.tv_schedule(at)
    today = at.date()
    dates = sorted({date.fromisoformat(s["date"]) for s in slots})
    assert dates[0] == today - timedelta(days=14) and dates[-1] == today + timedelta(days=14)
    assert {s["grade"] for s in slots if s["date"] == today.isoformat()} == {9, 12}
    # A day's lessons are those of its date: a later seed keeps the days it shares.
    later = {s["_id"]: s for s in demo.tv_schedule(at + timedelta(days=3))}
    assert all(later[s["_id"]] == s for s in slots if s["_id"] in later)
    assert len([s for s in slots if s["_id"] in later]) > len(slots) * 3 // 4
    # Replays exist for the broadcasts ended by then, and only for those.
    replays = [r for r in demo.resources(at) if r.get("tv_slot_id")]
    assert {r["tv_slot_id"] for r in replays} == {s["_id"] for s in _ended(slots, at)}
    assert all(r["published_at"] <= at for r in replays)
    # Content dates move with the seed day: the newest lesson resources are recent.
    lessons = [r for r in demo.resources(at) if not r.get("tv_slot_id") and r["published_at"]]
    newest = max(r["published_at"] for r in lessons)
    assert timedelta(0) < at - newest < timedelta(days=7)


def test_replays_exist_and_match(docs: dict[str, list[Doc]]) -> None:
    resources = {r["_id"]: r for r in docs["resources"]}
    for slot in _ended(docs["tv_schedule"]):
        replay = resources[slot["replay_resource_id"]]
        assert replay["kind"] == "recording"
        assert "复习专题" in replay["tags"]
        assert replay["grades"] == [slot["grade"]]
        assert replay["subject"] == slot["subject"]
        assert replay["title"].startswith(slot["title"])
    assert len({slot["replay_resource_id"] for slot in docs["tv_schedule"]}) == len(
        docs["tv_schedule"]
    )


# ---- integrity ---------------------------------------------------------------------------


def test_ids_unique(docs: dict[str, list[Doc]]) -> None:
    for name, rows in docs.items():
        ids = [row["_id"] for row in rows]
        assert len(ids) == len(set(ids)), name
        assert all(isinstance(i, str) for i in ids), name
    node_ids = [
        node["id"]
        for tb in docs["textbooks"]
        for unit in tb["tree"]
        for node in [unit, *unit["children"]]
    ]
    assert len(node_ids) == len(set(node_ids))
    lesson_ids = [lesson["id"] for c in docs["courses"] for lesson in c["lessons"]]
    assert len(lesson_ids) == len(set(lesson_ids))


def test_id_formats(docs: dict[str, list[Doc]]) -> None:
    for tb in docs["textbooks"]:
        assert re.fullmatch(r"tb-[a-z]+-g\d{1,2}-(shang|xia|bx\d|xb\d)", tb["_id"]), tb["_id"]
        for u, unit in enumerate(tb["tree"], 1):
            assert unit["id"] == f"{tb['_id']}.u{u}" and unit["kind"] == "unit"
            for m, lesson in enumerate(unit["children"], 1):
                assert lesson["id"] == f"{unit['id']}.l{m}" and lesson["kind"] == "lesson"
    assert all(
        re.fullmatch(r"res-\d{5}", r["_id"]) or r["_id"] == f"res-{r['tv_slot_id']}"
        for r in docs["resources"]
    )
    assert all(re.fullmatch(r"item-\d{5}", i["_id"]) for i in docs["items"])
    assert all(re.fullmatch(r"course-[a-z0-9-]+", c["_id"]) for c in docs["courses"])
    assert all(
        re.fullmatch(r"kp-[a-z]+-(xx|cz|gz)-[\d.]+", k["_id"]) for k in docs["knowledge_points"]
    )


def test_textbook_node_references_exist(docs: dict[str, list[Doc]]) -> None:
    nodes = _node_ids(docs["textbooks"])
    by_id = {tb["_id"]: tb for tb in docs["textbooks"]}
    for row in [*docs["resources"], *docs["items"]]:
        for node in row["textbook_node_ids"]:
            assert node in nodes, (row["_id"], node)
            tb = by_id[node.split(".")[0]]
            assert tb["subject"] == row["subject"], row["_id"]
            assert tb["grade"] in row["grades"], row["_id"]


def test_every_lesson_has_a_city_recording(docs: dict[str, list[Doc]]) -> None:
    covered = {
        node
        for r in docs["resources"]
        if r["kind"] == "recording" and r["provider"]["level"] == "city"
        for node in r["textbook_node_ids"]
    }
    assert _lesson_ids(docs["textbooks"]) <= covered


def test_knowledge_point_trees(docs: dict[str, list[Doc]]) -> None:
    kps = {k["_id"]: k for k in docs["knowledge_points"]}
    pairs = {(k["subject"], k["stage"]) for k in kps.values()}
    for subject in ("数学", "物理", "化学", "英语", "语文"):
        assert {(subject, "初中"), (subject, "高中")} <= pairs
    assert ("数学", "小学") in pairs
    for kp in kps.values():
        assert kp["depth"] == len(kp["path"])
        if kp["parent_id"] is None:
            assert kp["path"] == []
        else:
            parent = kps[kp["parent_id"]]
            assert kp["path"] == [*parent["path"], parent["_id"]]
            assert (parent["subject"], parent["stage"]) == (kp["subject"], kp["stage"])
    for item in docs["items"]:
        assert item["knowledge_point_ids"], item["_id"]
        for kid in item["knowledge_point_ids"]:
            kp = kps[kid]
            assert (kp["subject"], kp["stage"]) == (item["subject"], item["stage"])


# ---- vocabulary --------------------------------------------------------------------------


def _check_stage_grades(row: Doc) -> None:
    assert row["stage"] in STAGES, row["_id"]
    grades = row["grades"] if "grades" in row else [row["grade"]]
    assert grades and all(g in STAGES[row["stage"]] for g in grades), row["_id"]


def _check_provider(row: Doc) -> None:
    p = row["provider"]
    assert p["level"] in ("city", "district", "school") and p["name"]
    assert p["tenant"] in TENANT_NAMES
    if p["level"] == "city":
        assert p["tenant"] == "city" and p["school_id"] is None
    elif p["level"] == "district":
        assert p["tenant"] != "city" and p["school_id"] is None
    else:
        assert (p["tenant"], p["school_id"]) in {(t, s) for t, s, *_ in SCHOOL_SOURCES}


def test_textbook_vocabulary(docs: dict[str, list[Doc]]) -> None:
    for tb in docs["textbooks"]:
        _check_stage_grades(tb)
        assert tb["subject"] in SUBJECTS
        assert tb["edition"] == "人教版" and tb["status"] == "published"
        if tb["stage"] == "高中":
            assert tb["volume"] in SENIOR_VOLUME_NAMES
        else:
            assert tb["volume"] in VOLUMES
        _check_provider(tb)
        assert tb["provider"]["level"] == "city"
        assert isinstance(tb["guest_visible"], bool)


def test_resource_vocabulary(docs: dict[str, list[Doc]]) -> None:
    pairs: Counter[tuple[str, str]] = Counter()
    for r in docs["resources"]:
        _check_stage_grades(r)
        _check_provider(r)
        assert r["kind"] in RESOURCE_KINDS
        assert r["status"] in TRANSITIONS
        assert r["media"]["format"] in ("mp4", "pdf", "pptx", "h5")
        assert (r["media"]["duration_s"] is not None) == (r["media"]["format"] == "mp4")
        assert r["media"]["size_bytes"] > 0 and r["media"]["url"].startswith("https://")
        assert isinstance(r["views"], int) and r["views"] >= 0
        assert r["tags"] and len(r["tags"]) == len(set(r["tags"]))
        assert (r["published_at"] is not None) == (r["status"] == "published")
        if r["status"] != "published":
            assert not r["guest_visible"]
        if r["kind"] == "enrichment":
            assert r["category"] in ENRICHMENT_CATEGORIES
            assert r["enrichment_kind"] in ENRICHMENT_KINDS
            assert r["subject"] is None or r["subject"] in SUBJECTS
            pairs[(r["category"], r["enrichment_kind"])] += 1
        else:
            assert r["category"] is None and r["enrichment_kind"] is None
            assert r["subject"] in SUBJECTS
        if r["kind"] == "recording" and "一师一优课" in r["tags"]:
            assert r["teacher"]["name"] and r["teacher"]["school"]
            assert r["title"].endswith("课堂实录")
    assert set(pairs) == {(c, k) for c in ENRICHMENT_CATEGORIES for k in ENRICHMENT_KINDS}


def test_resource_mix(docs: dict[str, list[Doc]]) -> None:
    resources = docs["resources"]
    levels = Counter(r["provider"]["level"] for r in resources)
    assert levels["city"] > 0.8 * len(resources)
    districts = Counter(
        r["provider"]["tenant"] for r in resources if r["provider"]["level"] == "district"
    )
    assert districts["heping"] >= 100 and districts["hexi"] >= 100 and len(districts) >= 4
    schools = Counter(
        r["provider"]["school_id"] for r in resources if r["provider"]["level"] == "school"
    )
    assert set(schools) == {"hp-sy-zx", "hx-zx-1"}
    statuses = Counter(r["status"] for r in resources)
    assert statuses["draft"] > 0 and statuses["in_review"] > 0
    assert statuses["published"] > 0.95 * len(resources)
    guests = sum(r["guest_visible"] for r in resources) / len(resources)
    assert 0.12 <= guests <= 0.18
    views = sorted(r["views"] for r in resources if r["status"] == "published")
    assert views[-1] > 20 * views[len(views) // 2]  # long-tailed


def test_course_and_item_vocabulary(docs: dict[str, list[Doc]]) -> None:
    for course in docs["courses"]:
        assert course["program"] in PROGRAMS
        if course["program"] == "空中课堂":
            assert course["subject_or_category"] in SUBJECTS
            assert course["grades"] == [10, 11, 12]
        else:
            assert course["subject_or_category"] in OPEN_SCHOOL_CATEGORIES
        _check_provider(course)
        assert all(lesson["media"]["format"] == "mp4" for lesson in course["lessons"])
    for slot in docs["tv_schedule"]:
        assert slot["subject"] in SUBJECTS and slot["grade"] in (9, 12)
    for item in docs["items"]:
        _check_stage_grades(item)
        _check_provider(item)
        assert item["subject"] in SUBJECTS and 1 <= item["difficulty"] <= 5
        _check_answer_shape(item)


def _check_answer_shape(item: Doc) -> None:
    kind, answer, options = item["type"], item["answer"], item["options"]
    keys = [o["key"] for o in options]
    if kind in ("single", "multiple"):
        assert keys == list("ABCDEFGH"[: len(keys)]) and len(keys) >= 4
        assert len({o["text"] for o in options}) == len(options), item["_id"]
    else:
        assert options == []
    if kind == "single":
        assert answer in keys
    elif kind == "multiple":
        assert isinstance(answer, list) and len(answer) >= 2 and set(answer) <= set(keys)
    elif kind == "true_false":
        assert isinstance(answer, bool)
    elif kind == "fill":
        assert len(answer) == item["stem"].count("____") >= 1
        assert all(
            isinstance(a, list) and a and all(isinstance(s, str) and s for s in a) for a in answer
        )
    else:
        assert isinstance(answer, str) and answer


# ---- documents ---------------------------------------------------------------------------


def test_documents_are_mongo_ready(docs: dict[str, list[Doc]]) -> None:
    for name, rows in docs.items():
        for row in rows:
            for field in ("created_at", "updated_at"):
                value = row[field]
                assert isinstance(value, datetime) and value.utcoffset() is not None, (name, field)
            assert row["created_at"] <= row["updated_at"], row["_id"]
            bson.encode(row)


def test_deterministic(docs: dict[str, list[Doc]]) -> None:
    assert demo.all_documents(AT) == docs
    assert demo.textbooks(AT) == docs["textbooks"]
    assert demo.resources(AT) == docs["resources"]
    assert demo.courses(AT) == docs["courses"]
    assert demo.tv_schedule(AT) == docs["tv_schedule"]
    assert demo.knowledge_points(AT) == docs["knowledge_points"]
    assert demo.items(AT) == docs["items"]


def test_fresh_lists_each_call() -> None:
    first = demo.courses()
    first[0]["title"] = "changed"
    assert demo.courses()[0]["title"] != "changed"


# ---- answers are right -------------------------------------------------------------------

_SUP = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")


def _key_text(item: Doc) -> str:
    """The keyed answer as text, for fill items with one blank and single-choice items."""
    if item["type"] == "single":
        return next(o["text"] for o in item["options"] if o["key"] == item["answer"])
    return str(item["answer"][0][0])


def _expr(text: str) -> str:
    text = re.sub(r"([²³⁴⁵⁶⁷⁸⁹])", lambda m: "**" + m.group(1).translate(_SUP), text)
    text = text.replace("×", "*").replace("÷", "/")
    text = re.sub(r"(\d|\))\s*(?=[xy(])", r"\1*", text)
    return text


def _fractions(text: str) -> str:
    return re.sub(r"\d+(?:\.\d+)?", lambda m: f"F('{m.group(0)}')", text)


def _eval(text: str, **env: Any) -> Any:
    return eval(text, {"F": Fraction, "__builtins__": {}}, env)


def _complex(text: str) -> str:
    """Python spelling of a complex number: 3 - i -> 3 - 1j."""
    return re.sub(r"(\d*)i", lambda m: (m.group(1) or "1") + "j", text)


def _math(docs: dict[str, list[Doc]]) -> list[Doc]:
    return [i for i in docs["items"] if i["subject"] == "数学"]


def test_linear_equation_keys(docs: dict[str, list[Doc]]) -> None:
    checked = 0
    for item in _math(docs):
        m = re.fullmatch(r"解(?:分式)?方程：(.+) = (.+)，x = (?:____|（　　）)", item["stem"])
        if not m:
            continue
        x = Fraction(_key_text(item))
        lhs, rhs = (_eval(_fractions(_expr(side)), x=x) for side in m.groups())
        assert lhs == rhs, (item["_id"], item["stem"], x)
        checked += 1
    assert checked >= 60


def test_linear_system_keys(docs: dict[str, list[Doc]]) -> None:
    checked = 0
    for item in _math(docs):
        m = re.fullmatch(
            r"解方程组：(.+) = (-?\d+)，(.+) = (-?\d+)，x = ____，y = ____", item["stem"]
        )
        if not m:
            continue
        x, y = (int(a[0]) for a in item["answer"])
        assert _eval(_expr(m.group(1)), x=x, y=y) == int(m.group(2)), item["stem"]
        assert _eval(_expr(m.group(3)), x=x, y=y) == int(m.group(4)), item["stem"]
        checked += 1
    assert checked >= 10


def test_arithmetic_keys(docs: dict[str, list[Doc]]) -> None:
    checked = 0
    for item in _math(docs):
        m = re.fullmatch(r"计算：(.+) = (?:____|（　　）)", item["stem"])
        if not m or re.search(r"[a-zA-Z]", m.group(1).replace("i", "")):
            continue
        expr = m.group(1)
        if "i" in expr:  # complex numbers: (a + bi)(c + di)
            value = _eval(_complex(_expr(expr)).replace(")(", ")*("))
            assert value == _eval(_complex(_key_text(item))), item["stem"]
        elif "^" in expr:  # fractional powers
            value = _eval(_expr(expr).replace("^", "**"))
            assert abs(value - float(_key_text(item))) < 1e-9, item["stem"]
        else:
            value = _eval(_fractions(_expr(expr)))
            assert value == Fraction(_key_text(item)), (item["stem"], _key_text(item))
        checked += 1
    assert checked >= 150


def test_quadratic_keys(docs: dict[str, list[Doc]]) -> None:
    checked = 0
    for item in _math(docs):
        m = re.fullmatch(r"方程 (.+) = 0 的根是（　　）", item["stem"])
        if not m:
            continue
        poly = _expr(m.group(1))
        for option in item["options"]:
            roots = [int(r) for r in re.findall(r"= (-?\d+)", option["text"])]
            solves = len(set(roots)) == 2 and all(_eval(poly, x=r) == 0 for r in roots)
            assert solves == (option["key"] == item["answer"]), (item["stem"], option)
        checked += 1
    assert checked >= 10


def test_inequality_keys(docs: dict[str, list[Doc]]) -> None:
    ops = {
        ">": lambda a, b: a > b,
        "<": lambda a, b: a < b,
        "≥": lambda a, b: a >= b,
        "≤": lambda a, b: a <= b,
    }
    checked = 0
    for item in _math(docs):
        m = re.fullmatch(r"不等式 (.+) ([<>≤≥]) (-?\d+) 的解集是（　　）", item["stem"])
        if not m:
            continue
        lhs, op, rhs = m.group(1), m.group(2), int(m.group(3))
        op2, bound = re.fullmatch(r"x ([<>≤≥]) (-?\d+)", _key_text(item)).groups()  # type: ignore[union-attr]
        for half in range(-60, 61):
            x = Fraction(half, 2)
            assert ops[op](_eval(_fractions(_expr(lhs)), x=x), rhs) == ops[op2](x, int(bound)), (
                item["stem"]
            )
        checked += 1
    assert checked >= 10


def test_sequence_and_remainder_keys(docs: dict[str, list[Doc]]) -> None:
    checked = 0
    subscripts = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")
    for item in _math(docs):
        stem = item["stem"]
        m = re.fullmatch(
            r"在等差数列 \{aₙ\} 中，a₁ = (-?\d+)，公差 d = (-?\d+)，则 a([₀-₉]+) = ____，"
            r"前 (\d+) 项和 S = ____。",
            stem,
        )
        if m:
            a1, d, n = int(m.group(1)), int(m.group(2)), int(m.group(3).translate(subscripts))
            terms = [a1 + k * d for k in range(n)]
            assert item["answer"] == [[str(terms[-1])], [str(sum(terms))]], stem
            checked += 1
        m = re.fullmatch(r"在横线上填上合适的数：(\d+) ÷ (\d+) = ____……____", stem)
        if m:
            q, r = divmod(int(m.group(1)), int(m.group(2)))
            assert item["answer"] == [[str(q)], [str(r)]], stem
            checked += 1
    assert checked >= 20
