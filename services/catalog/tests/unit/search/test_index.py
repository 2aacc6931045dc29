"""The search engine's behaviour: matching, facets, narrowing, sorting, pages, visibility,
relaxed matching, incremental updates and searching several tenants' indexes."""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

import pytest

from xbt_catalog.search import (
    MAX_PAGE_SIZE,
    MAX_RESULT_WINDOW,
    Filters,
    SearchDoc,
    SearchIndex,
    SearchResult,
    search_many,
)
from xbt_catalog.search import index as index_module

T0 = 1_700_000_000.0


def doc(id: str, title: str, **kw: Any) -> SearchDoc:
    kw.setdefault("kind", "recording")
    kw.setdefault("provider", "city")
    kw.setdefault("guest_visible", True)
    return SearchDoc(id=id, title=title, **kw)


def math(id: str, title: str, grade: int, **kw: Any) -> SearchDoc:
    stage = "小学" if grade <= 6 else "初中" if grade <= 9 else "高中"
    kw.setdefault("grades", [grade])
    return doc(id, title, subject="数学", stage=stage, **kw)


def find(ix: SearchIndex | list[SearchIndex], query: str = "", **kw: Any) -> SearchResult:
    kw.setdefault("reader_school", None)
    kw.setdefault("guest", False)
    if isinstance(ix, SearchIndex):
        return ix.search(query, **kw)
    return search_many(ix, query, **kw)


def ids(result: SearchResult) -> list[str]:
    return [h.id for h in result.hits]


@pytest.fixture
def catalog() -> SearchIndex:
    ix = SearchIndex("city")
    ix.add_many([
        math("m7a", "解二元一次方程组 代入消元法", 7, published_at=T0 + 1, views=5),
        math("m7b", "二元一次方程组 练习", 7, kind="exercise", published_at=T0 + 2, views=50),
        math("m8a", "一次函数 课件", 8, kind="courseware", published_at=T0 + 3, views=7),
        math("m8b", "勾股定理 练习", 8, kind="exercise", published_at=T0 + 4, views=50),
        math("m3", "分数的初步认识", 3, published_at=T0 + 5, views=1),
        doc("p8", "光的反射", subject="物理", stage="初中", grades=[8], kind="courseware",
            published_at=T0 + 6, views=9),
        doc("c3", "古诗三首", subject="语文", stage="小学", grades=[3], published_at=T0 + 7),
        doc("go", "围棋入门 吃子技巧", kind="enrichment", category="棋类",
            enrichment_kind="资源素材", published_at=T0 + 8, views=100),
        doc("dj", "机器人编程 Scratch 入门", kind="enrichment", category="机器人",
            provider="district", enrichment_kind="天津课堂", published_at=T0 + 9),
        math("g79", "初中数学 方程 专题复习", 7, grades=[7, 8, 9], kind="teaching_package",
             published_at=T0 + 10, views=3),
    ])  # fmt: skip
    ix.warm()
    return ix


# -- matching ----------------------------------------------------------------------------------


def test_a_word_is_found_inside_a_longer_one() -> None:
    ix = SearchIndex()
    ix.add(doc("a", "《解二元一次方程组》第1课时"))
    ix.add(doc("b", "一元二次方程"))
    assert ids(find(ix, "二元一次方程")) == ["a"]


def test_spaces_in_the_query_do_not_matter(catalog: SearchIndex) -> None:
    joined, spaced = find(catalog, "二元一次方程"), find(catalog, "二元 一次 方程")
    assert ids(joined) == ids(spaced) == ["m7b", "m7a"]
    assert [h.score for h in joined.hits] == pytest.approx([h.score for h in spaced.hits])


def test_spaces_in_the_text_do_not_matter() -> None:
    ix = SearchIndex()
    ix.add(doc("a", "人教版八年级上册 物理 光的反射"))
    assert ids(find(ix, "上册物理光的反射")) == ["a"]
    assert ids(find(ix, "上册 物理")) == ["a"]


def test_every_term_must_match(catalog: SearchIndex) -> None:
    result = find(catalog, "二元一次方程 练习")
    assert ids(result) == ["m7b"] and not result.relaxed


def test_tags_and_description_are_searched() -> None:
    ix = SearchIndex()
    ix.add(doc("t", "第三讲", tags=["书法", "楷书"]))
    ix.add(doc("d", "第四讲", description="田蕴章讲解横画的写法"))
    assert ids(find(ix, "楷书")) == ["t"]
    assert ids(find(ix, "横画")) == ["d"]


def test_title_outranks_tags_outranks_description() -> None:
    ix = SearchIndex()
    ix.add(doc("desc", "第一课", description="欣赏京剧脸谱", published_at=T0 + 3))
    ix.add(doc("tag", "第二课", tags=["京剧脸谱"], published_at=T0 + 2))
    ix.add(doc("title", "京剧脸谱", published_at=T0 + 1))
    assert ids(find(ix, "脸谱")) == ["title", "tag", "desc"]


def test_one_character_queries_match_inside_words() -> None:
    ix = SearchIndex()
    ix.add(doc("a", "古诗三首"))
    ix.add(doc("b", "唐诗宋词"))
    ix.add(doc("c", "诗"))
    ix.add(doc("d", "围棋"))
    assert set(ids(find(ix, "诗"))) == {"a", "b", "c"}
    assert ids(find(ix, "诗"))[0] == "c"  # the shortest title containing it
    assert ids(find(ix, "古 诗")) == ["a"]


def test_latin_words_and_full_width(catalog: SearchIndex) -> None:
    assert ids(find(catalog, "SCRATCH")) == ["dj"]
    assert ids(find(catalog, "ｓｃｒａｔｃｈ")) == ["dj"]
    assert ids(find(catalog, "scra")) == []  # whole words only


def test_empty_query_browses_newest_first(catalog: SearchIndex) -> None:
    result = find(catalog, "  ")
    assert result.total == 10
    assert ids(result)[:3] == ["g79", "dj", "go"]


# -- relaxed matching --------------------------------------------------------------------------


def test_relaxed_when_nothing_matches_every_term(catalog: SearchIndex) -> None:
    result = find(catalog, "勾股定理 微积")  # 勾股 股定 定理 found, 微积 nowhere: 3 of 4
    assert result.relaxed
    assert ids(result) == ["m8b"]
    strict = find(catalog, "勾股定理")
    assert not strict.relaxed and ids(strict) == ["m8b"]


def test_relaxed_needs_two_thirds_of_the_terms(catalog: SearchIndex) -> None:
    # 勾股 股定 定理 of 勾股 股定 定理 微积 积分: 3 of 5, 4 needed
    result = find(catalog, "勾股定理 微积分")
    assert result.total == 0 and result.relaxed


def test_facet_filters_never_trigger_relaxation(catalog: SearchIndex) -> None:
    # Every term matches, only not in grade 3: an empty exact result whose grade facet shows
    # where the matches are, rather than a relaxed one.
    result = find(catalog, "二元一次方程", filters={"grade": [3]})
    assert (result.total, result.relaxed) == (0, False)
    assert result.facets["grade"] == {7: 2, 3: 0}


def test_no_relaxation_for_a_single_term(catalog: SearchIndex) -> None:
    result = find(catalog, "微积")
    assert result.total == 0 and not result.relaxed


# -- facets and narrowing ----------------------------------------------------------------------


def test_facet_counts_over_the_result(catalog: SearchIndex) -> None:
    result = find(catalog, "练习")
    assert result.total == 2
    assert result.facets["subject"] == {"数学": 2}
    assert result.facets["grade"] == {7: 1, 8: 1}
    assert result.facets["kind"] == {"exercise": 2}
    assert result.facets["provider"] == {"city": 2}
    assert result.facets["category"] == {}


def test_browse_counts_every_facet(catalog: SearchIndex) -> None:
    facets = find(catalog).facets
    assert facets["stage"] == {"初中": 6, "小学": 2}
    assert facets["grade"] == {7: 3, 8: 4, 3: 2, 9: 1}
    assert facets["category"] == {"机器人": 1, "棋类": 1}
    assert facets["enrichment_kind"] == {"天津课堂": 1, "资源素材": 1}
    assert facets["provider"] == {"city": 9, "district": 1}


def test_facets_are_disjunctive(catalog: SearchIndex) -> None:
    result = find(catalog, filters={"subject": ["数学"]})
    assert result.total == 6
    # The subject facet ignores its own filter, so readers can widen to 物理 ...
    assert result.facets["subject"] == {"数学": 6, "物理": 1, "语文": 1}
    # ... while the other facets count only 数学.
    assert result.facets["kind"] == {"exercise": 2, "recording": 2, "courseware": 1,
                                     "teaching_package": 1}  # fmt: skip
    assert "enrichment" not in result.facets["kind"]


def test_repeated_narrowing(catalog: SearchIndex) -> None:
    f = Filters().narrowed("subject", "数学")
    assert find(catalog, filters=f).total == 6
    f = f.narrowed("grade", 8)
    assert set(ids(find(catalog, filters=f))) == {"m8a", "m8b", "g79"}
    f = f.narrowed("kind", "exercise")
    assert ids(find(catalog, filters=f)) == ["m8b"]
    # A second value for a facet widens within it (OR) ...
    f = f.narrowed("grade", 7)
    assert set(ids(find(catalog, filters=f))) == {"m8b", "m7b"}
    # ... and the grade facet still shows what each grade would give.
    result = find(catalog, filters=f)
    assert result.facets["grade"] == {7: 1, 8: 1}
    assert result.facets["kind"] == {"exercise": 2, "courseware": 1, "recording": 1,
                                     "teaching_package": 1}  # fmt: skip


def test_multi_grade_resources_match_any_grade(catalog: SearchIndex) -> None:
    assert "g79" in ids(find(catalog, filters={"grade": [9]}))
    assert "g79" in ids(find(catalog, filters={"grade": [7]}))


def test_selected_values_are_listed_even_at_zero(catalog: SearchIndex) -> None:
    result = find(catalog, "光的反射", filters={"grade": [8, 12]})
    assert result.total == 1
    assert result.facets["grade"] == {8: 1, 12: 0}


def test_filters_combine_with_the_query(catalog: SearchIndex) -> None:
    assert ids(find(catalog, "练习", filters={"grade": [7]})) == ["m7b"]
    assert find(catalog, "光的反射", filters={"subject": ["数学"]}).total == 0


def test_grades_from_query_strings_are_numbers(catalog: SearchIndex) -> None:
    assert Filters.of({"grade": ["8"]}) == Filters(grade=frozenset({8}))
    assert find(catalog, filters={"grade": "3"}).total == 2
    with pytest.raises(ValueError, match="whole numbers"):
        Filters.of({"grade": ["初一"]})


def test_unknown_facet_is_refused(catalog: SearchIndex) -> None:
    with pytest.raises(ValueError, match="unknown facet"):
        find(catalog, filters={"colour": ["red"]})
    with pytest.raises(ValueError):
        Filters().narrowed("colour", "red")


# -- sorting and pages -------------------------------------------------------------------------


def test_sort_orders(catalog: SearchIndex) -> None:
    assert ids(find(catalog, filters={"subject": ["数学"]}, sort="newest"))[:2] == ["g79", "m3"]
    assert ids(find(catalog, "方程", sort="newest")) == ["g79", "m7b", "m7a"]
    # most viewed, ties by newest: m8b (50, newer) before m7b (50)
    assert ids(find(catalog, sort="most_viewed"))[:3] == ["go", "m8b", "m7b"]
    assert ids(find(catalog, "练习", sort="most_viewed")) == ["m8b", "m7b"]
    with pytest.raises(ValueError, match="sort"):
        find(catalog, sort="random")


def test_relevance_ties_go_to_the_newest_then_the_smallest_id() -> None:
    ix = SearchIndex()
    ix.add(doc("b", "京剧", published_at=T0))
    ix.add(doc("a", "京剧", published_at=T0))
    ix.add(doc("c", "京剧", published_at=T0 + 1))
    assert ids(find(ix, "京剧")) == ["c", "a", "b"]
    assert ids(find(ix, sort="newest")) == ["c", "a", "b"]


def test_pages_cover_the_result_once(catalog: SearchIndex) -> None:
    pages = [find(catalog, page=p, size=3) for p in (1, 2, 3, 4, 5)]
    seen = [i for page in pages for i in ids(page)]
    assert len(seen) == len(set(seen)) == 10
    assert [len(page.hits) for page in pages] == [3, 3, 3, 1, 0]
    assert all(page.total == 10 and page.size == 3 for page in pages)
    assert pages[1].page == 2


def test_page_size_has_a_hard_maximum(catalog: SearchIndex) -> None:
    assert find(catalog, size=MAX_PAGE_SIZE).size == MAX_PAGE_SIZE
    bad_pages: list[dict[str, Any]] = [{"size": MAX_PAGE_SIZE + 1}, {"size": 0}, {"page": 0}]
    for bad in bad_pages:
        with pytest.raises(ValueError):
            find(catalog, **bad)
    with pytest.raises(ValueError, match="at most"):
        find(catalog, page=MAX_RESULT_WINDOW // 10 + 1, size=10)


# -- visibility --------------------------------------------------------------------------------


@pytest.fixture
def schools() -> SearchIndex:
    ix = SearchIndex("heping")
    ix.add(doc("all", "京剧 欣赏", provider="district", guest_visible=True))
    ix.add(doc("members", "京剧 唱腔", provider="district", guest_visible=False))
    ix.add(
        doc(
            "ours",
            "京剧 社团",
            provider="school",
            school="hp-1",
            subject="音乐",
            guest_visible=False,
        )
    )
    ix.add(doc("theirs", "京剧 社团活动", provider="school", school="hp-2", subject="音乐"))
    return ix


def test_school_resources_only_for_their_school(schools: SearchIndex) -> None:
    assert set(ids(find(schools, "京剧", reader_school="hp-1"))) == {"all", "members", "ours"}
    assert set(ids(find(schools, "京剧", reader_school="hp-2"))) == {"all", "members", "theirs"}
    assert set(ids(find(schools, "京剧"))) == {"all", "members"}


def test_guests_see_only_guest_resources(schools: SearchIndex) -> None:
    result = find(schools, "京剧", guest=True, reader_school="hp-1")
    assert ids(result) == ["all"]


def test_facets_never_count_what_the_reader_cannot_see(schools: SearchIndex) -> None:
    result = find(schools, reader_school="hp-1", filters={"subject": ["音乐"]})
    assert result.total == 1
    assert result.facets["provider"] == {"school": 1}
    assert result.facets["subject"] == {"音乐": 1}
    assert find(schools, guest=True).facets["provider"] == {"district": 1}


def test_a_school_resource_without_its_school_is_visible_to_nobody(schools: SearchIndex) -> None:
    schools.add(doc("orphan", "京剧 讲座", provider="school"))
    schools.add(doc("odd", "京剧 讲座", provider="province"))
    for reader_school in ("hp-1", "hp-2", None):
        assert not {"orphan", "odd"} & set(ids(find(schools, "京剧", reader_school=reader_school)))


# -- incremental updates -----------------------------------------------------------------------


def test_add_replace_remove(catalog: SearchIndex) -> None:
    assert len(catalog) == 10
    catalog.add(doc("new", "相声基本功"))
    assert len(catalog) == 11 and ids(find(catalog, "相声")) == ["new"]
    catalog.add(doc("new", "天津快板"))  # same id: replaced
    assert len(catalog) == 11
    assert ids(find(catalog, "相声")) == [] and ids(find(catalog, "快板")) == ["new"]
    assert catalog.get("new") is not None and catalog.get("new").title == "天津快板"  # type: ignore[union-attr]
    assert catalog.remove("new") and not catalog.remove("new")
    assert len(catalog) == 10 and "new" not in catalog
    assert find(catalog, "快板").total == 0
    assert find(catalog).facets["provider"] == {"city": 9, "district": 1}


def test_removed_slots_are_reused_without_leaking(catalog: SearchIndex) -> None:
    find(catalog, sort="most_viewed")  # build the orders and bitsets first
    catalog.remove("go")
    catalog.add(doc("xq", "国际象棋", kind="enrichment", category="棋类", views=1000))
    assert ids(find(catalog, "围棋")) == []
    assert ids(find(catalog, sort="most_viewed"))[0] == "xq"
    assert find(catalog, filters={"category": ["棋类"]}).total == 1


def test_view_counts_update_the_most_viewed_order(catalog: SearchIndex) -> None:
    assert ids(find(catalog, sort="most_viewed"))[0] == "go"
    assert catalog.set_views("m3", 1_000)
    assert ids(find(catalog, sort="most_viewed"))[0] == "m3"
    assert catalog.get("m3").views == 1_000  # type: ignore[union-attr]
    assert not catalog.set_views("nobody", 1)


VOCAB = ["数学", "方程", "二元一次", "光的反射", "古诗", "围棋", "书法", "课件", "练习", "天津"]
QUERIES = ["数学", "方程", "二元一次方程", "光", "诗", "课件", "练习 数学", "天津 围棋", "", "学"]


def _random_doc(rnd: random.Random, i: int) -> SearchDoc:
    grade = rnd.randrange(1, 13)
    provider = rnd.choice(["city", "district", "school"])
    return SearchDoc(
        id=f"d{i}",
        title=" ".join(rnd.sample(VOCAB, rnd.randrange(1, 4))),
        description="".join(rnd.sample(VOCAB, rnd.randrange(0, 5))),
        tags=rnd.sample(VOCAB, rnd.randrange(0, 3)),
        kind=rnd.choice(["recording", "exercise", "courseware"]),
        provider=provider,
        school=f"s{rnd.randrange(3)}" if provider == "school" else None,
        stage="小学" if grade <= 6 else "初中",
        grades=[grade],
        subject=rnd.choice(["数学", "语文", None]),
        published_at=float(rnd.randrange(1000)),
        views=rnd.randrange(100),
        guest_visible=rnd.random() < 0.5,
    )


def _random_updates(rnd: random.Random, live: SearchIndex, docs: dict[str, SearchDoc]) -> None:
    op = rnd.random()
    if op < 0.55 or not docs:
        d = _random_doc(rnd, rnd.randrange(120))
        docs[d.id] = d
        live.add(d)
    elif op < 0.8:
        victim = rnd.choice(sorted(docs))
        assert live.remove(victim)
        del docs[victim]
    else:
        victim = rnd.choice(sorted(docs))
        docs[victim] = replace(docs[victim], views=rnd.randrange(100))
        live.set_views(victim, docs[victim].views)


def test_incremental_updates_equal_a_rebuild(monkeypatch: pytest.MonkeyPatch) -> None:
    # A tiny threshold so the one-term cache is used; averages refreshed on any change so
    # scores can be compared exactly with a fresh index.
    monkeypatch.setattr(index_module, "IMPACT_MIN_DF", 3)
    monkeypatch.setattr(index_module, "NORM_DRIFT", 0.0)
    rnd = random.Random(5)
    live = SearchIndex()
    docs: dict[str, SearchDoc] = {}
    for step in range(300):
        _random_updates(rnd, live, docs)
        find(live, rnd.choice(QUERIES), sort=rnd.choice(["relevance", "most_viewed"]))
        if step % 15 == 0:
            fresh = SearchIndex()
            fresh.add_many(docs.values())
            for q in QUERIES:
                for sort in ("relevance", "newest", "most_viewed"):
                    kw: dict[str, Any] = {"sort": sort, "size": 50, "reader_school": "s1"}
                    a, b = find(live, q, **kw), find(fresh, q, **kw)
                    assert (ids(a), a.total, a.facets) == (ids(b), b.total, b.facets), (q, sort)
                    assert [h.score for h in a.hits] == pytest.approx([h.score for h in b.hits])
    assert len(live) == len(docs)


def test_cached_orders_are_kept_up_to_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index_module, "IMPACT_MIN_DF", 3)
    rnd = random.Random(9)
    live = SearchIndex()
    docs: dict[str, SearchDoc] = {}
    for _ in range(300):
        _random_updates(rnd, live, docs)
        for q in ("数学", "课件", "光", "学"):
            find(live, q, sort=rnd.choice(["relevance", "newest", "most_viewed"]))
        for unit, impact in live._impact.items():
            if len(unit) == 1:
                members: Any = live._char_docs(unit)
            else:
                members = live._postings.get(unit, {}).keys()
            expected = sorted(members, key=live._impact_key(unit))
            assert impact.ranked == expected, unit
            assert impact.mask == index_module.mask_of(expected, live._nbytes()), unit
        for name, order in live._orders.items():
            assert order == sorted(live._num.values(), key=live._order_key(name)), name
    assert live._impact and live._orders


# -- several indexes ---------------------------------------------------------------------------


@pytest.fixture
def tenants() -> dict[str, SearchIndex]:
    city, heping, hexi = SearchIndex("city"), SearchIndex("heping"), SearchIndex("hexi")
    city.add(doc("c1", "京剧脸谱", published_at=T0 + 1, subject="音乐"))
    city.add(doc("c2", "围棋入门", published_at=T0 + 2))
    heping.add(
        doc("hp1", "京剧 唱腔欣赏", provider="district", published_at=T0 + 3, subject="音乐")
    )
    heping.add(doc("hp2", "京剧社团", provider="school", school="hp-1", published_at=T0 + 4))
    hexi.add(doc("hx1", "京剧脸谱", provider="district", published_at=T0 + 5, subject="音乐"))
    hexi.add(doc("hx2", "京剧", provider="district", published_at=T0 + 6))
    return {"city": city, "heping": heping, "hexi": hexi}


def test_a_district_reader_never_sees_another_district(tenants: dict[str, SearchIndex]) -> None:
    mine = [tenants["city"], tenants["heping"]]
    for query in ["京剧", "京剧脸谱", "脸谱", ""]:
        for sort in ("relevance", "newest", "most_viewed"):
            result = find(mine, query, sort=sort, reader_school="hp-1")
            assert not {"hx1", "hx2"} & set(ids(result)), (query, sort)
            assert result.total == len(result.hits)
    result = find(mine, "京剧", reader_school="hp-1")
    assert set(ids(result)) == {"c1", "hp1", "hp2"}
    assert result.facets["provider"] == {"city": 1, "district": 1, "school": 1}
    assert result.facets["subject"] == {"音乐": 2}


def test_merged_hits_say_where_they_come_from(tenants: dict[str, SearchIndex]) -> None:
    result = find([tenants["city"], tenants["heping"]], "京剧")
    assert {h.id: h.source for h in result.hits} == {"c1": "city", "hp1": "heping"}


def test_merged_pages_interleave_in_one_order(tenants: dict[str, SearchIndex]) -> None:
    mine = [tenants["city"], tenants["heping"]]
    newest = [ids(find(mine, sort="newest", size=1, page=p, reader_school="hp-1"))
              for p in (1, 2, 3, 4)]  # fmt: skip
    assert newest == [["hp2"], ["hp1"], ["c2"], ["c1"]]


def test_merged_scores_use_statistics_of_all_indexes() -> None:
    # Documents of equal length, so per-index average lengths agree and the split
    # indexes must score exactly like one index holding everything.
    titles = ["京剧", "京剧", "围棋", "围棋", "书法", "京剧", "相声", "快板"]
    docs = [doc(f"d{i}", t, published_at=T0 + i) for i, t in enumerate(titles)]
    whole = SearchIndex("whole")
    whole.add_many(docs)
    a, b = SearchIndex("a"), SearchIndex("b")
    a.add_many(docs[:3])
    b.add_many(docs[3:])
    for query in ["京剧", "围棋", "书法 京剧"]:
        merged, single = find([a, b], query), find(whole, query)
        assert ids(merged) == ids(single)
        assert [h.score for h in merged.hits] == pytest.approx([h.score for h in single.hits])


def test_the_same_index_twice_counts_once(tenants: dict[str, SearchIndex]) -> None:
    city = tenants["city"]
    assert find([city, city], "京剧").total == 1
