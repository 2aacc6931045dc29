"""Files: pupils' work handed in as files, and teachers' worksheets attached to a task.

Kept in GridFS in the tenant's database (`files_store`) and streamed in and out chunk by
chunk: no request ever holds a whole file in memory.

- What: PDF, PNG, JPEG, GIF, WebP, Word/Excel/PowerPoint (docx/xlsx/pptx and the older
  doc/xls/ppt), plain text, MP3/M4A audio and MP4 video, up to `max_file_bytes`. A file's
  name must say one of these AND its first bytes must be that kind of file: an .exe renamed
  .pdf is refused (415). What a download says it is comes from here, never from the client.
- Who uploads: a pupil of one of the task's classes, while they could hand in (the task
  takes files, is open, has attempts left), for their own submission; a teacher of the task,
  as an attachment of the task (a worksheet) for its pupils.
- Who downloads: the uploader; the teachers of the task's classes; the school's and the
  district's administrators; for an attachment, also the task's pupils once it has opened.
  Everybody else gets 404, as if the file did not exist (other districts cannot reach it at
  all: their requests read their own database).
- A submission names files its pupil uploaded for that task (at most
  `max_files_per_attempt`). Uploads that no attempt names are collected after a day.
"""

from __future__ import annotations

import asyncio
import codecs
import hashlib
import re
import unicodedata
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import quote

from bson import ObjectId
from gridfs import AsyncGridOut

from xbt_shared.auth import Principal, forbid_guest_writes
from xbt_shared.errors import Conflict, Forbidden, NotFound, PayloadTooLarge, Problem
from xbt_shared.mongo import Doc, Mongo, TenantDb
from xbt_shared.tenancy import Tenant
from xbt_tasks import rules
from xbt_tasks.files_store import FileStore
from xbt_tasks.rules import invalid
from xbt_tasks.store import TaskStore

Kind = Literal["submission", "attachment"]
SUBMISSION: Kind = "submission"
ATTACHMENT: Kind = "attachment"

# Enough bytes to recognise every allowed type (a zip's first entry name, a text's encoding).
HEAD_BYTES = 8 * 1024
MAX_FILENAME = 120
MAX_ATTACHMENTS = 20
# A pupil's uploads that no attempt names are deleted after this long.
STALE_AFTER = timedelta(days=1)
# Chunks of uploads cut off mid-stream (the process died) are looked for this far back.
ORPHAN_WINDOW = timedelta(days=7)


class UnsupportedType(Problem):
    status, slug, title = 415, "unsupported-media-type", "Unsupported media type"


class TakesNoFiles(Problem):
    status, slug, title = 409, "task-takes-no-files", "The task takes no files"


class TooManyFiles(Problem):
    status, slug, title = 409, "too-many-files", "Too many files"


# --- what may be uploaded (no I/O) ---------------------------------------------------------

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Compound File Binary: doc, xls, ppt
OOXML_PARTS = (b"_rels/", b"docProps/", b"word/", b"xl/", b"ppt/", b"customXml/")
# Control characters that no text file has (tab, newlines, form feed, ESC, ^Z are allowed).
TEXT_CONTROLS = re.compile(rb"[\x00-\x08\x0e-\x19\x1c-\x1f\x7f]")

# (head, whether it is the whole file) -> the content type, or None if it is not that kind.
Sniffer = Callable[[bytes, bool], str | None]


def _magic(content_type: str, test: Callable[[bytes], bool]) -> Sniffer:
    return lambda head, _complete: content_type if test(head) else None


def _ooxml(head: bytes) -> bool:
    """A zip whose first entry is a part of an Office Open XML package (Office, WPS and
    LibreOffice write `[Content_Types].xml` or `_rels/` first). Password-protected OOXML
    files are OLE containers, so those pass too."""
    if head.startswith(OLE):
        return True
    if not head.startswith(b"PK\x03\x04") or len(head) < 30:
        return False
    size = int.from_bytes(head[26:28], "little")
    name = head[30 : 30 + size]
    return len(name) == size and (name == b"[Content_Types].xml" or name.startswith(OOXML_PARTS))


def _mp3(head: bytes) -> bool:
    # An ID3 tag, or an MPEG audio frame header of layer III (sync bits, layer bits 01).
    return head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE6 == 0xE2)


def _iso_media(head: bytes) -> bool:
    return head[4:8] == b"ftyp"


def _text(head: bytes, complete: bool) -> str | None:
    """Plain text in UTF-8 (what everything writes now) or GB18030 (older Chinese Windows
    Notepad), or UTF-16 with a byte-order mark; the charset goes into the content type."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "text/plain; charset=utf-16"
    body = head.removeprefix(b"\xef\xbb\xbf")
    if TEXT_CONTROLS.search(body):
        return None
    for charset in ("utf-8", "gb18030"):
        try:  # incremental: a character cut at the end of the head is not an error
            codecs.getincrementaldecoder(charset)().decode(body, final=complete)
        except UnicodeDecodeError:
            continue
        return f"text/plain; charset={charset}"
    return None


OOXML = "application/vnd.openxmlformats-officedocument"
TYPES: dict[str, Sniffer] = {
    ".pdf": _magic("application/pdf", lambda h: h.startswith(b"%PDF-")),
    ".png": _magic("image/png", lambda h: h.startswith(b"\x89PNG\r\n\x1a\n")),
    ".jpg": _magic("image/jpeg", lambda h: h.startswith(b"\xff\xd8\xff")),
    ".jpeg": _magic("image/jpeg", lambda h: h.startswith(b"\xff\xd8\xff")),
    ".gif": _magic("image/gif", lambda h: h.startswith((b"GIF87a", b"GIF89a"))),
    ".webp": _magic("image/webp", lambda h: h.startswith(b"RIFF") and h[8:12] == b"WEBP"),
    ".docx": _magic(f"{OOXML}.wordprocessingml.document", _ooxml),
    ".xlsx": _magic(f"{OOXML}.spreadsheetml.sheet", _ooxml),
    ".pptx": _magic(f"{OOXML}.presentationml.presentation", _ooxml),
    ".doc": _magic("application/msword", lambda h: h.startswith(OLE)),
    ".xls": _magic("application/vnd.ms-excel", lambda h: h.startswith(OLE)),
    ".ppt": _magic("application/vnd.ms-powerpoint", lambda h: h.startswith(OLE)),
    ".txt": _text,
    ".mp3": _magic("audio/mpeg", _mp3),
    ".m4a": _magic("audio/mp4", _iso_media),
    ".mp4": _magic("video/mp4", _iso_media),
}
ALLOWED = ", ".join(sorted(TYPES))


def clean_filename(raw: str) -> str:
    """A name safe to store and to offer for download: the last path segment, without
    control or format characters (a right-to-left override can disguise `exe.pdf`), without
    characters Windows refuses, trimmed; the extension is kept if the name is shortened."""
    name = unicodedata.normalize("NFC", raw).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        " " if ch.isspace() else ch
        for ch in name
        if ch.isspace()
        or (unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co") and ch not in '<>:"|?*')
    )
    name = re.sub(r" {2,}", " ", name).strip(" .")
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem.strip(" ."):
        raise invalid("query.filename", f"a file name with an extension, one of {ALLOWED}")
    ext = ext[:10]
    stem = stem[: MAX_FILENAME - len(ext) - 1].rstrip(" .")
    return f"{stem}.{ext}"


def extension(filename: str) -> str:
    return "." + filename.rpartition(".")[2].lower()


def require_allowed_name(filename: str) -> Sniffer:
    """The sniffer for the file's extension; 415 if files of that kind are not taken."""
    sniff = TYPES.get(extension(filename))
    if sniff is None:
        raise UnsupportedType(f"files of this kind are not taken; allowed: {ALLOWED}")
    return sniff


def content_type_of(filename: str, head: bytes, *, complete: bool) -> str:
    """The content type of an upload named `filename` starting with `head`; 415 if the name
    is not of an allowed kind or the bytes are not what the name says."""
    found = require_allowed_name(filename)(head, complete)
    if found is None:
        raise UnsupportedType(f"the content is not a {extension(filename)} file")
    return found


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback name and the real one per RFC 5987/6266
    (`filename*=UTF-8''…`, which every current browser uses for Chinese names)."""
    fallback = re.sub(r"_+", "_", re.sub(r'[^\x20-\x7e]|["\\]', "_", filename))
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def new_file_id(at: datetime | None = None) -> str:
    """`fl-` + an ObjectId: unique, and ordered by time (the clean-up reads ranges of it)."""
    return f"fl-{ObjectId.from_datetime(at) if at is not None else ObjectId()}"


# --- who (no I/O) ----------------------------------------------------------------------------


def upload_kind(actor: Principal, task: Mapping[str, Any]) -> Kind:
    """Teachers of the task attach; its pupils hand in; nobody else uploads."""
    if rules.teaches(actor, task):
        return ATTACHMENT
    if rules.pupil_class(actor, task) is not None:
        return SUBMISSION
    raise Forbidden("files are uploaded by the task's pupils and teachers")


def may_download(
    actor: Principal, task: Mapping[str, Any], file: Mapping[str, Any], now: datetime
) -> bool:
    meta = file["metadata"]
    if meta["uploader_id"] == actor.user_id or rules.may_manage(actor, task):
        return True
    opened: bool = task["opens_at"] <= now
    return meta["kind"] == ATTACHMENT and opened and rules.pupil_class(actor, task) is not None


def may_delete(actor: Principal, task: Mapping[str, Any], file: Mapping[str, Any]) -> bool:
    """The uploader; for an attachment, any teacher of the task."""
    meta = file["metadata"]
    return meta["uploader_id"] == actor.user_id or (
        meta["kind"] == ATTACHMENT and rules.teaches(actor, task)
    )


def check_attempt_files(
    actor: Principal,
    task: Mapping[str, Any],
    file_ids: Sequence[str],
    found: Sequence[Mapping[str, Any]],
    *,
    limit: int,
) -> None:
    """An attempt names at most `limit` files, each once, each uploaded by this pupil for
    this task (`found`: the stored files of those ids)."""
    if len(file_ids) > limit:
        raise invalid("body.file_ids", f"at most {limit} files per attempt")
    if len(set(file_ids)) != len(file_ids):
        raise invalid("body.file_ids", "a file is named twice")
    own = {
        f["_id"]
        for f in found
        if f["metadata"]["kind"] == SUBMISSION
        and f["metadata"]["task_id"] == task["_id"]
        and f["metadata"]["uploader_id"] == actor.user_id
    }
    foreign = [i for i in file_ids if i not in own]
    if foreign:
        raise invalid(
            "body.file_ids", f"not files you uploaded for this task: {', '.join(foreign)}"
        )


def public_file(doc: Mapping[str, Any]) -> Doc:
    meta = doc["metadata"]
    return {
        "id": doc["_id"],
        "filename": doc["filename"],
        "content_type": meta["content_type"],
        "size": int(doc["length"]),
        "sha256": meta["sha256"],
        "kind": meta["kind"],
        "task_id": meta["task_id"],
        "uploader_id": meta["uploader_id"],
        "uploaded_at": doc["uploadDate"],
    }


# --- use cases -------------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC)


async def check_submitted_files(
    tdb: TenantDb, actor: Principal, task: Mapping[str, Any], file_ids: Sequence[str], limit: int
) -> None:
    """For the submit use case: 422 `body.file_ids` unless the files are the pupil's own
    uploads for this task, at most `limit` of them."""
    if file_ids:
        found = await FileStore(tdb).files(file_ids[: limit + 1])
        check_attempt_files(actor, task, file_ids, found, limit=limit)


@dataclass
class Files:
    mongo: Mongo
    max_file_bytes: int
    max_files_per_attempt: int

    def _stores(self, tenant: Tenant) -> tuple[TaskStore, FileStore]:
        tdb = self.mongo.for_tenant(tenant)
        return TaskStore(tdb), FileStore(tdb)

    async def upload(
        self,
        actor: Principal,
        tenant: Tenant,
        task_id: str,
        *,
        filename: str,
        declared_size: int | None,
        body: AsyncIterator[bytes],
    ) -> Doc:
        """Store the body as a file of the task; its view ({id, filename, content_type,
        size, sha256, ...}). Refused before anything is stored: 404/403 (who), 413 (declared
        too large), 422 (name), 415 (kind), 409 (the pupil cannot hand in now); while
        streaming: 413 when the body grows too large, and what was written is removed."""
        forbid_guest_writes(actor)
        tasks, files = self._stores(tenant)
        now = _now()
        task = rules.require_visible(actor, await tasks.task(task_id), now)
        kind = upload_kind(actor, task)
        if declared_size is not None and declared_size > self.max_file_bytes:
            raise self._too_large()
        name = clean_filename(filename)
        require_allowed_name(name)
        if kind == SUBMISSION:
            await self._check_pupil_may_upload(actor, files, task, now)
        elif len(await files.of_task(task_id, ATTACHMENT)) >= MAX_ATTACHMENTS:
            raise TooManyFiles(f"a task has at most {MAX_ATTACHMENTS} attachments")

        pieces = aiter(body)
        head, complete = await _read_head(pieces)
        if not head:
            raise invalid("body", "the file is empty")
        if len(head) > self.max_file_bytes:
            raise self._too_large()
        content_type = content_type_of(name, head, complete=complete)

        writer = files.writer(new_file_id(), name)
        digest = hashlib.sha256(head)
        try:
            await writer.write(head)
            if not complete:
                async for piece in pieces:
                    if writer.length + len(piece) > self.max_file_bytes:
                        raise self._too_large()
                    digest.update(piece)
                    await writer.write(piece)
            doc = await writer.close(
                {
                    "kind": kind,
                    "task_id": task_id,
                    "class_id": rules.pupil_class(actor, task) if kind == SUBMISSION else None,
                    "uploader_id": actor.user_id,
                    "uploader_role": "student" if kind == SUBMISSION else "teacher",
                    "content_type": content_type,
                    "sha256": digest.hexdigest(),
                    # Attachments stay; a pupil's upload is kept once an attempt names it.
                    "kept": kind == ATTACHMENT,
                }
            )
        except BaseException:
            # Shielded: a request cancelled mid-upload still removes its partial chunks.
            await asyncio.shield(writer.abort())
            raise
        return public_file(doc)

    def _too_large(self) -> PayloadTooLarge:
        return PayloadTooLarge(f"a file may be at most {self.max_file_bytes} bytes")

    async def _check_pupil_may_upload(
        self, actor: Principal, files: FileStore, task: Doc, now: datetime
    ) -> None:
        if not task["accepts"]["files"]:
            raise TakesNoFiles("this task takes no files")
        rules.check_submittable(task, await files.submission_of(task["_id"], actor.user_id), now)
        # Uploads an attempt never names are collected after a day; until then, this many.
        cap = self.max_files_per_attempt * (task["max_attempts"] + 1)
        if await files.count_uploads(task["_id"], SUBMISSION, actor.user_id) >= cap:
            raise TooManyFiles(
                f"you have uploaded {cap} files for this task; delete those you do not need"
            )

    async def _readable(self, actor: Principal, tenant: Tenant, file_id: str) -> tuple[Doc, Doc]:
        """(the file, its task) if `actor` may download the file; else 404."""
        tasks, files = self._stores(tenant)
        file = await files.file(file_id)
        if file is not None:
            task = await tasks.task(file["metadata"]["task_id"])
            if task is not None and may_download(actor, task, file, _now()):
                return file, task
        raise NotFound("no such file")

    async def download(
        self, actor: Principal, tenant: Tenant, file_id: str
    ) -> tuple[Doc, AsyncGridOut]:
        """The file's view and a reader yielding its chunks."""
        file, _task = await self._readable(actor, tenant, file_id)
        reader = FileStore(self.mongo.for_tenant(tenant)).reader(file)
        return public_file(file), reader

    async def attachments(self, actor: Principal, tenant: Tenant, task_id: str) -> list[Doc]:
        tasks, files = self._stores(tenant)
        rules.require_visible(actor, await tasks.task(task_id), _now())
        return [public_file(f) for f in await files.of_task(task_id, ATTACHMENT)]

    async def delete(self, actor: Principal, tenant: Tenant, file_id: str) -> None:
        """The uploader removes an upload no attempt names (a wrong file); the task's
        teachers remove its attachments."""
        forbid_guest_writes(actor)
        file, task = await self._readable(actor, tenant, file_id)
        if not may_delete(actor, task, file):
            raise Forbidden("only the uploader or the task's teachers delete a file")
        files = FileStore(self.mongo.for_tenant(tenant))
        meta = file["metadata"]
        if meta["kind"] == SUBMISSION:
            named = await files.referenced([meta["task_id"]], [meta["uploader_id"]])
            if file_id in named:
                raise Conflict("the file is part of handed-in work and stays")
        await files.delete(file_id)


async def _read_head(pieces: AsyncIterator[bytes]) -> tuple[bytes, bool]:
    """At least HEAD_BYTES of the body (less if it ends first), and whether it ended."""
    head = bytearray()
    while len(head) < HEAD_BYTES:
        try:
            head += await anext(pieces)
        except StopAsyncIteration:
            return bytes(head), True
    return bytes(head), False


# --- clean-up --------------------------------------------------------------------------------


async def collect_stale_files(tdb: TenantDb, now: datetime, *, limit: int = 500) -> int:
    """Delete, in one tenant, pupils' uploads older than STALE_AFTER that no attempt names
    (marking those that one does as kept), and the chunks of uploads cut off mid-stream.
    Returns how many files went; a full `limit` means there may be more."""
    files = FileStore(tdb)
    cutoff = now - STALE_AFTER
    removed = 0
    old = await files.unkept_before(cutoff, limit=limit)
    if old:
        named = await files.referenced(
            {f["metadata"]["task_id"] for f in old}, {f["metadata"]["uploader_id"] for f in old}
        )
        await files.mark_kept([f["_id"] for f in old if f["_id"] in named])
        for f in old:
            if f["_id"] not in named:
                await files.delete(f["_id"])
                removed += 1
    started = await files.first_chunks_between(
        new_file_id(cutoff - ORPHAN_WINDOW), new_file_id(cutoff), limit=limit
    )
    orphans = sorted(set(started) - await files.existing(started))
    if orphans:
        await files.delete_chunks(orphans)
    return removed + len(orphans)


async def collect_stale_files_everywhere(mongo: Mongo, now: datetime | None = None) -> int:
    """The clean-up in every tenant's database (one job loops over the districts)."""
    when = now or _now()
    return sum([await collect_stale_files(tdb, when) for tdb in mongo.all_tenants()])
