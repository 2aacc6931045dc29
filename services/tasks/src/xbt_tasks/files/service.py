"""File use cases: upload to a task (streamed into GridFS), download, list a task's
attachments, delete; the check of the files an attempt names; the clean-up of uploads no
attempt names. Rules are in `domain`, GridFS in `store`."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from xbt_shared.auth import forbid_guest_writes
from xbt_shared.clock import now_ms
from xbt_shared.errors import Conflict, Forbidden, NotFound, PayloadTooLarge, invalid
from xbt_shared.mongo import Doc, Mongo, TenantDb
from xbt_tasks.assignments.domain import Task, require_visible
from xbt_tasks.assignments.service import task_of
from xbt_tasks.files.domain import (
    ATTACHMENT,
    HEAD_BYTES,
    MAX_ATTACHMENTS,
    ORPHAN_WINDOW,
    STALE_AFTER,
    SUBMISSION,
    TakesNoFiles,
    TooManyFiles,
    check_attempt_files,
    clean_filename,
    content_type_of,
    may_delete,
    may_download,
    public_file,
    require_allowed_name,
    upload_kind,
)
from xbt_tasks.files.store import FileStore, new_file_id
from xbt_tasks.submissions.domain import check_submittable
from xbt_tasks.submissions.service import files_named, submission_of

if TYPE_CHECKING:
    # Only a type here: the request context is built by the HTTP layer.
    from xbt_shared.caller import Caller


@dataclass
class Files:
    max_file_bytes: int
    max_files_per_attempt: int

    async def upload(
        self,
        caller: Caller,
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
        actor = caller.principal
        forbid_guest_writes(actor)
        files = FileStore(caller.db)
        now = now_ms()
        task = require_visible(actor, await task_of(caller.db, task_id), now)
        kind = upload_kind(actor, task)
        if declared_size is not None and declared_size > self.max_file_bytes:
            raise self._too_large()
        name = clean_filename(filename)
        require_allowed_name(name)
        if kind == SUBMISSION:
            await self._check_pupil_may_upload(caller, files, task, now)
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
                    "class_id": task.class_of_pupil(actor) if kind == SUBMISSION else None,
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
        self, caller: Caller, files: FileStore, task: Task, now: datetime
    ) -> None:
        if not task.accepts.files:
            raise TakesNoFiles("this task takes no files")
        check_submittable(task, await submission_of(caller.db, task.id, caller.user_id), now)
        # Uploads an attempt never names are collected after a day; until then, this many.
        cap = self.max_files_per_attempt * (task.max_attempts + 1)
        if await files.count_uploads(task.id, SUBMISSION, caller.user_id) >= cap:
            raise TooManyFiles(
                f"you have uploaded {cap} files for this task; delete those you do not need"
            )

    async def check_attempt_files(
        self, caller: Caller, task: Task, file_ids: Sequence[str], *, limit: int
    ) -> None:
        """For the submit use case: 422 `body.file_ids` unless the files are the pupil's own
        uploads for this task, at most `limit` of them."""
        if file_ids:
            found = await FileStore(caller.db).files(file_ids[: limit + 1])
            check_attempt_files(caller.principal, task, file_ids, found, limit=limit)

    async def _readable(self, caller: Caller, file_id: str) -> tuple[Doc, Task]:
        """(the file, its task) if the caller may download the file; else 404."""
        file = await FileStore(caller.db).file(file_id)
        if file is not None:
            task = await task_of(caller.db, file["metadata"]["task_id"])
            if task is not None and may_download(caller.principal, task, file, now_ms()):
                return file, task
        raise NotFound("no such file")

    async def download(self, caller: Caller, file_id: str) -> tuple[Doc, AsyncIterator[bytes]]:
        """The file's view and its bytes, chunk by chunk."""
        file, _task = await self._readable(caller, file_id)
        return public_file(file), FileStore(caller.db).chunks(file)

    async def attachments(self, caller: Caller, task_id: str) -> list[Doc]:
        require_visible(caller.principal, await task_of(caller.db, task_id), now_ms())
        return [public_file(f) for f in await FileStore(caller.db).of_task(task_id, ATTACHMENT)]

    async def delete(self, caller: Caller, file_id: str) -> None:
        """The uploader removes an upload no attempt names (a wrong file); the task's
        teachers remove its attachments."""
        forbid_guest_writes(caller.principal)
        file, task = await self._readable(caller, file_id)
        if not may_delete(caller.principal, task, file):
            raise Forbidden("only the uploader or the task's teachers delete a file")
        meta = file["metadata"]
        if meta["kind"] == SUBMISSION:
            named = await files_named(caller.db, [meta["task_id"]], [meta["uploader_id"]])
            if file_id in named:
                raise Conflict("the file is part of handed-in work and stays")
        await FileStore(caller.db).delete(file_id)


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
        named = await files_named(
            tdb,
            {f["metadata"]["task_id"] for f in old},
            {f["metadata"]["uploader_id"] for f in old},
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
    when = now or now_ms()
    return sum([await collect_stale_files(tdb, when) for tdb in mongo.all_tenants()])
