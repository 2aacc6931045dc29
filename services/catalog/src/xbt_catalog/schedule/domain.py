"""The TV review lessons' rules without I/O: the date range a query asks for, Beijing time,
and a slot as readers get it.

Times are Beijing time. Asia/Shanghai has been UTC+8 without daylight saving since 1991,
so a fixed offset is exact for every broadcast and needs no tz database in the image.
"""

from __future__ import annotations

import datetime as dt
from enum import IntEnum

from xbt_shared.curriculum import grade_label
from xbt_shared.errors import invalid
from xbt_shared.mongo import Doc

BEIJING = dt.timezone(dt.timedelta(hours=8), "CST")
TZID = "Asia/Shanghai"
MAX_RANGE_DAYS = 31
# The dates a query may name: from the first broadcasts (spring 2020) to a year ahead.
EARLIEST_DATE = dt.date(2020, 1, 1)
MAX_DAYS_AHEAD = 366
# The public path of a replay, as reached through the gateway.
REPLAY_PATH = "/api/catalog/v1/resources/{id}"
# The portal's page of a resource (its router serves `/resources/:id`).
PORTAL_RESOURCE_PAGE = "/resources/{id}"
WEEKDAYS_CN = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")


class TvGrade(IntEnum):
    """The graduating grades the TV review lessons are for."""

    junior = 9  # 初三, 中考
    senior = 12  # 高三, 高考


def grade_name(grade: TvGrade) -> str:
    """初三 / 高三, as the broadcasts are announced."""
    return grade_label(int(grade))


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
        raise invalid("query.date", "give either date or from/to, not both")
    latest = today + dt.timedelta(days=MAX_DAYS_AHEAD)
    for field, value in (("query.date", date), ("query.from", first), ("query.to", last)):
        if value is not None and not EARLIEST_DATE <= value <= latest:
            raise invalid(
                field, f"a date from {EARLIEST_DATE} to {latest} ({MAX_DAYS_AHEAD} days ahead)"
            )
    if date is not None:
        return date, date
    first = first or last or today
    last = last or first
    if last < first:
        raise invalid("query.to", "to must not be before from")
    days = (last - first).days + 1
    if days > MAX_RANGE_DAYS:
        raise invalid("query.to", f"the range spans {days} days; at most {MAX_RANGE_DAYS}")
    return first, last


def local_time(date: str, hhmm: str) -> dt.datetime:
    """A schedule's date and "HH:MM" as an aware Beijing-time datetime."""
    hours, minutes = (int(part) for part in hhmm.split(":"))
    return dt.datetime.combine(dt.date.fromisoformat(date), dt.time(hours, minutes), BEIJING)


def replay_path(resource_id: str) -> str:
    return REPLAY_PATH.format(id=resource_id)


def replay_url(portal_base_url: str, resource_id: str) -> str:
    """The absolute URL of the portal's page for a replay."""
    return portal_base_url.rstrip("/") + PORTAL_RESOURCE_PAGE.format(id=resource_id)


def public_slot(doc: Doc, replay: Doc | None, *, portal_base_url: str) -> Doc:
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
        "replay_url": replay_url(portal_base_url, rid) if rid else None,
        "replay_title": replay.get("title") if replay else None,
    }


def today_in_beijing() -> dt.date:
    return dt.datetime.now(BEIJING).date()


def seconds_until_tomorrow_in_beijing() -> int:
    """How long an answer about "today" stays true (at least one second)."""
    now = dt.datetime.now(BEIJING)
    midnight = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), BEIJING)
    return max(1, int((midnight - now).total_seconds()))
