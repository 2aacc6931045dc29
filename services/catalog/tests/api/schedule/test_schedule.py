"""The TV review schedule: by date and grade, bad input, caching, and the public iCalendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from xbt_catalog.resources.service import Resources
from xbt_catalog.resources.store import ResourceStore
from xbt_catalog.schedule.calendar import escape_text, fold, render_calendar
from xbt_catalog.schedule.domain import TvGrade, seconds_until_tomorrow_in_beijing
from xbt_catalog.schedule.store import ScheduleStore
from xbt_catalog.settings import CatalogSettings
from xbt_shared.cache import EDGE_CACHE_HEADER, EdgeDirective
from xbt_shared.mongo import Doc
from xbt_shared.tenancy import Tenant
from xbt_shared.testing import TokenFactory

from ...conftest import pupil, resource

CHANNELS = {9: ("天津教育频道", 105, "中考"), 12: ("天津科教频道", 107, "高考")}
TIMES = {9: [("08:30", "09:10"), ("09:20", "10:00")], 12: [("08:00", "08:40"), ("13:30", "14:10")]}
SUBJECTS = {9: ["数学", "语文"], 12: ["英语", "物理"]}


def slot(date: str, grade: int, n: int, *, replay: str | None = None, **extra: Any) -> Doc:
    channel, number, exam = CHANNELS[grade]
    start, end = TIMES[grade][n - 1]
    subject = SUBJECTS[grade][n - 1]
    return {
        "_id": f"tv-{date}-{grade}-{n}",
        "date": date,
        "channel": channel,
        "channel_no": number,
        "start": start,
        "end": end,
        "grade": grade,
        "subject": subject,
        "title": extra.pop("title", f"{exam}{subject}复习专题：第{n}讲"),
        "replay_resource_id": replay or f"res-tv-{date}-{grade}-{n}",
        "updated_at": datetime(2020, 2, 14, tzinfo=UTC),
        **extra,
    }


SLOTS: list[Doc] = [
    slot("2020-02-17", 9, 1, replay="res-tv-public", title="中考数学复习专题：二次函数综合"),
    slot("2020-02-17", 9, 2, replay="res-tv-signed-in", title="中考语文复习专题：病句, 辨析; 修改"),
    slot("2020-02-17", 12, 1, replay="res-tv-draft"),
    slot("2020-02-17", 12, 2),
    slot("2020-02-18", 9, 1),
    slot("2020-02-18", 9, 2),
    slot("2020-02-18", 12, 1),
    slot("2020-02-18", 12, 2),
    slot("2020-03-20", 9, 1),
]
GRADE_9 = [s for s in SLOTS if s["grade"] == 9]


@pytest.fixture
async def schedule(catalog: Resources) -> list[Doc]:
    city = catalog.mongo.for_tenant(Tenant("city"))
    await ScheduleStore(city).insert_slots([dict(s) for s in SLOTS])
    await ResourceStore(city).insert_resources(
        [
            resource("res-tv-public", "二次函数综合（电视课堂回放）", guest_visible=True),
            resource("res-tv-signed-in", "病句辨析与修改（电视课堂回放）"),
            resource("res-tv-draft", "未发布的回放", status="draft"),
        ]
    )
    # A district's database holds no schedule; nothing there may reach the public feed.
    await ScheduleStore(catalog.mongo.for_tenant(Tenant("heping"))).insert_slots(
        [slot("2020-02-17", 9, 1, _id="tv-heping-secret", title="区内 不公开")]
    )
    return SLOTS


async def _get(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> Doc:
    resp = await client.get("/v1/tv-schedule", headers=headers, params=params)
    assert resp.status_code == 200, resp.text
    body: Doc = resp.json()
    return body


# the JSON schedule ---------------------------------------------------------------------------


async def test_schedule_by_date_and_grade(
    client: httpx.AsyncClient, tokens: TokenFactory, schedule: list[Doc]
) -> None:
    me = pupil(tokens)
    body = await _get(client, me, date="2020-02-17", grade=9)
    assert body["from"] == body["to"] == "2020-02-17" and body["grade"] == 9
    first, second = body["slots"]
    assert first["id"] == "tv-2020-02-17-9-1" and second["id"] == "tv-2020-02-17-9-2"
    assert first["weekday"] == "星期一"
    assert first["starts_at"] == "2020-02-17T08:30:00+08:00"
    assert first["ends_at"] == "2020-02-17T09:10:00+08:00"
    assert first["channel"] == "天津教育频道" and first["channel_no"] == 105
    assert first["replay_resource_id"] == "res-tv-public"
    assert first["replay_path"] == "/api/catalog/v1/resources/res-tv-public"
    # The portal's page of the replay, absolute (the default portal base URL here).
    assert first["replay_url"] == "http://127.0.0.1:8000/resources/res-tv-public"
    assert first["replay_title"] == "二次函数综合（电视课堂回放）"
    assert second["replay_title"] == "病句辨析与修改（电视课堂回放）"
    both = await _get(client, me, date="2020-02-17")
    assert [s["id"] for s in both["slots"]] == [
        "tv-2020-02-17-12-1",  # 08:00
        "tv-2020-02-17-9-1",  # 08:30
        "tv-2020-02-17-9-2",  # 09:20
        "tv-2020-02-17-12-2",  # 13:30
    ]
    draft = both["slots"][0]
    assert draft["replay_resource_id"] == "res-tv-draft" and draft["replay_title"] is None


async def test_schedule_over_a_range(
    client: httpx.AsyncClient, tokens: TokenFactory, schedule: list[Doc]
) -> None:
    me = pupil(tokens)
    week = await _get(client, me, **{"from": "2020-02-17", "to": "2020-02-18"})
    assert len(week["slots"]) == 8
    senior = await _get(client, me, **{"from": "2020-02-17", "to": "2020-02-18", "grade": 12})
    assert [s["id"] for s in senior["slots"]] == [
        "tv-2020-02-17-12-1",
        "tv-2020-02-17-12-2",
        "tv-2020-02-18-12-1",
        "tv-2020-02-18-12-2",
    ]
    month = await _get(client, me, **{"from": "2020-02-19", "to": "2020-03-20"})  # 31 days
    assert [s["id"] for s in month["slots"]] == ["tv-2020-03-20-9-1"]
    assert (await _get(client, me, **{"from": "2020-02-18"}))["to"] == "2020-02-18"
    assert (await _get(client, me, date="2020-01-01"))["slots"] == []


async def test_guests_see_replay_titles_of_guest_content_only(
    client: httpx.AsyncClient, tokens: TokenFactory, schedule: list[Doc]
) -> None:
    guest = tokens.headers(tenant="heping", roles=["guest"])
    slots = (await _get(client, guest, date="2020-02-17", grade=9))["slots"]
    assert [s["replay_title"] for s in slots] == ["二次函数综合（电视课堂回放）", None]
    assert slots[1]["replay_resource_id"] == "res-tv-signed-in"  # the id is schedule data


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"grade": 10}, "query.grade"),
        ({"date": "2020-13-01"}, "query.date"),
        ({"date": "2020-02-30"}, "query.date"),
        ({"date": "1581897600"}, "query.date"),
        ({"from": "2020-02-17", "to": "2020-03-19"}, "query.to"),  # 32 days
        ({"from": "2020-02-01", "to": "2020-05-01"}, "query.to"),
        ({"from": "2020-02-18", "to": "2020-02-17"}, "query.to"),
        ({"from": "17/02/2020"}, "query.from"),
        ({"date": "2020-02-17", "from": "2020-02-17"}, "query.date"),
        # Far in the past or the future: refused, not looked for.
        ({"date": "2019-12-31"}, "query.date"),
        ({"date": "0001-01-01"}, "query.date"),
        ({"date": "9999-12-31"}, "query.date"),
        ({"from": "1970-01-01"}, "query.from"),
        ({"to": "9999-12-31"}, "query.to"),
        ({"date": (date.today() + timedelta(days=400)).isoformat()}, "query.date"),
    ],
)
async def test_bad_schedule_input_names_the_field(
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    schedule: list[Doc],
    params: dict[str, Any],
    field: str,
) -> None:
    resp = await client.get("/v1/tv-schedule", headers=pupil(tokens), params=params)
    assert resp.status_code == 422, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json()["errors"][0]["field"] == field


async def test_schedule_is_public_and_answers_with_etags(
    client: httpx.AsyncClient, tokens: TokenFactory, schedule: list[Doc]
) -> None:
    anonymous = await client.get("/v1/tv-schedule", params={"date": "2020-02-17", "grade": 9})
    assert anonymous.status_code == 200, anonymous.text
    slots = anonymous.json()["slots"]
    # Replay titles as guests see them: guest-marked replays only.
    assert [s["replay_title"] for s in slots] == ["二次函数综合（电视课堂回放）", None]
    assert slots[0]["replay_url"] == "http://127.0.0.1:8000/resources/res-tv-public"
    # A token that is sent must be good.
    bad = await client.get(
        "/v1/tv-schedule", headers={"Authorization": "Bearer nonsense"}, params={"grade": 9}
    )
    assert bad.status_code == 401
    assert bad.headers["content-type"].startswith("application/problem+json")
    me = pupil(tokens)
    first = await client.get("/v1/tv-schedule", headers=me, params={"date": "2020-02-17"})
    etag = first.headers["etag"]
    again = await client.get(
        "/v1/tv-schedule", headers={**me, "If-None-Match": etag}, params={"date": "2020-02-17"}
    )
    assert again.status_code == 304 and again.content == b""
    # Another district's pupil shares the same (city) answer.
    hexi = pupil(tokens, tenant="hexi", school="hx-zx-1")
    theirs = await client.get("/v1/tv-schedule", headers=hexi, params={"date": "2020-02-17"})
    assert theirs.headers["etag"] == etag


# iCalendar -----------------------------------------------------------------------------------


def parse_ics(raw: bytes) -> list[tuple[str, dict[str, str], str]]:
    """A tiny RFC 5545 reader: checks line ends and lengths, unfolds, and splits each line
    into (name, parameters, value) with TEXT escapes undone."""
    text = raw.decode()
    assert text.endswith("\r\n")
    physical = text[:-2].split("\r\n")
    assert all("\n" not in line and "\r" not in line for line in physical)
    assert all(len(line.encode()) <= 75 for line in physical)
    logical: list[str] = []
    for line in physical:
        if line.startswith((" ", "\t")):
            logical[-1] += line[1:]
        else:
            logical.append(line)
    out = []
    for line in logical:
        head, _, value = line.partition(":")
        name, *params = head.split(";")
        unescaped = (
            value.replace("\\n", "\n")
            .replace("\\N", "\n")
            .replace("\\,", ",")
            .replace("\\;", ";")
            .replace("\\\\", "\\")
        )
        out.append((name, dict(p.split("=", 1) for p in params), unescaped))
    return out


def events_of(props: list[tuple[str, dict[str, str], str]]) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for name, params, value in props:
        if (name, value) == ("BEGIN", "VEVENT"):
            current = {}
        elif (name, value) == ("END", "VEVENT"):
            assert current is not None
            events.append(current)
            current = None
        elif current is not None:
            current[name] = (params, value)
    return events


def utc_of(prop: tuple[dict[str, str], str], offsets: dict[str, timedelta]) -> datetime:
    params, value = prop
    local = datetime.strptime(value, "%Y%m%dT%H%M%S")
    return (local - offsets[params["TZID"]]).replace(tzinfo=UTC)


async def test_ics_is_public_and_lists_the_grades_broadcasts(
    client: httpx.AsyncClient, schedule: list[Doc]
) -> None:
    resp = await client.get("/v1/tv-schedule/9.ics")  # no token: calendar apps send none
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == "text/calendar; charset=utf-8"
    assert resp.headers["cache-control"].startswith("public")
    props = parse_ics(resp.content)
    assert props[0] == ("BEGIN", {}, "VCALENDAR") and props[-1] == ("END", {}, "VCALENDAR")
    top = {name: value for name, _, value in props}
    assert top["VERSION"] == "2.0" and top["PRODID"]
    assert top["X-WR-CALNAME"] == "毕业年级复习专题课 初三"
    # The VTIMEZONE names the offset the local times are in.
    assert top["TZID"] == "Asia/Shanghai" and top["TZOFFSETTO"] == "+0800"
    offsets = {"Asia/Shanghai": timedelta(hours=8)}

    events = events_of(props)
    assert len(events) == len(GRADE_9) == 5
    by_uid = {e["UID"][1]: e for e in events}
    assert len(by_uid) == 5
    first = by_uid["tv-2020-02-17-9-1@catalog.xuebuting"]
    assert first["DTSTART"] == ({"TZID": "Asia/Shanghai"}, "20200217T083000")
    assert first["DTEND"] == ({"TZID": "Asia/Shanghai"}, "20200217T091000")
    assert utc_of(first["DTSTART"], offsets) == datetime(2020, 2, 17, 0, 30, tzinfo=UTC)
    assert first["SUMMARY"][1] == "数学｜中考数学复习专题：二次函数综合"
    assert first["LOCATION"][1] == "天津教育频道 (CH 105)"
    assert "http://127.0.0.1:8000/resources/res-tv-public" in first["DESCRIPTION"][1]
    assert first["URL"][1] == "http://127.0.0.1:8000/resources/res-tv-public"
    assert first["DTSTAMP"][1] == "20200214T000000Z"
    # Commas and semicolons in a title survive escaping.
    second = by_uid["tv-2020-02-17-9-2@catalog.xuebuting"]
    assert second["SUMMARY"][1] == "语文｜中考语文复习专题：病句, 辨析; 修改"
    assert second["DTSTART"][1] == "20200217T092000"
    starts = sorted(utc_of(e["DTSTART"], offsets) for e in events)
    assert starts[-1] == datetime(2020, 3, 20, 0, 30, tzinfo=UTC)
    # Only the city's schedule: nothing from a district's database.
    assert b"tv-heping-secret" not in resp.content and "区内".encode() not in resp.content


async def test_ics_for_grade_12_uids_are_stable_and_etags_work(
    client: httpx.AsyncClient, schedule: list[Doc]
) -> None:
    first = await client.get("/v1/tv-schedule/12.ics")
    props = parse_ics(first.content)
    assert dict((n, v) for n, _, v in props)["X-WR-CALNAME"] == "毕业年级复习专题课 高三"
    events = events_of(props)
    assert len(events) == 4
    assert {e["LOCATION"][1] for e in events} == {"天津科教频道 (CH 107)"}
    etag = first.headers["etag"]
    again = await client.get("/v1/tv-schedule/12.ics", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    second = await client.get("/v1/tv-schedule/12.ics")
    assert [e["UID"] for e in events_of(parse_ics(second.content))] == [e["UID"] for e in events]


async def test_ics_for_other_grades_is_refused(
    client: httpx.AsyncClient, schedule: list[Doc]
) -> None:
    resp = await client.get("/v1/tv-schedule/10.ics")
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["field"] == "path.grade"
    assert (await client.get("/v1/tv-schedule/nine.ics")).status_code == 422


def test_folding_and_escaping() -> None:
    line = "DESCRIPTION:" + escape_text("天津有线电视，毕业年级复习专题课；回放\n" * 8)
    folded = fold(line)
    parts = folded.split("\r\n")
    assert len(parts) > 1
    assert all(len(p.encode()) <= 75 for p in parts)
    assert all(p.startswith(" ") for p in parts[1:])
    assert "".join([parts[0], *(p[1:] for p in parts[1:])]) == line
    assert escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    assert fold("SHORT:x") == "SHORT:x"


async def test_todays_schedule_is_not_kept_past_midnight(
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    schedule: list[Doc],
    catalog_settings: CatalogSettings,
) -> None:
    me = pupil(tokens)
    today = await client.get("/v1/tv-schedule", headers=me)
    directive = EdgeDirective.parse(today.headers[EDGE_CACHE_HEADER])
    assert directive is not None
    assert directive.max_age <= seconds_until_tomorrow_in_beijing() + 1
    dated = await client.get("/v1/tv-schedule", headers=me, params={"date": "2020-02-17"})
    kept = EdgeDirective.parse(dated.headers[EDGE_CACHE_HEADER])
    assert kept is not None and kept.max_age == catalog_settings.cache_ttl_seconds
    feed = await client.get("/v1/tv-schedule/12.ics")
    assert EdgeDirective.parse(feed.headers[EDGE_CACHE_HEADER]) is not None


def test_replay_links_follow_the_configured_portal(
    isolated_env: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XBT_CATALOG_PORTAL_BASE_URL", "https://xbt.example.cn/")
    settings = CatalogSettings(**isolated_env)
    assert settings.portal_base_url == "https://xbt.example.cn"
    feed = render_calendar(
        TvGrade.junior, [slot("2020-02-17", 9, 1, replay="res-1")], portal_base_url="https://x.cn"
    )
    assert "URL:https://x.cn/resources/res-1\r\n" in feed
    with pytest.raises(ValueError):
        CatalogSettings(**isolated_env, portal_base_url="xbt.example.cn")
