"""Marking question-bank answers against their keys, without I/O.

Shared by the catalog (practice checks) and the tasks service (objective items of a task are
marked when a pupil submits, and practice sets): one set of rules, so a pupil never sees an
answer marked right in practice and wrong in homework.

A fill-in blank is right when the answer matches one of the blank's accepted answers after
`normalise_text` (full-width forms, spaces, Chinese and English punctuation, a trailing full
stop), or when:

- the stem puts a variable before the blank (`x = ____`) and the answer (or the key) repeats
  it: `x=2` is `2` there; another variable (`y=2`) or another case (`X=2`) is not;
- both are plain numbers of equal value: `40` = `40.0` = `４０` = `+40`, `0` = `-0`,
  `0.5` = `.5` = `1/2`. A fraction counts by value only in lowest terms (`2/4` is not `1/2`:
  "化成最简分数" wants the reduced form; a key written `2/4` still matches `2/4`). `1,000` is
  not a number (a comma separates answers: `1，2` are two roots), nor are `2x`, `40%`, `1e3`.
  When the stem asks for a precision (保留 / 精确到 / 有效数字), the decimals must be as many
  as the key's: `3.1` is not `3.10` there.

Anything else is compared as text. The pupil's answer is stored as typed, so a teacher can
see it and overrule the verdict in a review.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

ItemType = Literal["single", "multiple", "true_false", "fill", "short"]
# Types marked without a teacher.
OBJECTIVE_TYPES: frozenset[str] = frozenset({"single", "multiple", "true_false", "fill"})
MAX_ANSWER_CHARS = 500

_SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻"
_SUPERSCRIPT_RUN = re.compile(f"[{_SUPERSCRIPTS}]+")
_FROM_SUPERSCRIPT = str.maketrans(_SUPERSCRIPTS, "0123456789+-")
# Minus signs NFKC leaves alone.
_MINUS = str.maketrans({"−": "-", "–": "-"})
_WHITESPACE = re.compile(r"\s+")
# Chinese punctuation NFKC leaves alone (，：；（） it folds already). A Chinese input method
# types 。 for the "." key and 、 between listed answers, so they mean . and , here.
_PUNCTUATION = str.maketrans(
    {"。": ".", "、": ",", "“": '"', "”": '"', "‘": "'", "’": "'", "【": "[", "】": "]"}
)


def normalise_text(text: str) -> str:
    """The comparable form of a fill-in answer.

    NFKC folds full-width forms to half-width (１２ -> 12, （ -> (, ， -> ",", Ａ -> A, the
    ideographic space -> space); Chinese punctuation it leaves is mapped too (。 -> ., 、 -> ",",
    “” -> "); whitespace is dropped altogether (2x - 3 = 2x-3; Chinese answers have no
    spaces); one trailing full stop is dropped (答案是句子的一部分, the stop is not); case is
    kept (CO is not Co). Superscripts are written as powers first, because NFKC would turn x²
    into x2: x² = x^2 and 4.2×10⁵ = 4.2×10^5."""
    text = _SUPERSCRIPT_RUN.sub(lambda m: "^" + m.group().translate(_FROM_SUPERSCRIPT), text)
    text = unicodedata.normalize("NFKC", text).translate(_MINUS).translate(_PUNCTUATION)
    text = _WHITESPACE.sub("", text)
    return text[:-1] if len(text) > 1 and text.endswith(".") else text


# A blank in a stem: a run of underscores (＿ folds to _ under NFKC).
_BLANK = re.compile(r"_{3,}")
# `<var> =` right before a blank: a Latin letter, maybe more letters or digits (x, y, x1, S).
_VARIABLE_BEFORE = re.compile(r"([A-Za-z][A-Za-z0-9]*)\s*=\s*$")
# What may not come just before the variable: then it is part of an expression (2x =,
# a + b =, x = y =, f(x) =), not the blank's variable.
_EXPRESSION = re.compile(r"[A-Za-z0-9_.+\-*/^×÷·=<>()\[\]{}|!]")
_PRECISION = re.compile("保留|精确到|有效数字")


def blank_variables(stem: str | None, blanks: int) -> list[str | None]:
    """Per blank, the variable the stem names right before it (`x = ____` -> "x"), else
    None. Nothing is assumed when the stem's blanks are not the key's blanks."""
    if not stem:
        return [None] * blanks
    folded = unicodedata.normalize("NFKC", stem)
    parts = _BLANK.split(folded)
    if len(parts) - 1 != blanks:
        return [None] * blanks
    found: list[str | None] = []
    for before in parts[:-1]:
        m = _VARIABLE_BEFORE.search(before)
        ahead = before[: m.start()].rstrip() if m else ""
        found.append(m.group(1) if m and not _EXPRESSION.fullmatch(ahead[-1:]) else None)
    return found


def asks_precision(stem: str | None) -> bool:
    """Whether the stem asks for a number of decimals or significant figures."""
    return bool(stem and _PRECISION.search(stem))


_DECIMAL = re.compile(r"[+-]?(\d+(\.\d+)?|\.\d+)")
_FRACTION = re.compile(r"([+-]?\d+)/(\d+)")


def _number(text: str) -> Fraction | None:
    """The value of a plain number (normalised text): 40, -0.5, .5, 3/4 in lowest terms."""
    if _DECIMAL.fullmatch(text):
        return Fraction(text)
    m = _FRACTION.fullmatch(text)
    if m is None:
        return None
    numerator, denominator = int(m.group(1)), int(m.group(2))
    if denominator == 0 or math.gcd(numerator, denominator) != 1 or denominator == 1:
        return None
    return Fraction(numerator, denominator)


def _decimals(text: str) -> int:
    return len(text.partition(".")[2]) if "/" not in text else -1


def _without_variable(text: str, variable: str | None) -> str:
    """`x=2` -> `2` when the blank's variable is x (normalised text)."""
    if variable and text.startswith(variable + "=") and len(text) > len(variable) + 1:
        return text[len(variable) + 1 :]
    return text


def same_answer(
    accepted: str, given: str, *, variable: str | None = None, precision: bool = False
) -> bool:
    """Whether `given` is the accepted answer `accepted` by the rules above."""
    key = _without_variable(normalise_text(accepted), variable)
    answer = _without_variable(normalise_text(given), variable)
    if answer == key:
        return True
    key_value, answer_value = _number(key), _number(answer)
    if key_value is None or answer_value is None or key_value != answer_value:
        return False
    return not precision or _decimals(key) == _decimals(answer)


def normalise_key(key: str) -> str:
    """An option key as typed: ' ｂ ' -> 'B'."""
    return unicodedata.normalize("NFKC", key).strip().upper()


def fill_key(stored: Any) -> list[list[str]]:
    """The accepted answers per blank, from either stored form: `[[blank 1 answers], ...]`,
    or `[answers]` / `"answer"` for an item with one blank."""
    if isinstance(stored, str):
        return [[stored]]
    if isinstance(stored, list) and stored and all(isinstance(b, list) for b in stored):
        return [[str(a) for a in blank] for blank in stored]
    if isinstance(stored, list):
        return [[str(a) for a in stored]]
    raise ValueError(f"not a fill-in answer key: {stored!r}")


def mark_single(key: str, given: str) -> bool:
    return normalise_key(given) == normalise_key(key)


def mark_multiple(key: Sequence[str], given: Sequence[str]) -> bool:
    """All the right options and no other: order and case do not matter."""
    return {normalise_key(k) for k in given} == {normalise_key(k) for k in key}


def mark_true_false(key: bool, given: bool) -> bool:
    return key is given


def mark_fill(
    key: Sequence[Sequence[str]], given: Sequence[str], *, stem: str | None = None
) -> list[bool]:
    """One verdict per blank: right if it is any accepted answer of that blank
    (`same_answer`); the stem names the blanks' variables and whether precision counts."""
    variables = blank_variables(stem, len(key))
    precision = asks_precision(stem)
    return [
        any(same_answer(a, answer, variable=variable, precision=precision) for a in accepted)
        for accepted, answer, variable in zip(key, given, variables, strict=True)
    ]


class BadAnswer(ValueError):
    """An answer of the wrong shape for its item (the message says what was expected)."""


@dataclass(frozen=True, slots=True)
class Marking:
    correct: bool | None  # None: not auto-marked (short answers need a teacher)
    blanks: tuple[bool, ...] | None = None  # fill-in items: a verdict per blank


def mark(
    item_type: str,
    key: Any,
    given: Any,
    *,
    option_keys: Sequence[str] = (),
    stem: str | None = None,
) -> Marking:
    """Mark `given` against the item's `key`; `BadAnswer` if `given` has the wrong shape.
    Fill-ins are marked knowing the item's `stem` (the blanks' variables, asked precision);
    without it, only the rules that need no stem apply."""
    keys = {normalise_key(k) for k in option_keys}
    if item_type == "single":
        if not isinstance(given, str) or not given.strip():
            raise BadAnswer('a single-choice answer is one option key, such as "B"')
        if keys and normalise_key(given) not in keys:
            raise BadAnswer(f"the answer must be one of {', '.join(sorted(keys))}")
        return Marking(mark_single(str(key), given))
    if item_type == "multiple":
        if (
            not isinstance(given, list)
            or not given
            or not all(isinstance(k, str) and k.strip() for k in given)
        ):
            raise BadAnswer('a multiple-choice answer is a list of option keys, such as ["A", "C"]')
        if keys and not {normalise_key(k) for k in given} <= keys:
            raise BadAnswer(f"the answer's keys must be among {', '.join(sorted(keys))}")
        return Marking(mark_multiple(list(key), given))
    if item_type == "true_false":
        if not isinstance(given, bool):
            raise BadAnswer("a true/false answer is true or false")
        if not isinstance(key, bool):
            raise ValueError(f"not a true/false answer key: {key!r}")
        return Marking(mark_true_false(key, given))
    if item_type == "fill":
        accepted = fill_key(key)
        answers = [given] if isinstance(given, str) and len(accepted) == 1 else given
        if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
            raise BadAnswer("a fill-in answer is a list of texts, one per blank")
        if len(answers) != len(accepted):
            raise BadAnswer(f"this item has {len(accepted)} blank(s); got {len(answers)} answers")
        if any(len(a) > MAX_ANSWER_CHARS for a in answers):
            raise BadAnswer(f"each answer has at most {MAX_ANSWER_CHARS} characters")
        blanks = mark_fill(accepted, answers, stem=stem)
        return Marking(all(blanks), tuple(blanks))
    if item_type == "short":
        if not isinstance(given, str):
            raise BadAnswer("a short answer is a text")
        if len(given) > 20 * MAX_ANSWER_CHARS:
            raise BadAnswer(f"a short answer has at most {20 * MAX_ANSWER_CHARS} characters")
        return Marking(None)
    raise ValueError(f"unknown item type {item_type!r}")
