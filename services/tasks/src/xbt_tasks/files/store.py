"""Files in GridFS, in one tenant's database (`tasks_<tenant>`: `fs.files` + `fs.chunks`).

Uploads are written by `GridFsWriter`, not by pymongo's `AsyncGridFSBucket.open_upload_stream`:
since pymongo 4.7 (PYTHON-4146) its upload stream batches chunks in memory and inserts them
only when 48 MB have gathered or the file is closed, so a 20 MB upload would sit whole in the
process. The writer inserts each chunk as soon as it is full and writes the same documents
the GridFS specification defines (`files_id`/`n`/`data` chunks, then the `fs.files` document
with `length`, `chunkSize`, `uploadDate`, `filename`, `metadata`), so pymongo's bucket reads,
streams and deletes them as any GridFS file, on MongoDB as on SecantusDB.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Collection, Sequence
from datetime import datetime

from bson import ObjectId
from bson.int64 import Int64
from gridfs import AsyncGridFSBucket, AsyncGridOut, NoFile
from pymongo import ASCENDING

from xbt_shared.clock import now_ms
from xbt_shared.mongo import Doc, TenantDb, TenantStore

BUCKET = "fs"
FILES = f"{BUCKET}.files"
CHUNKS = f"{BUCKET}.chunks"
# GridFS's default: a chunk document stays well under the 16 MB BSON limit, and a reader
# holds one chunk at a time.
CHUNK_SIZE = 255 * 1024


def new_file_id(at: datetime | None = None) -> str:
    """`fl-` + an ObjectId: unique, and ordered by time (the clean-up reads ranges of it)."""
    return f"fl-{ObjectId.from_datetime(at) if at is not None else ObjectId()}"


class GridFsWriter:
    """One GridFS file written chunk by chunk as its bytes arrive: at most one chunk (plus the
    piece being added) is held in memory. `close()` makes the file visible (until then there
    is no `fs.files` document); `abort()` removes whatever was written."""

    def __init__(
        self, tdb: TenantDb, file_id: str, filename: str, *, chunk_size: int = CHUNK_SIZE
    ) -> None:
        self._files = tdb[FILES]
        self._chunks = tdb[CHUNKS]
        self.file_id = file_id
        self.filename = filename
        self.chunk_size = chunk_size
        self._buffer = bytearray()
        self._n = 0
        self.length = 0

    async def write(self, data: bytes) -> None:
        self._buffer += data
        self.length += len(data)
        while len(self._buffer) >= self.chunk_size:
            await self._insert_chunk(bytes(self._buffer[: self.chunk_size]))
            del self._buffer[: self.chunk_size]

    async def _insert_chunk(self, data: bytes) -> None:
        await self._chunks.insert_one({"files_id": self.file_id, "n": self._n, "data": data})
        self._n += 1

    async def close(self, metadata: Doc) -> Doc:
        """Write the last chunk and the file document; returns that document."""
        if self._buffer:
            await self._insert_chunk(bytes(self._buffer))
            self._buffer.clear()
        doc: Doc = {
            "_id": self.file_id,
            "length": Int64(self.length),
            "chunkSize": self.chunk_size,
            "uploadDate": now_ms(),
            "filename": self.filename,
            "metadata": metadata,
        }
        await self._files.insert_one(doc)
        return doc

    async def abort(self) -> None:
        self._buffer.clear()
        await self._chunks.delete_many({"files_id": self.file_id})
        await self._files.delete_one({"_id": self.file_id})


class FileStore(TenantStore):
    """Stored files of one tenant (GridFS writes are not transactional: no unit of work)."""

    def __init__(self, tdb: TenantDb) -> None:
        super().__init__(tdb)
        self.bucket = AsyncGridFSBucket(tdb.db, bucket_name=BUCKET)

    async def ensure_indexes(self) -> None:
        files, chunks = self.tdb[FILES], self.tdb[CHUNKS]
        # GridFS's chunk index (same name as the drivers give it): reading a file in order,
        # and no chunk twice. Its `filename, uploadDate` index is left out: nothing here
        # looks files up by name.
        await chunks.create_index([("files_id", ASCENDING), ("n", ASCENDING)], unique=True)
        # A task's attachments, and a pupil's uploads for a task.
        await files.create_index(
            [
                ("metadata.task_id", ASCENDING),
                ("metadata.kind", ASCENDING),
                ("metadata.uploader_id", ASCENDING),
            ]
        )
        # The clean-up's old uploads that no attempt is known to name.
        await files.create_index([("metadata.kept", ASCENDING), ("uploadDate", ASCENDING)])

    def writer(self, file_id: str, filename: str) -> GridFsWriter:
        return GridFsWriter(self.tdb, file_id, filename)

    async def file(self, file_id: str) -> Doc | None:
        return await self.tdb[FILES].find_one({"_id": file_id})

    async def files(self, file_ids: Sequence[str]) -> list[Doc]:
        cursor = self.tdb[FILES].find({"_id": {"$in": list(file_ids)}})
        return [doc async for doc in cursor]

    async def chunks(self, file: Doc) -> AsyncIterator[bytes]:
        """The bytes of a file whose `fs.files` document was just read, chunk by chunk, as
        GridFS's reader yields them (checking each chunk's number and size)."""
        reader = AsyncGridOut(self.tdb.db[BUCKET], file_document=file)
        try:
            while chunk := await reader.readchunk():
                yield chunk
        finally:
            await reader.close()

    async def of_task(self, task_id: str, kind: str, *, limit: int = 100) -> list[Doc]:
        cursor = (
            self.tdb[FILES]
            .find({"metadata.task_id": task_id, "metadata.kind": kind})
            .sort("uploadDate", ASCENDING)
            .limit(limit)
        )
        return [doc async for doc in cursor]

    async def count_uploads(self, task_id: str, kind: str, uploader_id: str) -> int:
        return await self.tdb[FILES].count_documents(
            {
                "metadata.task_id": task_id,
                "metadata.kind": kind,
                "metadata.uploader_id": uploader_id,
            }
        )

    async def delete(self, file_id: str) -> None:
        """The file document first, then its chunks (GridFS's order: no reader finds a file
        whose chunks are half gone)."""
        with contextlib.suppress(NoFile):
            await self.bucket.delete(file_id)

    # clean-up -------------------------------------------------------------------------------

    async def unkept_before(self, before: datetime, *, limit: int) -> list[Doc]:
        """Pupils' uploads from before `before` not yet known to be named by an attempt."""
        cursor = (
            self.tdb[FILES]
            .find({"metadata.kept": False, "uploadDate": {"$lt": before}})
            .sort("uploadDate", ASCENDING)
            .limit(limit)
        )
        return [doc async for doc in cursor]

    async def mark_kept(self, file_ids: Collection[str]) -> None:
        if file_ids:
            await self.tdb[FILES].update_many(
                {"_id": {"$in": list(file_ids)}}, {"$set": {"metadata.kept": True}}
            )

    async def first_chunks_between(self, low_id: str, high_id: str, *, limit: int) -> list[str]:
        """Ids of files with chunks whose (time-ordered) id lies in [low_id, high_id)."""
        cursor = (
            self.tdb[CHUNKS]
            .find({"files_id": {"$gte": low_id, "$lt": high_id}, "n": 0}, {"files_id": 1})
            .limit(limit)
        )
        return [doc["files_id"] async for doc in cursor]

    async def existing(self, file_ids: Sequence[str]) -> set[str]:
        cursor = self.tdb[FILES].find({"_id": {"$in": list(file_ids)}}, {"_id": 1})
        return {doc["_id"] async for doc in cursor}

    async def delete_chunks(self, file_ids: Sequence[str]) -> None:
        await self.tdb[CHUNKS].delete_many({"files_id": {"$in": list(file_ids)}})
