"""One tenant's in-memory search index: postings, per-document statistics, facet bitsets.

Layout (all lists are indexed by an internal document number, reused after removal):

- postings: term -> {docnum: packed tf}, tf packed as title | tags << 8 | description << 16,
  so a posting costs one dict slot and no extra object;
- per document: the three compact field texts (for the phrase bonus and one-character
  queries), field lengths, BM25F length factors, published_at, views;
- facets and visibility: one bitset per value (a Python int used as a bit array), kept in
  step with the documents; AND/OR/popcount over 50,000 documents take microseconds, so
  facet counts, filters and totals never loop over documents in Python;
- the live documents in "newest" and "most viewed" order, for browsing;
- for one-term queries matching many documents (课件, 数学, 学), the term's documents in
  score order and as a bitset, kept up to date by add/remove (an LRU of IMPACT_CACHE terms):
  a single term's idf scales every score alike, so its order does not depend on it.

Safe to share between threads: changes and searches take the index's lock (a search over
several indexes takes all of theirs, in a fixed order); analysing a document's text happens
before the lock is taken.
"""

from __future__ import annotations

import math
import threading
from bisect import bisect_left, insort
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from heapq import nlargest, nsmallest
from itertools import chain
from typing import TypeVar

from xbt_catalog.search.analysis import QueryPlan, compact, field_terms, is_cjk, normalize
from xbt_catalog.search.domain import (
    FACETS,
    OPEN_PROVIDERS,
    FacetValue,
    Filters,
    FilterSpec,
    SearchDoc,
    SearchResult,
)

K1 = 1.2
TITLE, TAGS, DESCRIPTION = 0, 1, 2
WEIGHTS = (3.0, 2.0, 1.0)  # title weighs most, then tags, then description
B = (0.5, 0.5, 0.75)  # length normalisation per field
# The whole query inside the title adds this fraction of the query's summed idf; a tag equal
# to the whole query adds the smaller one.
TITLE_PHRASE_BONUS = 0.6
TAG_PHRASE_BONUS = 0.25
# Length factors are computed with a snapshot of the average field lengths, refreshed when
# an average has moved by more than this since (adding one document must not rescore all).
NORM_DRIFT = 0.02
# One-term queries matching at least this many documents are served from the impact cache.
IMPACT_MIN_DF = 1000
IMPACT_CACHE = 64
_TF_CAP = 255
# Only the start of a long description is indexed (bounded memory per document).
DESCRIPTION_CHARS = 2_000

SortKey = tuple[float | str, ...]
K = TypeVar("K", str, FacetValue)


def idf(df: int, n: int) -> float:
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


def mask_of(docnums: Iterable[int], nbytes: int) -> int:
    buf = bytearray(nbytes)
    for d in docnums:
        buf[d >> 3] |= 1 << (d & 7)
    return int.from_bytes(buf, "little")


class _Bits:
    """A set of document numbers with a lazily built, then incrementally kept, bitmask."""

    __slots__ = ("_mask", "members")

    def __init__(self) -> None:
        self.members: set[int] = set()
        self._mask: int | None = None

    def add(self, d: int) -> None:
        self.members.add(d)
        if self._mask is not None:
            self._mask |= 1 << d

    def discard(self, d: int) -> None:
        self.members.discard(d)
        if self._mask is not None:
            self._mask &= ~(1 << d)

    def mask(self, nbytes: int) -> int:
        if self._mask is None:
            self._mask = mask_of(self.members, nbytes)
        return self._mask


@dataclass(slots=True)
class _Analyzed:
    postings: dict[str, int]
    lengths: tuple[int, int, int]
    title: str
    tags: str
    description: str
    chars: str


def _analyze(doc: SearchDoc) -> _Analyzed:
    title = normalize(doc.title)
    t_terms, t_chars = field_terms(title)
    g_terms: list[str] = []
    g_chars: list[str] = []
    tags: list[str] = []
    for tag in doc.tags:
        tag = normalize(tag)
        terms, chars = field_terms(tag)
        g_terms += terms
        g_chars.append(chars)
        tags.append(compact(tag))
    description = normalize(doc.description[:DESCRIPTION_CHARS])
    d_terms, d_chars = field_terms(description)

    packed = {t: min(n, _TF_CAP) for t, n in Counter(t_terms).items()}
    for t, n in Counter(g_terms).items():
        packed[t] = packed.get(t, 0) + (min(n, _TF_CAP) << 8)
    for t, n in Counter(d_terms).items():
        packed[t] = packed.get(t, 0) + (n << 16)
    return _Analyzed(
        postings=packed,
        lengths=(len(t_terms), len(g_terms), len(d_terms)),
        title=compact(title),
        tags="|" + "|".join(tags) + "|",
        description=compact(description),
        chars="".join(set(t_chars).union(*g_chars, d_chars)),
    )


def _facet_values(doc: SearchDoc) -> Iterator[tuple[str, FacetValue]]:
    for facet, attr in FACETS.items():
        value = getattr(doc, attr)
        if value is None:
            continue
        if isinstance(value, str | int):
            yield facet, value
        else:
            for v in dict.fromkeys(value):
                yield facet, v


@dataclass(slots=True)
class Match:
    """An index's answer to the boolean part of a query, before ranking."""

    query_mask: int | None  # documents matching the query, before filters; None = browse
    visible: int  # documents the reader may see
    facet_masks: dict[str, int]  # active facet filter -> OR of its values' bitsets
    result_mask: int  # query & visible & every facet filter
    total: int
    matched: int  # documents matching the query that the reader may see, before facet filters
    rows: list[int] | None = None  # the result's documents, when the match listed them
    ranked: list[int] | None = None  # one-term query: its documents, best first


@dataclass(slots=True)
class _Impact:
    mask: int
    ranked: list[int]


class SearchIndex:
    """Documents of one tenant. `add` replaces a document with the same id."""

    def __init__(self, name: str = "") -> None:
        self.name = name
        self._lock = threading.RLock()
        self._num: dict[str, int] = {}
        self._free: list[int] = []
        self._docs: list[SearchDoc | None] = []
        self._ids: list[str] = []
        self._title: list[str] = []
        self._tags: list[str] = []
        self._description: list[str] = []
        self._lengths: list[tuple[int, int, int]] = []
        self._length_sums = [0, 0, 0]
        self._norm_avgs: tuple[float, float, float] | None = None
        self._coef: tuple[list[float], list[float], list[float]] = ([], [], [])
        self._published: list[float] = []
        self._views: list[int] = []
        self._postings: dict[str, dict[int, int]] = {}
        self._bigrams_of_char: dict[str, set[str]] = {}
        self._char_df: Counter[str] = Counter()
        self._live = _Bits()
        self._guest = _Bits()
        self._school_level = _Bits()
        self._by_school: dict[str, _Bits] = {}
        self._by_node: dict[str, _Bits] = {}
        self._values: dict[str, dict[FacetValue, _Bits]] = {f: {} for f in FACETS}
        self._orders: dict[str, list[int]] = {}
        self._impact: dict[str, _Impact] = {}
        self._packed: dict[int, int] = {}  # one int object per distinct packed tf

    def search(
        self,
        query: str = "",
        *,
        filters: FilterSpec = None,
        sort: str = "relevance",
        page: int = 1,
        size: int = 20,
        reader_school: str | None,
        guest: bool,
    ) -> SearchResult:
        """`search_many([self], ...)`."""
        from xbt_catalog.search.engine import search_many  # engine builds on this module

        return search_many(
            [self],
            query,
            filters=filters,
            sort=sort,
            page=page,
            size=size,
            reader_school=reader_school,
            guest=guest,
        )

    # -- maintenance -------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._num)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._num

    def get(self, doc_id: str) -> SearchDoc | None:
        d = self._num.get(doc_id)
        return None if d is None else self._docs[d]

    def add(self, doc: SearchDoc) -> None:
        """Add `doc`, replacing any document with the same id (an edit or a republish)."""
        analyzed = _analyze(doc)
        with self._lock:
            if doc.id in self._num:
                self._remove(doc.id)
            self._insert(doc, analyzed)

    def add_many(self, docs: Iterable[SearchDoc]) -> None:
        for doc in docs:
            self.add(doc)

    def remove(self, doc_id: str) -> bool:
        """Forget `doc_id` (withdrawn or deleted); False if it was not indexed."""
        with self._lock:
            if doc_id not in self._num:
                return False
            self._remove(doc_id)
            return True

    def set_views(self, doc_id: str, views: int) -> bool:
        """Update a view count without re-indexing the text; False if `doc_id` is unknown."""
        with self._lock:
            d = self._num.get(doc_id)
            if d is None:
                return False
            doc = self._docs[d]
            assert doc is not None
            self._unorder(d, only="most_viewed")
            self._views[d] = views
            self._docs[d] = replace(doc, views=views)
            self._order(d, only="most_viewed")
            return True

    def _slot(self) -> int:
        if self._free:
            return self._free.pop()
        self._docs.append(None)
        self._ids.append("")
        self._title.append("")
        self._tags.append("")
        self._description.append("")
        self._lengths.append((0, 0, 0))
        for coef in self._coef:
            coef.append(0.0)
        self._published.append(0.0)
        self._views.append(0)
        return len(self._docs) - 1

    def _insert(self, doc: SearchDoc, a: _Analyzed) -> None:
        d = self._slot()
        self._num[doc.id] = d
        self._docs[d] = doc
        self._ids[d] = doc.id
        self._title[d] = a.title
        self._tags[d] = a.tags
        self._description[d] = a.description
        self._lengths[d] = a.lengths
        for f in (TITLE, TAGS, DESCRIPTION):
            self._length_sums[f] += a.lengths[f]
        if self._norm_avgs is not None:
            self._set_coef(d, self._norm_avgs)
        self._published[d] = doc.published_at
        self._views[d] = doc.views

        postings, packs = self._postings, self._packed
        for term, packed in a.postings.items():
            posting = postings.get(term)
            if posting is None:
                posting = postings[term] = {}
                if len(term) == 2 and is_cjk(term[0]):
                    for c in set(term):
                        self._bigrams_of_char.setdefault(c, set()).add(term)
            posting[d] = packs.setdefault(packed, packed)
        self._char_df.update(a.chars)
        for unit, impact in self._impact.items():
            if unit in a.postings or (len(unit) == 1 and unit in a.chars):
                impact.mask |= 1 << d
                insort(impact.ranked, d, key=self._impact_key(unit))

        self._live.add(d)
        if doc.guest_visible:
            self._guest.add(d)
        if doc.provider not in OPEN_PROVIDERS:
            self._school_level.add(d)
            if doc.school:
                self._by_school.setdefault(doc.school, _Bits()).add(d)
        for facet, value in _facet_values(doc):
            self._values[facet].setdefault(value, _Bits()).add(d)
        for node in dict.fromkeys(doc.nodes):
            self._by_node.setdefault(node, _Bits()).add(d)
        self._order(d)

    def _remove(self, doc_id: str) -> None:
        d = self._num.pop(doc_id)
        doc = self._docs[d]
        assert doc is not None
        a = _analyze(doc)
        self._unorder(d)
        for unit, impact in self._impact.items():
            if unit in a.postings or (len(unit) == 1 and unit in a.chars):
                key = self._impact_key(unit)
                ranked = impact.ranked
                i = bisect_left(ranked, key(d), key=key)
                assert ranked[i] == d
                del ranked[i]
                impact.mask &= ~(1 << d)
        postings = self._postings
        for term in a.postings:
            posting = postings[term]
            del posting[d]
            if not posting:
                del postings[term]
                if len(term) == 2 and is_cjk(term[0]):
                    for c in set(term):
                        bigrams = self._bigrams_of_char[c]
                        bigrams.discard(term)
                        if not bigrams:
                            del self._bigrams_of_char[c]
        self._char_df.subtract(a.chars)
        for c in a.chars:
            if self._char_df[c] <= 0:
                del self._char_df[c]
        for f in (TITLE, TAGS, DESCRIPTION):
            self._length_sums[f] -= a.lengths[f]

        self._live.discard(d)
        self._guest.discard(d)
        self._school_level.discard(d)
        if doc.school in self._by_school:
            self._discard(self._by_school, doc.school, d)
        for facet, value in _facet_values(doc):
            self._discard(self._values[facet], value, d)
        for node in dict.fromkeys(doc.nodes):
            self._discard(self._by_node, node, d)

        self._docs[d] = None
        self._ids[d] = ""
        self._title[d] = self._tags[d] = self._description[d] = ""
        self._free.append(d)

    @staticmethod
    def _discard(bitsets: dict[K, _Bits], key: K, d: int) -> None:
        bits = bitsets[key]
        bits.discard(d)
        if not bits.members:
            del bitsets[key]

    # -- orders for browsing -----------------------------------------------------------------

    def _order_key(self, name: str) -> Callable[[int], SortKey]:
        published, views, ids = self._published, self._views, self._ids
        if name == "newest":
            return lambda d: (-published[d], ids[d])
        return lambda d: (-views[d], -published[d], ids[d])

    def _ordered(self, name: str) -> list[int]:
        order = self._orders.get(name)
        if order is None:
            order = self._orders[name] = sorted(self._num.values(), key=self._order_key(name))
        return order

    def _order(self, d: int, only: str | None = None) -> None:
        for name, order in self._orders.items():
            if only in (None, name):
                insort(order, d, key=self._order_key(name))

    def _unorder(self, d: int, only: str | None = None) -> None:
        for name, order in self._orders.items():
            if only in (None, name):
                key = self._order_key(name)
                i = bisect_left(order, key(d), key=key)
                assert order[i] == d
                del order[i]

    # -- statistics --------------------------------------------------------------------------

    def warm(self) -> None:
        """Build what the first searches would otherwise build (length factors, bitsets, the
        browse orders): call after loading an index, before serving from it."""
        with self._lock:
            self._ensure_norms()
            nbytes = self._nbytes()
            every: list[_Bits] = [self._live, self._guest, self._school_level]
            every += self._by_school.values()
            every += self._by_node.values()
            for values in self._values.values():
                every += values.values()
            for bits in every:
                bits.mask(nbytes)
            for name in ("newest", "most_viewed"):
                self._ordered(name)

    def _nbytes(self) -> int:
        return (len(self._docs) >> 3) + 1

    def df(self, term: str) -> int:
        posting = self._postings.get(term)
        return 0 if posting is None else len(posting)

    def char_df(self, char: str) -> int:
        return self._char_df.get(char, 0)

    def _set_coef(self, d: int, avgs: tuple[float, float, float]) -> None:
        lengths = self._lengths[d]
        for f in (TITLE, TAGS, DESCRIPTION):
            self._coef[f][d] = WEIGHTS[f] / (1.0 - B[f] + B[f] * lengths[f] / avgs[f])

    def _ensure_norms(self) -> None:
        n = len(self._num) or 1
        avgs = (
            max(self._length_sums[0] / n, 1.0),
            max(self._length_sums[1] / n, 1.0),
            max(self._length_sums[2] / n, 1.0),
        )
        snap = self._norm_avgs
        if snap is not None and all(
            abs(a - s) <= NORM_DRIFT * s for a, s in zip(avgs, snap, strict=True)
        ):
            return
        self._norm_avgs = avgs
        self._impact.clear()
        for d in self._num.values():
            self._set_coef(d, avgs)

    # -- matching ----------------------------------------------------------------------------

    def _char_docs(self, char: str) -> set[int]:
        """Documents containing `char` anywhere: the union of the postings of the bigrams
        that contain it and of the unigram (a one-character run)."""
        postings = self._postings
        keys = [postings[t].keys() for t in self._bigrams_of_char.get(char, ())]
        if char in postings:
            keys.append(postings[char].keys())
        return set().union(*keys)

    def _has_chars(self, d: int, chars: Sequence[str]) -> bool:
        title, tags, description = self._title[d], self._tags[d], self._description[d]
        return all(c in title or c in tags or c in description for c in chars)

    def _candidates(self, plan: QueryPlan, min_match: int | None) -> list[int]:
        postings = self._postings
        if min_match is not None:  # relaxed: at least min_match of the terms
            sets: list[Iterable[int]] = [postings[t].keys() for t in plan.required if t in postings]
            sets += [self._char_docs(c) for c in plan.chars]
            if len(sets) < min_match:
                return []
            counts = Counter(chain.from_iterable(sets))
            return [d for d, n in counts.items() if n >= min_match]
        chars = plan.chars
        if plan.required:
            found = []
            for t in plan.required:
                posting = postings.get(t)
                if posting is None:
                    return []
                found.append(posting)
            found.sort(key=len)
            candidates: Iterable[int] = found[0].keys()
            for posting in found[1:]:
                candidates = posting.keys() & candidates  # iterates the smaller side
                if not candidates:
                    return []
        else:
            by_rarity = sorted(chars, key=self.char_df)
            candidates, chars = self._char_docs(by_rarity[0]), tuple(by_rarity[1:])
        if chars:
            return [d for d in candidates if self._has_chars(d, chars)]
        return list(candidates)

    def visible_mask(self, *, reader_school: str | None, guest: bool) -> int:
        nbytes = self._nbytes()
        visible = self._live.mask(nbytes)
        if guest:
            visible &= self._guest.mask(nbytes)
        others = self._school_level.mask(nbytes)
        if others:
            own = self._by_school.get(reader_school) if reader_school else None
            if own is not None:
                others &= ~own.mask(nbytes)
            visible &= ~others
        return visible

    def match(
        self,
        plan: QueryPlan,
        filters: Filters,
        *,
        reader_school: str | None,
        guest: bool,
        min_match: int | None = None,
    ) -> Match:
        """The documents matching `plan` (all terms, or `min_match` of them) and the masks
        facet counting needs."""
        self._ensure_norms()
        nbytes = self._nbytes()
        visible = self.visible_mask(reader_school=reader_school, guest=guest)
        if filters.node:
            # A chapter filter narrows what the reader looks at: totals, facet counts and
            # the relaxed fallback all stay inside it.
            within = 0
            for node in filters.node:
                bits = self._by_node.get(node)
                if bits is not None:
                    within |= bits.mask(nbytes)
            visible &= within
        facet_masks: dict[str, int] = {}
        for facet, selected in filters.active().items():
            values = self._values[facet]
            m = 0
            for v in selected:
                bits = values.get(v)
                if bits is not None:
                    m |= bits.mask(nbytes)
            facet_masks[facet] = m
        passing = visible
        for m in facet_masks.values():
            passing &= m
        if plan.empty:
            total = passing.bit_count()
            return Match(None, visible, facet_masks, passing, total, visible.bit_count())
        unit = _single_unit(plan)
        if min_match is None and unit is not None:
            df = self.char_df(unit) if plan.chars else self.df(unit)
            if df >= IMPACT_MIN_DF:
                impact = self._impact_of(unit)
                result_mask = impact.mask & passing
                return Match(
                    impact.mask,
                    visible,
                    facet_masks,
                    result_mask,
                    result_mask.bit_count(),
                    (impact.mask & visible).bit_count(),
                    ranked=impact.ranked,
                )
        candidates = self._candidates(plan, min_match)
        query_mask = mask_of(candidates, nbytes)
        result_mask = query_mask & passing
        total = result_mask.bit_count()
        if total == len(candidates):
            rows = candidates
        else:
            ok = passing.to_bytes(nbytes, "little")
            rows = [d for d in candidates if ok[d >> 3] >> (d & 7) & 1]
        matched = (query_mask & visible).bit_count()
        return Match(query_mask, visible, facet_masks, result_mask, total, matched, rows=rows)

    def _impact_of(self, unit: str) -> _Impact:
        impact = self._impact.pop(unit, None)  # re-inserted last: least recently used first
        if impact is None:
            docs = list(
                self._char_docs(unit) if len(unit) == 1 and is_cjk(unit) else self._postings[unit]
            )
            docs.sort(key=self._impact_key(unit))
            impact = _Impact(mask_of(docs, self._nbytes()), docs)
            while len(self._impact) >= IMPACT_CACHE:
                del self._impact[next(iter(self._impact))]
        self._impact[unit] = impact
        return impact

    def _impact_key(self, unit: str) -> Callable[[int], SortKey]:
        score = self._unit_score(unit)
        published, ids = self._published, self._ids
        return lambda d: (-score(d), -published[d], ids[d])

    def _unit_score(self, unit: str) -> Callable[[int], float]:
        """A one-term query's score divided by the term's idf (BM25F plus phrase bonus)."""
        ct, cg, cd = self._coef
        titles, tags, descriptions = self._title, self._tags, self._description
        tag_phrase = f"|{unit}|"

        def bonus(d: int) -> float:
            if unit in titles[d]:
                return TITLE_PHRASE_BONUS
            return TAG_PHRASE_BONUS if tag_phrase in tags[d] else 0.0

        if len(unit) == 1 and is_cjk(unit):

            def char_score(d: int) -> float:
                x = titles[d].count(unit) * ct[d] + tags[d].count(unit) * cg[d]
                x += descriptions[d].count(unit) * cd[d]
                return x / (K1 + x) + bonus(d)

            return char_score
        posting = self._postings.get(unit, {})

        def term_score(d: int) -> float:
            p = posting.get(d, 0)
            x = (p & 255) * ct[d] + (p >> 8 & 255) * cg[d] + (p >> 16) * cd[d]
            return x / (K1 + x) + bonus(d)

        return term_score

    # -- facets ------------------------------------------------------------------------------

    def facet_counts(self, m: Match) -> dict[str, dict[FacetValue, int]]:
        """Per facet, counts over the result as if that facet's own filter were off."""
        nbytes = self._nbytes()
        base = m.visible if m.query_mask is None else m.visible & m.query_mask
        out: dict[str, dict[FacetValue, int]] = {}
        for facet in FACETS:
            if facet in m.facet_masks:
                within = base
                for other, fm in m.facet_masks.items():
                    if other != facet:
                        within &= fm
            else:
                within = m.result_mask
            counts: dict[FacetValue, int] = {}
            if within:
                for value, bits in self._values[facet].items():
                    n = (within & bits.mask(nbytes)).bit_count()
                    if n:
                        counts[value] = n
            out[facet] = counts
        return out

    # -- ranking -----------------------------------------------------------------------------

    def scores(self, docs: Sequence[int], plan: QueryPlan, idfs: dict[str, float]) -> list[float]:
        """BM25F over title, tags and description (per-field length factors, one shared
        saturation), plus the phrase bonuses."""
        unit = _single_unit(plan)
        if unit is not None:
            w, score = idfs[unit], self._unit_score(unit)
            return [w * score(d) for d in docs]
        postings = self._postings
        terms = [(postings[t], idfs[t]) for t in plan.required if t in postings]
        terms += [(postings[t], idfs[t]) for t in plan.optional if t in postings]
        chars = [(c, idfs[c]) for c in plan.chars]
        # The bonus scales with every term the phrase stands for, bridges included, so
        # 二元 一次 方程 and 二元一次方程 score a title containing the phrase alike.
        weight = sum(idfs[t] for t in plan.required + plan.optional) + sum(w for _, w in chars)
        phrase = plan.phrase
        title_bonus = TITLE_PHRASE_BONUS * weight
        tag_bonus = TAG_PHRASE_BONUS * weight
        tag_phrase = f"|{phrase}|"
        ct, cg, cd = self._coef
        titles, tags, descriptions = self._title, self._tags, self._description
        out: list[float] = []
        for d in docs:
            a, b, c = ct[d], cg[d], cd[d]
            s = 0.0
            for posting, w in terms:
                p = posting.get(d)
                if p:
                    x = (p & 255) * a + (p >> 8 & 255) * b + (p >> 16) * c
                    s += w * x / (K1 + x)
            for char, w in chars:
                x = titles[d].count(char) * a + tags[d].count(char) * b
                x += descriptions[d].count(char) * c
                if x:
                    s += w * x / (K1 + x)
            if phrase:
                if phrase in titles[d]:
                    s += title_bonus
                elif tag_phrase in tags[d]:
                    s += tag_bonus
            out.append(s)
        return out

    def top(
        self, m: Match, plan: QueryPlan, idfs: dict[str, float], *, sort: str, k: int
    ) -> list[tuple[SortKey, str, float]]:
        """The first `k` results in `sort` order as (sort key, id, score); keys compare
        across indexes, ties broken by newest, then id."""
        if k <= 0 or not m.total:
            return []
        ids, published = self._ids, self._published
        if sort == "relevance" and not plan.empty:
            if m.ranked is not None:
                picked = self._first(m.ranked, m.result_mask, k)
            else:
                assert m.rows is not None
                rows = m.rows
                scores = self.scores(rows, plan, idfs)
                if len(rows) > k:
                    kth = nlargest(k, scores)[-1]
                    chosen = [(s, d) for s, d in zip(scores, rows, strict=True) if s >= kth]
                else:
                    chosen = list(zip(scores, rows, strict=True))
                keyed: list[tuple[SortKey, str, float]] = [
                    ((-s, -published[d], ids[d]), ids[d], s) for s, d in chosen
                ]
                keyed.sort()
                return keyed[:k]
            scores = self.scores(picked, plan, idfs)
            return [
                ((-s, -published[d], ids[d]), ids[d], s)
                for d, s in zip(picked, scores, strict=True)
            ]
        name = "most_viewed" if sort == "most_viewed" else "newest"
        key = self._order_key(name)
        if m.rows is not None and len(m.rows) * 8 <= len(self._num):
            picked = nsmallest(k, m.rows, key=key)
        else:
            picked = self._first(self._ordered(name), m.result_mask, k)
        scores = [0.0] * len(picked) if plan.empty else self.scores(picked, plan, idfs)
        return [(key(d), ids[d], s) for d, s in zip(picked, scores, strict=True)]

    def _first(self, ordered: list[int], mask: int, k: int) -> list[int]:
        """The first `k` documents of `ordered` that are in `mask`."""
        ok = mask.to_bytes(self._nbytes(), "little")
        picked: list[int] = []
        for d in ordered:
            if ok[d >> 3] >> (d & 7) & 1:
                picked.append(d)
                if len(picked) == k:
                    break
        return picked


def _single_unit(plan: QueryPlan) -> str | None:
    """The one term (or character) of a one-term query whose phrase is that term."""
    if plan.size != 1 or plan.optional:
        return None
    unit = plan.required[0] if plan.required else plan.chars[0]
    return unit if plan.phrase == unit else None
