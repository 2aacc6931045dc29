"""Question-bank rules without I/O: who gets answer keys, marking, trees, reading order."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from xbt_shared.auth import Principal
from xbt_shared.mongo import Doc

KNOWLEDGE_POINTS = "knowledge_points"
ITEMS = "items"

ItemType = Literal["single", "multiple", "true_false", "fill", "short"]

# Who may read answer keys and explanations before answering: these roles, and services
# (the tasks service, which marks and shows them) whose token carries KEYS_SCOPE.
KEY_HOLDER_ROLES = frozenset(
    {"teacher", "researcher", "school_admin", "district_admin", "city_admin"}
)
KEYS_SCOPE = "bank.keys"
Audience = Literal["pupil", "key_holder"]

MAX_PAGE = 200  # 200 pages of 50: deeper than anyone practises
MAX_ANSWER_CHARS = 500


def audience_of(principal: Principal) -> Audience:
    """Key holders are teachers, researchers and administrators, and services granted
    `bank.keys`; everybody else (pupils, parents, guests, support agents, other services) is
    a pupil as far as answer keys are concerned."""
    if principal.is_service:
        return "key_holder" if principal.has_scope(KEYS_SCOPE) else "pupil"
    if principal.is_guest or not principal.has_role(*KEY_HOLDER_ROLES):
        return "pupil"
    return "key_holder"


# --- marking --------------------------------------------------------------------------------

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


# --- trees ------------------------------------------------------------------------------------


def progress_nodes(tree: Sequence[Mapping[str, Any]], up_to: str | None) -> list[str] | None:
    """A textbook's node ids in reading order up to and including `up_to` and everything
    under it (a unit brings its lessons); all of them if `up_to` is None; None if the tree
    has no such node."""
    order: list[str] = []
    end: int | None = None

    def walk(nodes: Sequence[Mapping[str, Any]]) -> None:
        nonlocal end
        for node in nodes:
            order.append(str(node["id"]))
            walk(node.get("children") or [])
            if end is None and node["id"] == up_to:
                end = len(order)

    walk(tree)
    if up_to is None:
        return order
    return None if end is None else order[:end]


def knowledge_tree(points: Iterable[tuple[str, Mapping[str, Any]]]) -> list[Doc]:
    """Nested `{id, name, depth, parent_id, owner, children}` from flat (owner, point) pairs.

    Siblings keep the order given (the store's), or follow an `order` field where points
    have one. A point is put under its parent only if the parent is higher in the tree (so
    bad data cannot make a cycle); one whose parent is missing becomes a root."""
    nodes: dict[str, Doc] = {}
    entries: list[tuple[Doc, Mapping[str, Any]]] = []
    for owner, point in points:
        node: Doc = {
            "id": point["_id"],
            "name": point.get("name", ""),
            "depth": point.get("depth", len(point.get("path") or [])),
            "parent_id": point.get("parent_id"),
            "owner": owner,
            "children": [],
        }
        if node["id"] in nodes:
            continue  # a district may not redefine a city point
        nodes[node["id"]] = node
        entries.append((node, point))
    rank = {
        node["id"]: point["order"] if isinstance(point.get("order"), int) else float("inf")
        for node, point in entries
    }
    roots: list[Doc] = []
    for node, point in entries:
        parent = nodes.get(point.get("parent_id") or "")
        if parent is not None and parent["depth"] < node["depth"]:
            parent["children"].append(node)
        else:
            roots.append(node)

    def order(siblings: list[Doc]) -> None:
        siblings.sort(key=lambda n: rank[n["id"]])  # stable: ties keep the store's order
        for n in siblings:
            order(n["children"])

    order(roots)
    return roots
