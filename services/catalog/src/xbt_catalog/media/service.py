"""Media use cases: a signed link to a resource's file for a reader who may see the resource,
and reading a file through such a link.

`<video src>` and `<a href>` cannot send the reader's bearer token, so the portal asks for a
link first (`GET /v1/resources/{id}/media-link`, signed in) and hands the browser its `url`.
The link names the file, the tenant whose database holds it and an expiry, signed with the
service's media key; reading it needs no token, and no database read besides the file's.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from xbt_catalog.courses.service import Courses
from xbt_catalog.media.domain import (
    Link,
    LinkRefused,
    link_expiring,
    media_id_in,
    verified_link,
)
from xbt_catalog.media.store import MediaStore, StoredFile
from xbt_catalog.resources.domain import scopes_of
from xbt_catalog.resources.service import Resources, reader_of
from xbt_shared.caller import Caller
from xbt_shared.errors import Forbidden, NotFound
from xbt_shared.mongo import Doc, Mongo
from xbt_shared.settings import CommonSettings
from xbt_shared.tenancy import CITY, Tenant, is_tenant

# A developer's machine only: `environment=prod` refuses it (every replica must share one
# real key, from a Secret).
TextbookPart = Literal["read", "download"]
TEXTBOOK_PARTS: dict[str, str] = {"read": "read_url", "download": "download_url"}

DEV_SIGNING_KEY = "dev-only-catalog-media-signing-key-not-for-prod"


class MediaSettings(BaseSettings):
    """Env prefix XBT_CATALOG_MEDIA_."""

    model_config = SettingsConfigDict(env_prefix="XBT_CATALOG_MEDIA_", extra="ignore")

    # The service's `environment` (given by `MediaLibrary.build`).
    environment: str = "dev"
    # Signs media links; the previous key is still accepted while links it signed live.
    signing_key: SecretStr = SecretStr(DEV_SIGNING_KEY)
    previous_signing_key: SecretStr | None = None
    # How long a link lives at least: a whole lesson's playback, seeking included.
    link_seconds: int = Field(default=4 * 3600, ge=60, le=7 * 24 * 3600)
    # The public origin (the gateway's) that stored media URLs name.
    public_url: str = "http://127.0.0.1:8000"

    @model_validator(mode="after")
    def _refuse_dev_key_in_prod(self) -> MediaSettings:
        if self.environment == "prod" and self.signing_key.get_secret_value() == DEV_SIGNING_KEY:
            raise ValueError("set XBT_CATALOG_MEDIA_SIGNING_KEY: the development key is refused")
        return self

    @property
    def keys(self) -> tuple[bytes, ...]:
        keys = [self.signing_key.get_secret_value().encode()]
        if self.previous_signing_key is not None:
            keys.append(self.previous_signing_key.get_secret_value().encode())
        return tuple(keys)

    def media_url(self, media_id: str) -> str:
        """A stored file's URL as resources name it (reading it needs a signed link)."""
        return f"{self.public_url.rstrip('/')}/api/catalog/v1/media/{media_id}"


@dataclass(frozen=True, slots=True)
class Opened:
    """A file a verified link names."""

    link: Link
    file: StoredFile


@dataclass
class MediaLibrary:
    mongo: Mongo
    resources: Resources
    courses: Courses | None = None
    settings: MediaSettings = field(default_factory=MediaSettings)
    clock: Callable[[], float] = time.time

    @classmethod
    def build(
        cls, mongo: Mongo, resources: Resources, courses: Courses, *, settings: CommonSettings
    ) -> MediaLibrary:
        media = MediaSettings(environment=settings.environment)
        return cls(mongo=mongo, resources=resources, courses=courses, settings=media)

    def store(self, tenant_id: str) -> MediaStore:
        return MediaStore(self.mongo.for_tenant(Tenant(tenant_id)))

    async def resource_link(self, caller: Caller, resource_id: str, *, prefix: str) -> Doc:
        """A signed link to the resource's file, for a reader who may see the resource."""
        reader = reader_of(caller)
        for scope in reversed(scopes_of(reader)):
            found = (await self.resources.readable_in(reader, scope, [resource_id])).get(
                resource_id
            )
            if found is not None:
                break
        else:
            raise NotFound(f"no resource {resource_id!r}")
        media: Doc = found.get("media") or {}
        return await self._link(scope, media.get("url"), media.get("format"), prefix=prefix)

    async def course_link(
        self, caller: Caller, course_id: str, lesson_id: str, *, prefix: str
    ) -> Doc:
        """A signed link to an open-school lesson's video, for a reader who may see the course."""
        if self.courses is None:
            raise NotFound(f"no course {course_id!r}")
        course: Doc = json.loads((await self.courses.course(reader_of(caller), course_id)).body)
        for lesson in course.get("lessons") or []:
            if lesson.get("id") == lesson_id:
                media: Doc = lesson.get("media") or {}
                return await self._link(
                    course["owner"], media.get("url"), media.get("format"), prefix=prefix
                )
        raise NotFound(f"course {course_id!r} has no lesson {lesson_id!r}")

    async def textbook_link(
        self, caller: Caller, textbook_id: str, part: TextbookPart, *, prefix: str
    ) -> Doc:
        """A signed link to a textbook's reading page (`read`) or its PDF (`download`)."""
        reader = reader_of(caller)
        found = await self.resources.readable_textbook(reader, textbook_id)
        if found is None:
            raise NotFound(f"no textbook {textbook_id!r}")
        url = found.get(TEXTBOOK_PARTS[part])
        owner = str((found.get("provider") or {}).get("tenant") or CITY)
        return await self._link(owner, url, "h5" if part == "read" else "pdf", prefix=prefix)

    async def _link(self, scope: str, url: Any, fmt: Any, *, prefix: str) -> Doc:
        media_id = media_id_in(url)
        stored = await self.store(scope).file(media_id) if media_id else None
        if stored is None:
            raise NotFound(
                "no file kept here for it",
                slug="no-stored-media",
                zh="这个内容没有可在平台内播放或阅读的文件",
            )
        link = link_expiring(
            stored.media_id, scope, now=self.clock(), lifetime=self.settings.link_seconds
        )
        return {
            "url": link.path(self.settings.keys[0], prefix=prefix),
            "expires_at": link.expires_at,
            "media_id": stored.media_id,
            "content_type": stored.content_type,
            "format": fmt if isinstance(fmt, str) else stored.metadata.get("format"),
            "size_bytes": stored.size,
            "duration_s": stored.metadata.get("duration_s"),
        }

    async def open(
        self, media_id: str, *, owner: str | None, expires: int | None, signature: str | None
    ) -> Opened:
        """The file a link names, if the link is ours and current; or a public file (a
        cover picture) of the tenant `owner` names, without a signature."""
        if signature is None and expires is None and owner is not None and is_tenant(owner):
            public = await self.store(owner).file(media_id)
            if public is not None and public.public:
                return Opened(link=Link(media_id, owner, 0), file=public)
        try:
            link = verified_link(
                media_id,
                owner=owner,
                expires=expires,
                signature=signature,
                keys=self.settings.keys,
                now=self.clock(),
            )
        except LinkRefused as refused:
            if refused.expired:
                raise Forbidden(
                    str(refused),
                    slug="media-link-expired",
                    title="Media link expired",
                    zh="播放链接已过期，请重新打开资源",
                ) from None
            raise Forbidden(
                f"{refused}: ask GET /v1/resources/{{id}}/media-link for one",
                slug="media-link-invalid",
                title="No valid media link",
                zh="请从资源页面打开文件（链接无效）",
            ) from None
        if not is_tenant(link.owner):
            raise NotFound(f"no media {media_id!r}")
        stored = await self.store(link.owner).file(media_id)
        if stored is None:
            raise NotFound(f"no media {media_id!r}")
        return Opened(link=link, file=stored)

    def read(self, opened: Opened, *, start: int, length: int) -> AsyncIterator[bytes]:
        return self.store(opened.link.owner).read(opened.file.media_id, start=start, length=length)

    def max_age(self, opened: Opened) -> int | None:
        """How long a browser may keep the file: until its link expires (None: a public
        file, for ever)."""
        if opened.file.public:
            return None
        return opened.link.max_age(self.clock())
