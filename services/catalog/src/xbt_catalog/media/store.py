"""Media files in GridFS (bucket `media`: collections `media.files`, `media.chunks`) of one
tenant's catalog database. A file's `_id` is its content address (`domain.media_id_of`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from gridfs import AsyncGridFSBucket
from gridfs.errors import NoFile
from pymongo.errors import DuplicateKeyError

from xbt_shared.mongo import Doc, TenantStore

BUCKET = "media"
# GridFS stores a file in chunks of this size; a range read starts at the chunk it falls in.
CHUNK_BYTES = 255 * 1024


@dataclass(frozen=True, slots=True)
class StoredFile:
    media_id: str
    size: int
    metadata: Doc

    @property
    def public(self) -> bool:
        """Readable without a link (cover pictures): content anyone may see anyway."""
        return bool(self.metadata.get("public"))

    @property
    def content_type(self) -> str:
        return str(self.metadata.get("content_type") or "application/octet-stream")


def _stored(doc: Doc) -> StoredFile:
    return StoredFile(
        media_id=doc["_id"], size=int(doc["length"]), metadata=doc.get("metadata") or {}
    )


class MediaStore(TenantStore):
    @property
    def _bucket(self) -> AsyncGridFSBucket:
        return AsyncGridFSBucket(self.tdb.db, bucket_name=BUCKET, chunk_size_bytes=CHUNK_BYTES)

    async def ensure_indexes(self) -> None:
        files = self.tdb[f"{BUCKET}.files"]
        await files.create_index("metadata.source")
        # GridFS would create these on its first write; made here so reads never scan.
        await files.create_index([("filename", 1), ("uploadDate", 1)])
        await self.tdb[f"{BUCKET}.chunks"].create_index([("files_id", 1), ("n", 1)], unique=True)

    async def file(self, media_id: str) -> StoredFile | None:
        doc = await self.tdb[f"{BUCKET}.files"].find_one({"_id": media_id})
        return _stored(doc) if doc is not None else None

    async def file_from(self, source: str) -> StoredFile | None:
        """The file made from `source` (the hash of what it was generated from), if any."""
        doc = await self.tdb[f"{BUCKET}.files"].find_one({"metadata.source": source})
        return _stored(doc) if doc is not None else None

    async def put(self, media_id: str, data: bytes, *, filename: str, metadata: Doc) -> bool:
        """Store the file unless it is there already; whether it was new."""
        if await self.file(media_id) is not None:
            return False
        try:
            await self._bucket.upload_from_stream_with_id(
                media_id, filename, data, metadata=metadata
            )
        except DuplicateKeyError:  # another seeder stored the same bytes meanwhile
            return False
        return True

    async def read(self, media_id: str, *, start: int, length: int) -> AsyncIterator[bytes]:
        """`length` bytes from `start`, a GridFS chunk at a time (never the whole file)."""
        try:
            stream = await self._bucket.open_download_stream(media_id)
        except NoFile:
            return
        try:
            await stream.seek(start)
            left = length
            while left > 0:
                part = await stream.read(min(left, CHUNK_BYTES))
                if not part:
                    break
                left -= len(part)
                yield part
        finally:
            await stream.close()

    async def chunks_of(self, media_id: str) -> int:
        return await self.tdb[f"{BUCKET}.chunks"].count_documents({"files_id": media_id})

    async def count(self, query: dict[str, Any] | None = None) -> int:
        return await self.tdb[f"{BUCKET}.files"].count_documents(query or {})
