"""TV review lesson routes: the schedule as JSON (signed in) and as iCalendar (public)."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BeforeValidator

from xbt_catalog.api import Cat, cached_response
from xbt_catalog.responses import TvScheduleDays, cached_read, cached_text
from xbt_catalog.schedule import (
    TvGrade,
    TvSchedule,
    date_range,
    seconds_until_tomorrow_in_beijing,
    today_in_beijing,
)
from xbt_shared.auth import CurrentUser
from xbt_shared.cache import EDGE_CACHE_HEADER, edge_directive

router = APIRouter(prefix="/v1", tags=["tv-schedule"])

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: object) -> object:
    # Only YYYY-MM-DD: pydantic alone would also take Unix timestamps and datetimes.
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise ValueError("a date is written YYYY-MM-DD")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]


async def get_schedule(catalog: Cat) -> TvSchedule:
    return TvSchedule(mongo=catalog.mongo, cache=catalog.cache)


Schedule = Annotated[TvSchedule, Depends(get_schedule)]


@router.get(
    "/tv-schedule",
    responses=cached_read(TvScheduleDays, "The broadcasts in the range, in order."),
)
async def tv_schedule(
    request: Request,
    principal: CurrentUser,
    schedule: Schedule,
    date: Annotated[IsoDate | None, Query(description="one day (Beijing time)")] = None,
    first: Annotated[IsoDate | None, Query(alias="from", description="first day")] = None,
    last: Annotated[IsoDate | None, Query(alias="to", description="last day, inclusive")] = None,
    grade: Annotated[TvGrade | None, Query(description="9 (初三) or 12 (高三)")] = None,
) -> Response:
    """The 毕业年级复习专题课 broadcasts on a day (default today) or over at most 31 days,
    each with its replay resource."""
    about_today = date is None and first is None and last is None
    first, last = date_range(date=date, first=first, last=last, today=today_in_beijing())
    cached = await schedule.slots(first=first, last=last, grade=grade, guest=principal.is_guest)
    # Without dates the same URL means another day tomorrow: no copy may outlive today.
    edge_max_age = seconds_until_tomorrow_in_beijing() if about_today else None
    return cached_response(request, cached, edge_max_age=edge_max_age)


@router.get(
    "/tv-schedule/{grade}.ics",
    response_class=Response,
    responses=cached_text("text/calendar", "The grade's broadcasts as iCalendar (RFC 5545)."),
)
async def tv_calendar(grade: TvGrade, request: Request, schedule: Schedule) -> Response:
    """Subscribe in a calendar app. Public: calendar apps cannot send a bearer token, and
    the feed holds only the city's published broadcast schedule and replay link paths."""
    cached = await schedule.calendar(grade)
    settings = request.app.state.settings
    headers = {
        "ETag": cached.etag,
        "Cache-Control": f"public, max-age={settings.client_max_age_seconds}, must-revalidate",
        "Content-Disposition": f'inline; filename="tv-schedule-grade{int(grade)}.ics"',
        EDGE_CACHE_HEADER: edge_directive(cached, max_age=settings.cache_ttl_seconds),
    }
    if cached.matches(request.headers.get("if-none-match")):
        return Response(status_code=304, headers=headers)
    text: str = json.loads(cached.body)
    return Response(text.encode(), media_type="text/calendar; charset=utf-8", headers=headers)
