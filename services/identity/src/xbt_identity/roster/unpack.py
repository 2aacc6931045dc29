"""Opening a roster zip (a OneRoster bundle or an XLSX workbook) without trusting it.

A zip states how large each member inflates, and a zip bomb lies or simply states a lot:
under 1 MB uploaded can inflate to gigabytes. So nothing here believes a declared size.
Members are inflated in bounded reads against a running cap for the whole archive; a member
that inflates more than `MAX_RATIO` times its compressed size is refused as soon as it does
(a run of zeros gets there after 1 MiB); the central directory and the number of entries are
capped before `zipfile` builds an object per entry. Memory stays under the cap plus a read.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Callable

MiB = 1024 * 1024
READ_BYTES = 64 * 1024
# Real rosters compress 3-15:1 (CSV text, worksheet XML); a bomb 1000:1.
MAX_RATIO = 100
RATIO_FROM_BYTES = 1 * MiB  # small members (an empty sheet's XML) compress better than that
# A OneRoster bundle has a dozen files, a workbook a few dozen parts.
MAX_ENTRIES = 1_000
MAX_DIRECTORY_BYTES = 1 * MiB
_END_OF_DIRECTORY = b"PK\x05\x06"
_END_RECORD_BYTES = 22
_MAX_COMMENT_BYTES = 0xFFFF


class TooLarge(ValueError):
    """The archive inflates (or would) past what a roster needs: the message says why."""


class Damaged(ValueError):
    """The archive cannot be read as a zip."""


class Archive:
    """A roster zip whose members are read within one running byte budget."""

    def __init__(self, data: bytes, *, max_bytes: int) -> None:
        _check_directory(data)
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
            raise Damaged(str(exc)) from exc
        if len(self.zip.infolist()) > MAX_ENTRIES:
            self.zip.close()
            raise TooLarge(f"压缩文件的条目超过 {MAX_ENTRIES} 个，不像是名单文件")
        self.max_bytes = max_bytes
        self.left = max_bytes

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *_: object) -> None:
        self.zip.close()

    def namelist(self) -> list[str]:
        return self.zip.namelist()

    def read(self, name: str) -> bytes:
        """A member's bytes, counted as they inflate."""
        parts: list[bytes] = []
        self._inflate(self.zip.getinfo(name), parts.append)
        return b"".join(parts)

    def check_every_member(self) -> None:
        """Inflate every member once, keeping nothing, before a library that trusts the
        declared sizes (openpyxl) reads them."""
        for info in self.zip.infolist():
            if not info.is_dir():
                self._inflate(info, lambda _: None)

    def _inflate(self, info: zipfile.ZipInfo, keep: Callable[[bytes], None]) -> None:
        inflated = 0
        try:
            with self.zip.open(info) as member:
                while chunk := member.read(READ_BYTES):
                    inflated += len(chunk)
                    self.left -= len(chunk)
                    if self.left < 0:
                        raise TooLarge(
                            f"压缩文件解压后超过 {self.max_bytes // MiB} MiB，"
                            "请把名单拆成几个文件分别上传"
                        )
                    if inflated > RATIO_FROM_BYTES and inflated > MAX_RATIO * max(
                        info.compress_size, 1
                    ):
                        raise TooLarge(
                            f"压缩文件中的 {info.filename} 解压后是压缩大小的 {MAX_RATIO} 倍以上，"
                            "不像是名单文件"
                        )
                    keep(chunk)
        except (
            zipfile.BadZipFile,
            zipfile.LargeZipFile,
            zlib.error,
            EOFError,
            OSError,
            NotImplementedError,
            RuntimeError,
        ) as exc:
            # A wrong CRC (zipfile stops at the declared size, so a lie ends the member
            # early), broken deflate data, an unsupported method or an encrypted member.
            raise Damaged(f"{info.filename}: {exc}") from exc


def _check_directory(data: bytes) -> None:
    """Refuse a central directory larger than a roster's before `zipfile` parses it (it
    builds an object for every entry it lists, however many the end record claims)."""
    end = data.rfind(_END_OF_DIRECTORY, max(0, len(data) - _END_RECORD_BYTES - _MAX_COMMENT_BYTES))
    if end < 0 or end + _END_RECORD_BYTES > len(data):
        return  # no end record: zipfile says the zip is damaged
    (directory_bytes,) = struct.unpack("<I", data[end + 12 : end + 16])
    if directory_bytes > MAX_DIRECTORY_BYTES:  # also the ZIP64 marker 0xFFFFFFFF
        raise TooLarge(f"压缩文件的条目超过 {MAX_ENTRIES} 个，不像是名单文件")
