"""Files without I/O: what may be uploaded (by name and by content), who uploads, downloads
and deletes, and which files an attempt may name.

Files are kept in GridFS in the tenant's database (`store`) and streamed in and out chunk
by chunk (`service`): no request ever holds a whole file in memory.

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

import codecs
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Literal
from urllib.parse import quote

from xbt_shared.auth import Principal
from xbt_shared.errors import Forbidden, Problem, invalid
from xbt_shared.mongo import Doc
from xbt_tasks.assignments.domain import Task

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


# --- who (no I/O) ----------------------------------------------------------------------------


def upload_kind(actor: Principal, task: Task) -> Kind:
    """Teachers of the task attach; its pupils hand in; nobody else uploads."""
    if task.taught_by(actor):
        return ATTACHMENT
    if task.class_of_pupil(actor) is not None:
        return SUBMISSION
    raise Forbidden("files are uploaded by the task's pupils and teachers")


def may_download(actor: Principal, task: Task, file: Mapping[str, Any], now: datetime) -> bool:
    meta = file["metadata"]
    if meta["uploader_id"] == actor.user_id or task.managed_by(actor):
        return True
    return (
        meta["kind"] == ATTACHMENT and task.opened(now) and task.class_of_pupil(actor) is not None
    )


def may_delete(actor: Principal, task: Task, file: Mapping[str, Any]) -> bool:
    """The uploader; for an attachment, any teacher of the task."""
    meta = file["metadata"]
    return meta["uploader_id"] == actor.user_id or (
        meta["kind"] == ATTACHMENT and task.taught_by(actor)
    )


def check_attempt_files(
    actor: Principal,
    task: Task,
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
        and f["metadata"]["task_id"] == task.id
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
