"""Tokenizer and query plans: NFKC, bigrams, words, separators, bridges."""

from __future__ import annotations

import pytest

from xbt_catalog.search import normalize, plan_query, tokenize
from xbt_catalog.search.analysis import compact, field_terms


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("解二元一次方程组", ["解二", "二元", "元一", "一次", "次方", "方程", "程组"]),
        ("诗", ["诗"]),  # a one-character run stays a unigram
        ("Python", ["python"]),
        ("3D打印", ["3d", "打印"]),
        ("Python入门", ["python", "入门"]),
        ("Ｐｙｔｈｏｎ　３Ｄ打印", ["python", "3d", "打印"]),  # full-width letters, digits, space
        ("《静夜思》——李白", ["静夜", "夜思", "李白"]),
        ("沁园春·雪", ["沁园", "园春", "雪"]),
        ("a,b;c.d", ["a", "b", "c", "d"]),
        ("snake_case-word", ["snake", "case", "word"]),
        ("第12讲", ["第", "12", "讲"]),
        ("二元 一次", ["二元", "一次"]),  # spaces separate (bridges are an index matter)
        ("ひらがな", ["ひら", "らが", "がな"]),
        ("Ⅻ ①", ["xii", "1"]),  # compatibility forms
        ("", []),
        ("  ，。！  ", []),
    ],
)
def test_tokenize(text: str, terms: list[str]) -> None:
    assert tokenize(text) == terms


def test_normalize_is_nfkc_and_lowercase() -> None:
    assert normalize("ＡＢＣ　ｘｙｚ１２３") == "abc xyz123"


def test_compact_drops_separators() -> None:
    assert compact(normalize("《解二元一次方程组》 第1课时")) == "解二元一次方程组第1课时"
    assert compact(normalize("Scratch 3.0 入门")) == "scratch30入门"


def test_fields_bridge_cjk_separated_only_by_whitespace() -> None:
    terms, chars = field_terms(normalize("人教版 八年级 物理，光"))
    assert "版八" in terms and "级物" in terms
    assert "理光" not in terms  # punctuation is a real break
    assert set(chars) == set("人教版八年级物理光")


def test_plan_requires_group_bigrams_and_makes_bridges_optional() -> None:
    spaced = plan_query("二元 一次 方程")
    assert spaced.required == ("二元", "一次", "方程")
    assert spaced.optional == ("元一", "次方")
    assert spaced.phrase == "二元一次方程"
    joined = plan_query("二元一次方程")
    assert set(joined.required) == set(spaced.required) | set(spaced.optional)
    assert joined.optional == ()


def test_plan_one_character_groups() -> None:
    assert plan_query("诗").chars == ("诗",)
    assert plan_query("诗").required == ()
    assert plan_query("古诗 诗").chars == ()  # already inside 古诗
    assert plan_query("第12讲").chars == ("第", "讲")
    assert plan_query("  ").empty
    assert plan_query("《》").empty
