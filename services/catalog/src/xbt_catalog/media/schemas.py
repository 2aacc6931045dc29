"""The public contract of media: the signed link a reader gets for a resource's file."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class MediaLink(BaseModel):
    """Where a browser reads a resource's file without a bearer token: put `url` in
    `<video src>` (an `<a href target="_blank">` for documents and interactive pages) as
    it is."""

    url: str = Field(
        description="the signed link, a path on this origin "
        "(`/api/catalog/v1/media/<media_id>?owner=...&expires=...&signature=...`)"
    )
    expires_at: dt.datetime = Field(description="ask for a new link after this")
    media_id: str = Field(description="the file's content address, also its ETag")
    content_type: str
    format: str | None = Field(description="the resource's `media.format`")
    size_bytes: int
    duration_s: int | None = Field(default=None, description="videos: whole seconds")
