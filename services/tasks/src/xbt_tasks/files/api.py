"""File routes: upload to a task, download, list a task's attachments, delete.

An upload is the file's bytes as the request body, its name in `?filename=` — not a
multipart form. The body goes to GridFS chunk by chunk as it arrives: nothing parses or
spools it first (a multipart parser would have to, or stream a parser of its own), and both
clients do it without reading the file into memory:

    fetch(`/api/tasks/v1/tasks/${id}/files?filename=${encodeURIComponent(file.name)}`,
          {method: "POST", body: file, headers: {Authorization: ...}})
    curl -T 作业.pdf -X POST -H "Authorization: Bearer $T" \\
         "$BASE/api/tasks/v1/tasks/$ID/files?filename=%E4%BD%9C%E4%B8%9A.pdf"
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request, Response
from fastapi.responses import StreamingResponse

from xbt_shared.caller import CurrentCaller
from xbt_shared.errors import BadRequest
from xbt_shared.openapi import problems
from xbt_shared.routing import private_router
from xbt_tasks.files.domain import UnsupportedType, content_disposition
from xbt_tasks.files.schemas import FileView
from xbt_tasks.http import FilesDep, Id

router = private_router("files")
FileName = Annotated[
    str,
    Query(
        min_length=1,
        max_length=255,
        description="the file's name (percent-encoded); its extension must match its content",
    ),
]

UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "the file's bytes (not a multipart form)",
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}
DOWNLOAD_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the file, as an attachment",
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}


def _declared_size(request: Request) -> int | None:
    raw = request.headers.get("content-length")
    if raw is None:
        return None
    if not raw.isdigit():
        raise BadRequest("invalid Content-Length")
    return int(raw)


@router.post(
    "/tasks/{task_id}/files",
    status_code=201,
    openapi_extra=UPLOAD_BODY,
    responses=problems(400, 409, 413, 415),
)
async def upload(
    task_id: Id,
    filename: FileName,
    request: Request,
    caller: CurrentCaller,
    files: FilesDep,
) -> FileView:
    """Upload a file to a task: a pupil's work or a teacher's attachment.

    A pupil uploads work for their submission (then names its id in `file_ids` when
    handing in); a teacher of the task attaches a file to it. Returns {id, filename,
    content_type, size, sha256, kind, task_id, uploader_id, uploaded_at}."""
    if request.headers.get("content-type", "").lower().startswith("multipart/"):
        raise UnsupportedType("send the file's bytes as the body, not a multipart form")
    stored = await files.upload(
        caller,
        task_id,
        filename=filename,
        declared_size=_declared_size(request),
        body=request.stream(),
    )
    return FileView.model_validate(stored)


@router.get("/tasks/{task_id}/files")
async def attachments(task_id: Id, caller: CurrentCaller, files: FilesDep) -> list[FileView]:
    """A task's attachments.

    A task's attachments (teachers' files), for everyone who sees the task."""
    return [FileView.model_validate(f) for f in await files.attachments(caller, task_id)]


@router.get("/files/{file_id}", response_class=StreamingResponse, responses=DOWNLOAD_RESPONSE)
async def download(file_id: Id, caller: CurrentCaller, files: FilesDep) -> StreamingResponse:
    """Download a file.

    The file, streamed: for its uploader, the task's teachers, the school's and the
    district's administrators, and (attachments) the task's pupils; 404 for anyone else."""
    view, chunks = await files.download(caller, file_id)
    headers = {
        "Content-Length": str(view["size"]),
        "Content-Disposition": content_disposition(view["filename"]),
        # The type is the one checked at upload; browsers must not guess another, and a
        # file opened directly runs no script.
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, no-store",
    }
    return StreamingResponse(chunks, media_type=view["content_type"], headers=headers)


@router.delete("/files/{file_id}", status_code=204, responses=problems(409))
async def delete(file_id: Id, caller: CurrentCaller, files: FilesDep) -> Response:
    """Delete an upload.

    The uploader deletes an upload no handed-in attempt names; the task's teachers
    delete its attachments (409 for a file that is part of handed-in work)."""
    await files.delete(caller, file_id)
    return Response(status_code=204)
