"""The TV review lessons (毕业年级复习专题课 on 天津有线电视) for grades 9 and 12: the
schedule by date and grade, and an iCalendar (RFC 5545) feed per grade.

The schedule is city content and public information (it is broadcast on television), so
both answers are shared by every reader and cached in the city's scope. The iCalendar feed
is served without a token (calendar apps cannot send one) and therefore carries only the
schedule itself and each slot's replay link path, nothing from a reader's district.

Times are Beijing time. Asia/Shanghai has been UTC+8 without daylight saving since 1991,
so a fixed offset is exact for every broadcast and needs no tz database in the image.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum

from xbt_catalog import domain
from xbt_catalog.courses_store import ScheduleStore
from xbt_catalog.domain import Reader
from xbt_catalog.store import CatalogStore
from xbt_shared.cache import Cached, VersionedCache
from xbt_shared.errors import Unprocessable
from xbt_shared.mongo import Doc, Mongo
from xbt_shared.tenancy import CITY, Tenant

BEIJING = dt.timezone(dt.timedelta(hours=8), "CST")
TZID = "Asia/Shanghai"
MAX_RANGE_DAYS = 31
# The public path of a replay, as reached through the gateway.
REPLAY_PATH = "/api/catalog/v1/resources/{id}"
WEEKDAYS_CN = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
CALENDAR_TITLE = "毕业年级复习专题课"
# How many slots one feed carries at most (a whole school year at 12 a day is fewer).
MAX_FEED_SLOTS = 5000


class TvGrade(IntEnum):
    """The graduating grades the TV review lessons are for."""

    junior = 9  # 初三, 中考
    senior = 12  # 高三, 高考


GRADE_NAMES = {TvGrade.junior: "初三", TvGrade.senior: "高三"}


# rules (no I/O) ------------------------------------------------------------------------------


def date_range(
    *,
    date: dt.date | None,
    first: dt.date | None,
    last: dt.date | None,
    today: dt.date,
) -> tuple[dt.date, dt.date]:
    """The inclusive range a query asks for: one `date`, or `from`..`to` (either alone means
    that one day), or today; at most `MAX_RANGE_DAYS` days."""
    if date is not None and (first is not None or last is not None):
        raise _invalid("query.date", "give either date or from/to, not both")
    if date is not None:
        return date, date
    first = first or last or today
    last = last or first
    if last < first:
        raise _invalid("query.to", "to must not be before from")
    days = (last - first).days + 1
    if days > MAX_RANGE_DAYS:
        raise _invalid("query.to", f"the range spans {days} days; at most {MAX_RANGE_DAYS}")
    return first, last


def _invalid(field: str, message: str) -> Unprocessable:
    return Unprocessable(message, errors=[{"field": field, "message": message}])


def local_time(date: str, hhmm: str) -> dt.datetime:
    """A schedule's date and "HH:MM" as an aware Beijing-time datetime."""
    hours, minutes = (int(part) for part in hhmm.split(":"))
    return dt.datetime.combine(dt.date.fromisoformat(date), dt.time(hours, minutes), BEIJING)


def replay_path(resource_id: str) -> str:
    return REPLAY_PATH.format(id=resource_id)


def public_slot(doc: Doc, replay: Doc | None) -> Doc:
    """A slot as readers get it; `replay` is the replay resource if the reader may see it."""
    starts, ends = local_time(doc["date"], doc["start"]), local_time(doc["date"], doc["end"])
    rid = doc.get("replay_resource_id")
    return {
        "id": doc["_id"],
        "date": doc["date"],
        "weekday": WEEKDAYS_CN[starts.weekday()],
        "start": doc["start"],
        "end": doc["end"],
        "starts_at": starts.isoformat(),
        "ends_at": ends.isoformat(),
        "grade": doc["grade"],
        "channel": doc.get("channel"),
        "channel_no": doc.get("channel_no"),
        "subject": doc.get("subject"),
        "title": doc.get("title"),
        "replay_resource_id": rid,
        "replay_path": replay_path(rid) if rid else None,
        "replay_title": replay.get("title") if replay else None,
    }


# iCalendar -----------------------------------------------------------------------------------

CRLF = "\r\n"
MAX_LINE_OCTETS = 75


def escape_text(value: str) -> str:
    """An RFC 5545 TEXT value: backslash, semicolon and comma escaped, newlines as \\n."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """Fold a content line into lines of at most 75 octets (the continuation's leading space
    included), never inside a UTF-8 sequence."""
    out: list[str] = []
    current: list[str] = []
    size, limit = 0, MAX_LINE_OCTETS
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            out.append("".join(current))
            current, size, limit = [], 0, MAX_LINE_OCTETS - 1
        current.append(char)
        size += width
    out.append("".join(current))
    return (CRLF + " ").join(out)


def _utc_stamp(value: dt.datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _local_stamp(value: dt.datetime) -> str:
    return value.astimezone(BEIJING).strftime("%Y%m%dT%H%M%S")


def _event(doc: Doc) -> list[str]:
    starts, ends = local_time(doc["date"], doc["start"]), local_time(doc["date"], doc["end"])
    revised = doc.get("updated_at")
    stamp = _utc_stamp(revised if isinstance(revised, dt.datetime) else starts)
    channel = doc.get("channel") or ""
    location = f"{channel} (CH {doc['channel_no']})" if doc.get("channel_no") else channel
    summary = f"{doc.get('subject') or ''}｜{doc.get('title') or ''}".strip("｜")
    description = [doc.get("title") or "", f"{location} {doc['start']}-{doc['end']}"]
    if doc.get("replay_resource_id"):
        description.append("回放：" + replay_path(doc["replay_resource_id"]))
    lines = [
        "BEGIN:VEVENT",
        f"UID:{doc['_id']}@catalog.xuebuting",
        f"DTSTAMP:{stamp}",
        f"DTSTART;TZID={TZID}:{_local_stamp(starts)}",
        f"DTEND;TZID={TZID}:{_local_stamp(ends)}",
        "SUMMARY:" + escape_text(summary),
        "LOCATION:" + escape_text(location),
        "DESCRIPTION:" + escape_text("\n".join(description)),
    ]
    if doc.get("subject"):
        lines.append("CATEGORIES:" + escape_text(doc["subject"]))
    lines += ["TRANSP:TRANSPARENT", "END:VEVENT"]
    return lines


def render_calendar(grade: TvGrade, slots: Iterable[Doc]) -> str:
    """The iCalendar text of one grade's broadcasts (CRLF line ends, folded lines)."""
    name = f"{CALENDAR_TITLE} {GRADE_NAMES[grade]}"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Tianjin Education//Xuebuting catalog//ZH",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:" + escape_text(name),
        "X-WR-CALDESC:" + escape_text(f"天津有线电视 {name}（北京时间）"),
        f"X-WR-TIMEZONE:{TZID}",
        "REFRESH-INTERVAL;VALUE=DURATION:PT6H",
        "X-PUBLISHED-TTL:PT6H",
        "BEGIN:VTIMEZONE",
        f"TZID:{TZID}",
        "BEGIN:STANDARD",
        "DTSTART:19700101T000000",
        "TZOFFSETFROM:+0800",
        "TZOFFSETTO:+0800",
        "TZNAME:CST",
        "END:STANDARD",
        "END:VTIMEZONE",
    ]
    for doc in slots:
        lines += _event(doc)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines)


# use cases ----------------------------------------------------------------------------------


@dataclass
class TvSchedule:
    mongo: Mongo
    cache: VersionedCache

    def _city(self) -> ScheduleStore:
        return ScheduleStore(self.mongo.for_tenant(Tenant(CITY)))

    async def slots(
        self, *, first: dt.date, last: dt.date, grade: TvGrade | None, guest: bool
    ) -> Cached:
        """The slots in a date range, each with its replay's title when the reader may see
        the replay (published; for guests also guest-marked). One answer for the city."""
        key = f"tv:{first}:{last}:{int(grade) if grade else '-'}" + (":guest" if guest else "")

        async def load() -> Doc:
            docs = await self._city().slots(
                first=first.isoformat(),
                last=last.isoformat(),
                grade=int(grade) if grade else None,
            )
            replays = await self._replays(docs, guest=guest)
            return {
                "from": first.isoformat(),
                "to": last.isoformat(),
                "grade": int(grade) if grade else None,
                "timezone": TZID,
                "slots": [
                    public_slot(d, replays.get(d.get("replay_resource_id") or "")) for d in docs
                ],
            }

        return await self.cache.get_or_load([CITY], key, load)

    async def _replays(self, slots: list[Doc], *, guest: bool) -> dict[str, Doc]:
        ids = sorted({s["replay_resource_id"] for s in slots if s.get("replay_resource_id")})
        if not ids:
            return {}
        found = await CatalogStore(self.mongo.for_tenant(Tenant(CITY))).resources_by_ids(ids)
        reader = Reader(tenant=CITY, school=None, guest=guest)
        return {
            r["_id"]: r
            for r in found
            if domain.visible_to(
                reader,
                level=(r.get("provider") or {}).get("level", "city"),
                tenant=CITY,
                school=(r.get("provider") or {}).get("school_id"),
                status=r.get("status", "draft"),
                guest_visible=bool(r.get("guest_visible")),
            )
        }

    async def calendar(self, grade: TvGrade) -> Cached:
        """One grade's iCalendar feed (cached as a JSON string; its ETag is the text's)."""

        async def load() -> str:
            docs = await self._city().slots_of_grade(int(grade), limit=MAX_FEED_SLOTS)
            return render_calendar(grade, docs)

        return await self.cache.get_or_load([CITY], f"tv-ics:{int(grade)}", load)


def today_in_beijing() -> dt.date:
    return dt.datetime.now(BEIJING).date()


def seconds_until_tomorrow_in_beijing() -> int:
    """How long an answer about "today" stays true (at least one second)."""
    now = dt.datetime.now(BEIJING)
    midnight = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), BEIJING)
    return max(1, int((midnight - now).total_seconds()))
