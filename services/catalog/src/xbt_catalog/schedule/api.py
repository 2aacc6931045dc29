"""TV review lesson routes: the schedule as JSON and as iCalendar, both public.

The schedule needs no acting tenant (it is the city's, the same for everyone), only whether
the reader is a guest (anonymous readers count as guests); neither needs a token (it is
broadcast on television, and calendar apps send none).
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from xbt_catalog.http import OptionalUser, ScheduleDep, cached_read, cached_response, cached_text
from xbt_catalog.schedule.domain import (
    TvGrade,
    date_range,
    seconds_until_tomorrow_in_beijing,
    today_in_beijing,
)
from xbt_catalog.schedule.schemas import IsoDate, TvScheduleDays
from xbt_shared.cache import EDGE_CACHE_HEADER, edge_directive
from xbt_shared.openapi import problems

router = APIRouter(prefix="/v1", tags=["tv-schedule"])


@router.get(
    "/tv-schedule",
    responses={
        **cached_read(TvScheduleDays, "The broadcasts in the range, in order."),
        **problems(401),
    },
)
async def tv_schedule(
    request: Request,
    principal: OptionalUser,
    schedule: ScheduleDep,
    date: Annotated[IsoDate | None, Query(description="one day (Beijing time)")] = None,
    first: Annotated[IsoDate | None, Query(alias="from", description="first day")] = None,
    last: Annotated[IsoDate | None, Query(alias="to", description="last day, inclusive")] = None,
    grade: Annotated[TvGrade | None, Query(description="9 (初三) or 12 (高三)")] = None,
) -> Response:
    """The TV review broadcasts (毕业年级复习专题课) of a day or a range, public.

    One `date` (default today, Beijing time) or `from`..`to` over at most 31 days, dates from
    2020-01-01 to a year ahead; each slot with its replay: `replay_url` is the portal's page.
    No token needed; with one, a bad token is a 401, and guests and anonymous readers get
    replay titles of guest-marked replays only."""
    about_today = date is None and first is None and last is None
    first, last = date_range(date=date, first=first, last=last, today=today_in_beijing())
    guest = principal is None or principal.is_guest
    cached = await schedule.slots(first=first, last=last, grade=grade, guest=guest)
    # Without dates the same URL means another day tomorrow: no copy may outlive today.
    edge_max_age = seconds_until_tomorrow_in_beijing() if about_today else None
    return cached_response(request, cached, edge_max_age=edge_max_age)


@router.get(
    "/tv-schedule/{grade}.ics",
    response_class=Response,
    responses=cached_text("text/calendar", "The grade's broadcasts as iCalendar (RFC 5545)."),
)
async def tv_calendar(grade: TvGrade, request: Request, schedule: ScheduleDep) -> Response:
    """A grade's TV review broadcasts as an iCalendar feed to subscribe to, public.

    Calendar apps cannot send a bearer token, and the feed holds only the city's published
    broadcast schedule and each replay's portal page (`URL`)."""
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
