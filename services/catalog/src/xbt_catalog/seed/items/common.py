"""Building blocks for question items: option shuffling, number formatting, the registry."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

Item = dict[str, Any]
KEYS = "ABCDEFGH"
BLANK = "____"


@dataclass(frozen=True, slots=True)
class Gen:
    """One item template: where it belongs and how to make an item from a random stream.

    `lesson` is (grade, words in the lesson title) and is resolved against the textbooks;
    `kps` are knowledge-point names in the (subject, stage) tree."""

    subject: str
    stage: str
    kps: tuple[str, ...]
    lesson: tuple[int, str] | None
    make: Callable[[random.Random], Item | None]
    grades: tuple[int, ...] | None = None


def single(
    rng: random.Random,
    stem: str,
    correct: str,
    distractors: list[str],
    explanation: str,
    difficulty: int,
) -> Item | None:
    options = [correct, *distractors[:3]]
    if len(set(options)) != len(options) or len(options) < 4:
        return None
    rng.shuffle(options)
    return {
        "type": "single",
        "stem": stem,
        "options": [{"key": KEYS[i], "text": text} for i, text in enumerate(options)],
        "answer": KEYS[options.index(correct)],
        "explanation": explanation,
        "difficulty": difficulty,
    }


def multiple(
    rng: random.Random,
    stem: str,
    choices: list[tuple[str, bool]],
    explanation: str,
    difficulty: int,
) -> Item | None:
    texts = [t for t, _ in choices]
    if len(set(texts)) != len(texts) or sum(ok for _, ok in choices) < 2:
        return None
    choices = list(choices)
    rng.shuffle(choices)
    return {
        "type": "multiple",
        "stem": stem,
        "options": [{"key": KEYS[i], "text": t} for i, (t, _) in enumerate(choices)],
        "answer": [KEYS[i] for i, (_, ok) in enumerate(choices) if ok],
        "explanation": explanation,
        "difficulty": difficulty,
    }


def fill(stem: str, answers: list[list[str]], explanation: str, difficulty: int) -> Item:
    """One list of accepted answers per blank, in the order the blanks appear."""
    assert stem.count(BLANK) == len(answers), stem
    return {
        "type": "fill",
        "stem": stem,
        "options": [],
        "answer": answers,
        "explanation": explanation,
        "difficulty": difficulty,
    }


def true_false(stem: str, value: bool, explanation: str, difficulty: int) -> Item:
    return {
        "type": "true_false",
        "stem": stem,
        "options": [],
        "answer": value,
        "explanation": explanation,
        "difficulty": difficulty,
    }


def short(stem: str, answer: str, explanation: str, difficulty: int) -> Item:
    return {
        "type": "short",
        "stem": stem,
        "options": [],
        "answer": answer,
        "explanation": explanation,
        "difficulty": difficulty,
    }


def term(coef: int, var: str, first: bool = False) -> str:
    """A signed term of a polynomial: term(-1, "x") -> "- x" (or "-x" when first)."""
    if coef == 0:
        return ""
    body = var if abs(coef) == 1 and var else f"{abs(coef)}{var}"
    if first:
        return f"-{body}" if coef < 0 else body
    return f"- {body}" if coef < 0 else f"+ {body}"


def poly(*terms: tuple[int, str]) -> str:
    """poly((2, "x"), (-3, "")) -> "2x - 3"; zero terms are dropped."""
    out: list[str] = []
    for coef, var in terms:
        if coef == 0:
            continue
        out.append(term(coef, var, first=not out))
    return " ".join(out) if out else "0"


def paren(n: int | Fraction) -> str:
    """Negative numbers in brackets, as written inside an expression."""
    return f"({fmt(n)})" if n < 0 else fmt(n)


def fmt(n: int | Fraction | Decimal) -> str:
    if isinstance(n, Fraction):
        return str(n.numerator) if n.denominator == 1 else f"{n.numerator}/{n.denominator}"
    if isinstance(n, Decimal):
        s = format(n.normalize(), "f")
        return s
    return str(n)


_SUP = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def sup(n: int) -> str:
    return str(n).translate(_SUP)


def sub(s: str) -> str:
    return s.translate(_SUB)


def sci(value: Decimal) -> str:
    """Scientific notation as textbooks print it: 420000 -> 4.2×10⁵."""
    if value == 0:
        return "0"
    exp = value.adjusted()
    mantissa = (value / (Decimal(10) ** exp)).normalize()
    return f"{format(mantissa, 'f')}×10{sup(exp)}"


def with_sci(value: Decimal) -> list[str]:
    """Accepted spellings of a (large) number: plain and scientific."""
    plain = fmt(value)
    out = [plain, sci(value)]
    return list(dict.fromkeys(out))


def caret_sci(value: Decimal) -> str:
    """Scientific notation typed on a keyboard: 3.01×10^23."""
    exp = value.adjusted()
    mantissa = (value / (Decimal(10) ** exp)).normalize()
    return f"{format(mantissa, 'f')}×10^{exp}"


def number(x: Fraction) -> list[str]:
    """Accepted spellings of a rational answer: the decimal when it terminates, the fraction."""
    forms = [fmt(x)]
    d = x.denominator
    while d % 2 == 0:
        d //= 2
    while d % 5 == 0:
        d //= 5
    if d == 1 and x.denominator != 1:
        forms.insert(0, fmt(Decimal(x.numerator) / Decimal(x.denominator)))
    return forms
