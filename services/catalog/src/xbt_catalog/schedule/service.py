"""The TV review lessons (毕业年级复习专题课 on 天津有线电视) for grades 9 and 12: the
schedule by date and grade, and an iCalendar (RFC 5545) feed per grade.

The schedule is city content and public information (it is broadcast on television), so
both answers are shared by every reader and cached in the city's scope. The iCalendar feed
is served without a token (calendar apps cannot send one) and therefore carries only the
schedule itself and each slot's replay link (the portal's page), nothing from a reader's
district. The JSON schedule is readable without a token too (anonymous readers see replay
titles as guests do).

Times are Beijing time. Asia/Shanghai has been UTC+8 without daylight saving since 1991,
so a fixed offset is exact for every broadcast and needs no tz database in the image.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from xbt_catalog.resources.domain import Reader
from xbt_catalog.resources.service import Resources
from xbt_catalog.schedule.calendar import render_calendar
from xbt_catalog.schedule.domain import TZID, TvGrade, public_slot
from xbt_catalog.schedule.store import ScheduleStore
from xbt_shared.cache import Cached, VersionedCache
from xbt_shared.mongo import Doc, Mongo
from xbt_shared.tenancy import CITY, Tenant

# How many slots one feed carries at most (a whole school year at 12 a day is fewer).
MAX_FEED_SLOTS = 5000


@dataclass
class TvSchedule:
    mongo: Mongo
    cache: VersionedCache
    resources: Resources
    # Replay links are the portal's pages (`settings.portal_base_url`).
    portal_base_url: str = "http://127.0.0.1:8000"

    def _city(self) -> ScheduleStore:
        return ScheduleStore(self.mongo.for_tenant(Tenant(CITY)))

    async def slots(
        self, *, first: dt.date, last: dt.date, grade: TvGrade | None, guest: bool
    ) -> Cached:
        """The slots in a date range, each with its replay's title when the reader may see
        the replay (published; for guests and anonymous readers also guest-marked). One
        answer for the city."""
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
                    public_slot(
                        d,
                        replays.get(d.get("replay_resource_id") or ""),
                        portal_base_url=self.portal_base_url,
                    )
                    for d in docs
                ],
            }

        return await self.cache.get_or_load([CITY], key, load)

    async def _replays(self, slots: list[Doc], *, guest: bool) -> dict[str, Doc]:
        ids = sorted({s["replay_resource_id"] for s in slots if s.get("replay_resource_id")})
        if not ids:
            return {}
        reader = Reader(tenant=CITY, school=None, guest=guest)
        return await self.resources.readable_in(reader, CITY, ids)

    async def calendar(self, grade: TvGrade) -> Cached:
        """One grade's iCalendar feed (cached as a JSON string; its ETag is the text's)."""

        async def load() -> str:
            docs = await self._city().slots_of_grade(int(grade), limit=MAX_FEED_SLOTS)
            return render_calendar(grade, docs, portal_base_url=self.portal_base_url)

        return await self.cache.get_or_load([CITY], f"tv-ics:{int(grade)}", load)
