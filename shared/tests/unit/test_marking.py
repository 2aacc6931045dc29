"""Fill-in marking: what a pupil may write differently from the key and still be right, and
what stays wrong. One rule set for the catalog's practice check and the tasks service."""

from __future__ import annotations

import pytest

from xbt_shared.marking import blank_variables, mark, mark_fill, normalise_text

EQUATION = "解方程：2x + 1 = 5，x = ____"
SYSTEM = "解方程组：x + y = 3，x - y = 1，x = ____，y = ____"


def right(key: list[str], answer: str, stem: str | None = None) -> bool:
    marking = mark("fill", [key], [answer], stem=stem)
    assert marking.blanks is not None
    return marking.blanks[0]


# --- the blank's variable ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("stem", "blanks", "variables"),
    [
        (EQUATION, 1, ["x"]),
        (SYSTEM, 2, ["x", "y"]),
        ("x＝＿＿＿＿", 1, ["x"]),  # full-width sign and blank
        ("方程的解是 x₁ = ____，x₂ = ____", 2, ["x1", "x2"]),  # subscripts fold like answers
        ("长方形的面积S=____平方厘米", 1, ["S"]),
        ("计算：3 + 4 = ____", 1, [None]),  # no variable before the blank
        ("化简：2x = ____", 1, [None]),  # `2x` is an expression, not the variable x
        ("a + b = ____", 1, [None]),  # nor is `a + b`
        ("x = y = ____", 1, [None]),
        ("f(x) = ____", 1, [None]),
        ("第 1 题", 1, [None]),  # no blank in the stem: nothing known
        (EQUATION, 2, [None, None]),  # the stem and the key disagree: nothing assumed
        (None, 1, [None]),
    ],
)
def test_the_variable_of_a_blank_is_read_from_the_stem(
    stem: str | None, blanks: int, variables: list[str | None]
) -> None:
    assert blank_variables(stem, blanks) == variables


# --- the leading `x =` -------------------------------------------------------------------


def test_repeating_the_blanks_variable_is_right() -> None:
    assert right(["2"], "x=2", EQUATION)
    assert right(["2"], "x = 2", EQUATION)
    assert right(["2"], "ｘ＝２", EQUATION)
    assert right(["x=2"], "x=2", EQUATION)  # the key written with the variable
    assert right(["x=2"], "2", EQUATION)
    assert mark("fill", [["1"], ["2"]], ["x=1", "y = 2"], stem=SYSTEM).blanks == (True, True)


def test_another_variable_or_no_known_variable_stays_wrong() -> None:
    assert not right(["2"], "y=2", EQUATION)
    assert not right(["2"], "X=2", EQUATION)  # case is kept
    assert not right(["2"], "x=", EQUATION)
    assert not right(["2"], "x=x=2", EQUATION)
    assert mark("fill", [["1"], ["2"]], ["y=2", "x=1"], stem=SYSTEM).blanks == (False, False)
    assert not right(["7"], "x=7", "计算：3 + 4 = ____")
    assert not right(["2"], "x=2")  # without the stem nothing is assumed
    assert not right(["8"], "x=8", "化简：2x = ____")


# --- numbers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "answer"),
    [
        ("40", "40.0"),
        ("40", "４０"),
        ("40.0", "40"),
        ("0.5", "0.50"),
        ("0.5", ".5"),
        ("5", "+5"),
        ("0", "-0"),
        ("-3", "−3"),
        ("-3", "－３"),
        ("0.5", "1/2"),  # a fraction in lowest terms equals its decimal
        ("1/2", "0.5"),
        ("-1/2", "-0.5"),
        ("3/4", "３/４"),
        ("2", "x=2.0"),
        ("12", "12。"),  # a full stop typed after the answer
    ],
)
def test_equal_numbers_are_right(key: str, answer: str) -> None:
    assert right([key], answer, EQUATION)


@pytest.mark.parametrize(
    ("key", "answer"),
    [
        ("1/2", "2/4"),  # not in lowest terms: "化成最简分数" expects 1/2
        ("2", "4/2"),
        ("1/3", "0.33"),  # not the same value
        ("1/3", "0.333333"),
        ("2", "2x"),  # not a number
        ("2x", "2"),
        ("1000", "1,000"),  # a comma separates answers (1，2 are two roots), not thousands
        ("1000", "1e3"),
        ("40", "40%"),
        ("1/0", "2/0"),
    ],
)
def test_different_or_unclear_numbers_stay_wrong(key: str, answer: str) -> None:
    assert not right([key], answer, EQUATION)


def test_written_precision_counts_when_the_stem_asks_for_it() -> None:
    stem = "圆的周长是____厘米（π 取 3.14，结果保留两位小数）"
    assert right(["6.28"], "6.28", stem)
    assert not right(["3.10"], "3.1", stem)
    assert not right(["6.3"], "6.30", "精确到十分位：____")
    assert right(["3.10"], "3.1", "周长是____厘米")  # no precision asked: the value counts


def test_a_non_reduced_key_is_matched_as_written() -> None:
    assert right(["2/4"], "2/4", EQUATION)


# --- punctuation and forms ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("(1，2)", "(1,2)"),
        ("（1,2）", "(1,2)"),
        ("1、2", "1,2"),  # the enumeration comma lists as a comma does
        ("3。14", "3.14"),  # a Chinese-IME full stop for the point
        ("光合作用。", "光合作用"),  # a trailing full stop is not part of the answer
        ("光合作用.", "光合作用"),
        ("“春”", '"春"'),
        ("【1】", "[1]"),
        (" 北京 ", "北京"),
    ],
)
def test_chinese_and_english_punctuation_alike(typed: str, stored: str) -> None:
    assert normalise_text(typed) == normalise_text(stored)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("1,2", "12"),
        ("光合作用", "光和作用"),
        ("Mr", "Ms."),
    ],
)
def test_punctuation_does_not_join_different_answers(typed: str, stored: str) -> None:
    assert normalise_text(typed) != normalise_text(stored)


def test_mark_fill_alone_works_without_a_stem() -> None:
    assert mark_fill([["40"], ["x"]], ["40.0", "x"]) == [True, True]
