"""The files' public contract: a stored file as it is shown (the upload itself is the raw
request body, described in `api`)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from xbt_tasks.files.domain import Kind


class FileView(BaseModel):
    id: str
    filename: str
    content_type: str = Field(description="found from the content at upload, never the client's")
    size: int
    sha256: str
    kind: Kind = Field(description="submission: a pupil's work; attachment: a teacher's file")
    task_id: str
    uploader_id: str
    uploaded_at: datetime
