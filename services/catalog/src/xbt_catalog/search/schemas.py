"""The public contract of catalog search: one page of result summaries with facet counts."""

from __future__ import annotations

from pydantic import BaseModel, Field

from xbt_catalog.resources.schemas import ResourceSummary, Sort


class ResourcePage(BaseModel):
    items: list[ResourceSummary]
    total: int
    page: int
    size: int
    facets: dict[str, dict[str, int]] = Field(
        description=(
            "facet (stage, grade, subject, kind, category, enrichment_kind, provider) -> "
            "value -> matching resources, counted as if that facet's own filter were not set"
        )
    )
    relaxed: bool = Field(description="not every query term had to match")
    query: str
    sort: Sort
