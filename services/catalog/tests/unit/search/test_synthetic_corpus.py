"""50,000 realistic entries are all indexed, and realistic queries find something."""

from __future__ import annotations

import pytest

from xbt_catalog.search import SearchIndex, search_many

from .corpus import query_mix, synthetic_docs


@pytest.mark.timeout(300)
def test_50k_documents_are_indexed_and_most_queries_find_something() -> None:
    city, district = SearchIndex("city"), SearchIndex("heping")
    for doc in synthetic_docs(50_000):
        (city if doc.provider == "city" else district).add(doc)
    found = 0
    for i, (q, f) in enumerate(query_mix(500)):
        result = search_many([city, district], q, filters=f, reader_school="school-1", guest=False)
        sort = "newest" if i % 2 else "most_viewed"
        search_many(
            [city, district], q, filters=f, sort=sort, page=2, reader_school=None, guest=True
        )
        found += result.total > 0
    assert len(city) + len(district) == 50_000
    assert found > 400
