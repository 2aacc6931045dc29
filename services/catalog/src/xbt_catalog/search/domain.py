"""What goes into the search engine and what comes out of it (no I/O)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Literal

MAX_PAGE_SIZE = 50
# Deepest result a page may reach (page * size): top-k work grows with it, nobody reads
# result 5,001 of a keyword search, and crawlers walking pages stop here.
MAX_RESULT_WINDOW = 5_000

Sort = Literal["relevance", "newest", "most_viewed"]
SORTS: tuple[str, ...] = ("relevance", "newest", "most_viewed")

# Facet name -> SearchDoc attribute. `grade` is multi-valued (a resource for grades 7-9).
FACETS: dict[str, str] = {
    "stage": "stage",
    "grade": "grades",
    "subject": "subject",
    "kind": "kind",
    "category": "category",
    "enrichment_kind": "enrichment_kind",
    "provider": "provider",
}
FacetValue = str | int
OPEN_PROVIDERS = ("city", "district")  # visible to every reader of their index


@dataclass(frozen=True, slots=True)
class SearchDoc:
    """One published resource as the engine sees it. `provider` is who provides it: "city"
    and "district" resources are visible to every reader of the index; anything else counts
    as a school's and is visible only to readers of `school` (so a school resource without
    a school, or with an unexpected provider, is visible to nobody rather than to all)."""

    id: str
    title: str
    kind: str
    provider: str
    description: str = ""
    tags: Sequence[str] = ()
    stage: str | None = None
    grades: Sequence[int] = ()
    subject: str | None = None
    category: str | None = None
    enrichment_kind: str | None = None
    published_at: float = 0.0
    views: int = 0
    guest_visible: bool = False
    school: str | None = None
    # The textbook nodes it is attached to and every node above them (its books included):
    # what a filter by chapter matches.
    nodes: Sequence[str] = ()

    def __post_init__(self) -> None:
        if isinstance(self.tags, str):  # one tag, not its characters
            object.__setattr__(self, "tags", (self.tags,))
        if isinstance(self.nodes, str):
            object.__setattr__(self, "nodes", (self.nodes,))


def _frozen(values: Iterable[FacetValue] | FacetValue | None) -> frozenset[FacetValue]:
    if values is None:
        return frozenset()
    if isinstance(values, str | int):
        return frozenset((values,))
    return frozenset(values)


@dataclass(frozen=True, slots=True)
class Filters:
    """Facet narrowing: facets combine with AND, the values of one facet with OR, and a
    grade filter keeps resources made for any of the given grades. `node` (textbook nodes,
    OR) keeps resources attached to one of them or to a node below it; it is a filter, not a
    facet: it narrows what is counted and has no counts of its own."""

    stage: frozenset[str] = field(default_factory=frozenset)
    grade: frozenset[int] = field(default_factory=frozenset)
    subject: frozenset[str] = field(default_factory=frozenset)
    kind: frozenset[str] = field(default_factory=frozenset)
    category: frozenset[str] = field(default_factory=frozenset)
    enrichment_kind: frozenset[str] = field(default_factory=frozenset)
    provider: frozenset[str] = field(default_factory=frozenset)
    node: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        for f in fields(self):
            object.__setattr__(self, f.name, _frozen(getattr(self, f.name)))
        try:  # grades arrive as strings from query strings
            object.__setattr__(self, "grade", frozenset(int(g) for g in self.grade))
        except ValueError:
            raise ValueError(
                f"grades are whole numbers, not {sorted(map(str, self.grade))}"
            ) from None

    @classmethod
    def of(cls, mapping: Mapping[str, Iterable[FacetValue] | FacetValue | None]) -> Filters:
        unknown = set(mapping) - set(FACETS) - {"node"}
        if unknown:
            raise ValueError(f"unknown facets {sorted(unknown)}; known: {list(FACETS)}")
        return cls(**{k: _frozen(v) for k, v in mapping.items()})  # type: ignore[arg-type]

    def narrowed(self, facet: str, *values: FacetValue) -> Filters:
        """These filters plus `values` on `facet` (OR with what that facet already has)."""
        if facet not in FACETS:
            raise ValueError(f"unknown facet {facet!r}")
        current: frozenset[FacetValue] = getattr(self, facet)
        return Filters.of({**self.active(), "node": self.node, facet: current | frozenset(values)})

    def active(self) -> dict[str, frozenset[FacetValue]]:
        return {name: getattr(self, name) for name in FACETS if getattr(self, name)}


FilterSpec = Filters | Mapping[str, Iterable[FacetValue] | FacetValue | None] | None


@dataclass(frozen=True, slots=True)
class SearchHit:
    id: str
    score: float
    source: str  # the index (tenant) that holds the document


@dataclass(frozen=True, slots=True)
class SearchResult:
    """One page. `facets[name][value]` counts the matching resources the reader may see,
    computed as if `name`'s own filter were not applied (disjunctive facets); selected
    values are listed even at zero. `relaxed` says not every query term had to match."""

    hits: list[SearchHit]
    total: int
    facets: dict[str, dict[FacetValue, int]]
    page: int
    size: int
    sort: str
    relaxed: bool


@dataclass(frozen=True)
class SearchPage:
    """One page of a catalog search: the hits as (owner tenant, resource id) in result
    order, and facet counts keyed by their values as text (as JSON answers carry them)."""

    ids: list[tuple[str, str]]
    total: int
    facets: dict[str, dict[str, int]]
    relaxed: bool = False
