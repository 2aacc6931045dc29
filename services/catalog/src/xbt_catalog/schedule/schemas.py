"""The public contract of the TV review lessons: the schedule's answer, described for the
cached read, and the date a query names."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, Field

from xbt_catalog.resources.schemas import Subject
from xbt_catalog.schedule.domain import TvGrade

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: object) -> object:
    # Only YYYY-MM-DD: pydantic alone would also take Unix timestamps and datetimes.
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise ValueError("a date is written YYYY-MM-DD")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]


class TvSlot(BaseModel):
    id: str
    date: dt.date
    weekday: str = Field(description="星期一 ... 星期日")
    start: str = Field(pattern=r"^\d{2}:\d{2}$", description="HH:MM, Beijing time")
    end: str = Field(pattern=r"^\d{2}:\d{2}$")
    starts_at: dt.datetime
    ends_at: dt.datetime
    grade: TvGrade
    channel: str | None
    channel_no: int | None
    subject: Subject | None
    title: str | None
    replay_resource_id: str | None
    replay_path: str | None = Field(description="the replay resource through the gateway's API")
    replay_url: str | None = Field(
        description="the portal's page of the replay, absolute (`<portal>/resources/<id>`)"
    )
    replay_title: str | None = Field(description="null unless the reader may see the replay")


class TvScheduleDays(BaseModel):
    first: dt.date = Field(alias="from")
    last: dt.date = Field(alias="to")
    grade: TvGrade | None
    timezone: Literal["Asia/Shanghai"]
    slots: list[TvSlot]
