"""Media routes: a signed link for a resource's file (signed in), and the file itself
(through the link: no token), with byte ranges, ETag and HEAD, streamed from GridFS."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import StreamingResponse

from xbt_catalog.media.domain import (
    HTML_POLICY,
    MEDIA_ID_PATTERN,
    RangeNotSatisfiable,
    byte_range,
    etag_matches,
    etag_of,
)
from xbt_catalog.media.schemas import MediaLink
from xbt_catalog.media.service import MediaLibrary, Opened, TextbookPart
from xbt_shared.app import is_head
from xbt_shared.caller import CurrentCaller
from xbt_shared.errors import Problem, public_path
from xbt_shared.openapi import problem_response, problems
from xbt_shared.routing import from_state

router = APIRouter(prefix="/v1", tags=["media"])

MediaDep = Annotated[MediaLibrary, Depends(from_state("media", MediaLibrary))]
MediaId = Annotated[str, Path(pattern=MEDIA_ID_PATTERN, description="the file's content address")]

_FILE = {"schema": {"type": "string", "format": "binary"}}
_FILE_HEADERS = {
    "ETag": {
        "description": "the file's id: the content never changes",
        "schema": {"type": "string"},
    },
    "Accept-Ranges": {"schema": {"type": "string", "enum": ["bytes"]}},
    "Content-Length": {"schema": {"type": "integer"}},
}
FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The whole file (`Content-Type` as stored: video/mp4, application/pdf, "
        "text/html for interactive pages, served sandboxed).",
        "content": {"application/octet-stream": _FILE},
        "headers": _FILE_HEADERS,
    },
    206: {
        "description": "The one byte range `Range` asked for, with `Content-Range`.",
        "content": {"application/octet-stream": _FILE},
        "headers": {**_FILE_HEADERS, "Content-Range": {"schema": {"type": "string"}}},
    },
    304: {"description": "Not Modified: `If-None-Match` named this file."},
    **problems(403, 404),
    416: problem_response(
        416, "Range not satisfiable: `Content-Range: bytes */<size>` says the size"
    ),
}


@router.get(
    "/resources/{resource_id}/media-link",
    tags=["resources"],
    responses=problems(404),
)
async def resource_media_link(
    resource_id: str,
    request: Request,
    response: Response,
    caller: CurrentCaller,
    media: MediaDep,
) -> MediaLink:
    """A signed link to a resource's file.

    For a reader who may see the resource. Browsers follow it without a token
    (`<video src="{url}">`) until `expires_at`."""
    link = await media.resource_link(caller, resource_id, prefix=_prefix(request))
    response.headers["Cache-Control"] = "private, no-store"
    return MediaLink.model_validate(link)


@router.get(
    "/courses/{course_id}/lessons/{lesson_id}/media-link",
    tags=["courses"],
    responses=problems(404),
)
async def course_media_link(
    course_id: str,
    lesson_id: str,
    request: Request,
    response: Response,
    caller: CurrentCaller,
    media: MediaDep,
) -> MediaLink:
    """A signed link to an open-school lesson's video.

    For a reader who may see the course."""
    link = await media.course_link(caller, course_id, lesson_id, prefix=_prefix(request))
    response.headers["Cache-Control"] = "private, no-store"
    return MediaLink.model_validate(link)


@router.get(
    "/textbooks/{textbook_id}/media-link",
    tags=["textbooks"],
    responses=problems(404),
)
async def textbook_media_link(
    textbook_id: str,
    request: Request,
    response: Response,
    caller: CurrentCaller,
    media: MediaDep,
    part: Annotated[
        TextbookPart, Query(description="`read`: the reading page; `download`: the PDF")
    ] = "read",
) -> MediaLink:
    """A signed link to a textbook's reading page or PDF.

    For a reader who may see the textbook."""
    link = await media.textbook_link(caller, textbook_id, part, prefix=_prefix(request))
    response.headers["Cache-Control"] = "private, no-store"
    return MediaLink.model_validate(link)


def _prefix(request: Request) -> str:
    """The public prefix the gateway routes us under (`/api/catalog`), or none."""
    return public_path(request).removesuffix(request.url.path)


@router.get("/media/{media_id}", response_class=Response, responses=FILE_RESPONSES)
async def media_file(
    media_id: MediaId,
    request: Request,
    media: MediaDep,
    owner: Annotated[str | None, Query(max_length=32, description="from the link")] = None,
    expires: Annotated[int | None, Query(ge=0, le=2**40, description="from the link")] = None,
    signature: Annotated[str | None, Query(max_length=64, description="from the link")] = None,
) -> Response:
    """A stored file, through its signed link.

    Links come from `GET /v1/resources/{id}/media-link` (and the textbook and course
    ones). `Range` (one range) is answered `206`, `If-None-Match` with the file's ETag
    `304`; HEAD gives the headers alone. Streamed a GridFS chunk at a time."""
    opened = await media.open(media_id, owner=owner, expires=expires, signature=signature)
    headers = _headers(opened, media.max_age(opened))
    if etag_matches(request.headers.get("if-none-match"), media_id):
        return Response(status_code=304, headers=headers)
    size = opened.file.size
    wanted = request.headers.get("range")
    if_range = request.headers.get("if-range")
    if wanted is not None and if_range is not None and if_range.strip() != etag_of(media_id):
        wanted = None  # the client's copy is another file: send this one whole
    try:
        part = byte_range(wanted, size)
    except RangeNotSatisfiable as exc:
        raise Problem(
            str(exc),
            status=416,
            slug="range-not-satisfiable",
            title="Range not satisfiable",
            zh="请求的字节范围无效",
            headers={"Content-Range": f"bytes */{size}", "Accept-Ranges": "bytes"},
        ) from None
    start, length, status = 0, size, 200
    if part is not None:
        start, length, status = part.start, part.length, 206
        headers["Content-Range"] = part.content_range
    headers["Content-Length"] = str(length)
    if is_head(request) or length == 0:
        return Response(status_code=status, headers=headers)
    return StreamingResponse(
        media.read(opened, start=start, length=length), status_code=status, headers=headers
    )


def _headers(opened: Opened, max_age: int | None) -> dict[str, str]:
    content_type = opened.file.content_type
    headers = {
        "Content-Type": content_type,
        "Accept-Ranges": "bytes",
        "ETag": etag_of(opened.file.media_id),
        # Content addressed: the bytes behind an id never change. Private, since the link
        # is a reader's; kept no longer than the link is valid.
        "Cache-Control": f"private, max-age={max_age}, immutable"
        if max_age is not None
        else "public, max-age=31536000, immutable",
    }
    if content_type.startswith("text/html"):
        headers["Content-Security-Policy"] = HTML_POLICY
    return headers
