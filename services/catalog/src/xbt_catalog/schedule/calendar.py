"""One grade's TV review broadcasts as an iCalendar feed (RFC 5545), without I/O."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from xbt_catalog.schedule.domain import BEIJING, TZID, TvGrade, grade_name, local_time, replay_url
from xbt_shared.mongo import Doc

CALENDAR_TITLE = "毕业年级复习专题课"
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


def _event(doc: Doc, portal_base_url: str) -> list[str]:
    starts, ends = local_time(doc["date"], doc["start"]), local_time(doc["date"], doc["end"])
    revised = doc.get("updated_at")
    stamp = _utc_stamp(revised if isinstance(revised, dt.datetime) else starts)
    channel = doc.get("channel") or ""
    location = f"{channel} (CH {doc['channel_no']})" if doc.get("channel_no") else channel
    summary = f"{doc.get('subject') or ''}｜{doc.get('title') or ''}".strip("｜")
    description = [doc.get("title") or "", f"{location} {doc['start']}-{doc['end']}"]
    url = (
        replay_url(portal_base_url, doc["replay_resource_id"])
        if doc.get("replay_resource_id")
        else None
    )
    if url:
        description.append("回放：" + url)
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
    if url:
        lines.append("URL:" + url)
    if doc.get("subject"):
        lines.append("CATEGORIES:" + escape_text(doc["subject"]))
    lines += ["TRANSP:TRANSPARENT", "END:VEVENT"]
    return lines


def render_calendar(grade: TvGrade, slots: Iterable[Doc], *, portal_base_url: str) -> str:
    """The iCalendar text of one grade's broadcasts (CRLF line ends, folded lines); each
    event's replay link (in its description and `URL`) is the portal's page for it."""
    name = f"{CALENDAR_TITLE} {grade_name(grade)}"
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
        lines += _event(doc, portal_base_url)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines)
