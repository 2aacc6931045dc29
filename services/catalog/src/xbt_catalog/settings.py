"""Catalog settings (env prefix XBT_CATALOG_, plus the common XBT_ ones)."""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from xbt_shared.settings import CommonSettings


class CatalogSettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="XBT_CATALOG_", extra="ignore")

    service_name: str = "catalog"
    # Shared reads (trees, category pages, details, schedules) stay in Redis this long;
    # publishing invalidates them at once, so the TTL only bounds memory.
    cache_ttl_seconds: int = Field(default=600, ge=1)
    # Browsers and proxies may reuse an answer this long before revalidating with its ETag.
    client_max_age_seconds: int = Field(default=60, ge=0)
    # View counts are counted in Redis and written to MongoDB in batches this often.
    views_flush_seconds: float = Field(default=5.0, gt=0)
    # How often a replica looks for content published elsewhere to add to its search index.
    index_follow_seconds: float = Field(default=2.0, gt=0)
    max_page_size: int = Field(default=50, ge=1, le=200)
    # Where readers open the portal: links handed out to other apps (the TV schedule's
    # replay links, in JSON and in calendar feeds) are absolute URLs of its pages.
    portal_base_url: str = Field(default="http://127.0.0.1:8000", pattern=r"^https?://[^\s/]+")

    @field_validator("portal_base_url")
    @classmethod
    def _without_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")
