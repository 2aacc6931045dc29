"""Marking question-bank answers against their keys, without I/O.

Shared by the catalog (practice checks) and the tasks service (objective items of a task are
marked when a pupil submits): one set of rules, so a pupil never sees an answer marked right
in practice and wrong in homework.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
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


def normalise_text(text: str) -> str:
    """The comparable form of a fill-in answer.

    NFKC folds full-width forms to half-width (１２ -> 12, （ -> (, Ａ -> A, the ideographic
    space -> space); whitespace is dropped altogether (2x - 3 = 2x-3; Chinese answers have no
    spaces); case is kept (CO is not Co). Superscripts are written as powers first, because
    NFKC would turn x² into x2: x² = x^2 and 4.2×10⁵ = 4.2×10^5."""
    text = _SUPERSCRIPT_RUN.sub(lambda m: "^" + m.group().translate(_FROM_SUPERSCRIPT), text)
    text = unicodedata.normalize("NFKC", text).translate(_MINUS)
    return _WHITESPACE.sub("", text)


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


def mark_fill(key: Sequence[Sequence[str]], given: Sequence[str]) -> list[bool]:
    """One verdict per blank: right if it matches any accepted answer of that blank."""
    return [
        normalise_text(answer) in {normalise_text(a) for a in accepted}
        for accepted, answer in zip(key, given, strict=True)
    ]


class BadAnswer(ValueError):
    """An answer of the wrong shape for its item (the message says what was expected)."""


@dataclass(frozen=True, slots=True)
class Marking:
    correct: bool | None  # None: not auto-marked (short answers need a teacher)
    blanks: tuple[bool, ...] | None = None  # fill-in items: a verdict per blank


def mark(item_type: str, key: Any, given: Any, *, option_keys: Sequence[str] = ()) -> Marking:
    """Mark `given` against the item's `key`; `BadAnswer` if `given` has the wrong shape."""
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
        blanks = mark_fill(accepted, answers)
        return Marking(all(blanks), tuple(blanks))
    if item_type == "short":
        if not isinstance(given, str):
            raise BadAnswer("a short answer is a text")
        if len(given) > 20 * MAX_ANSWER_CHARS:
            raise BadAnswer(f"a short answer has at most {20 * MAX_ANSWER_CHARS} characters")
        return Marking(None)
    raise ValueError(f"unknown item type {item_type!r}")
