"""Question-bank rules without I/O: marking, normalising, reading order, trees, audiences."""

from __future__ import annotations

from typing import Any

import pytest

from xbt_catalog.bank.domain import KEYS_SCOPE, audience_of, knowledge_tree, progress_nodes
from xbt_catalog.bank.schemas import ItemForPupil, ItemWithKey, shape_item
from xbt_shared.auth import SERVICE_SCOPES, Principal
from xbt_shared.marking import (
    BadAnswer,
    fill_key,
    mark,
    mark_fill,
    mark_multiple,
    mark_single,
    mark_true_false,
    normalise_text,
)

# --- normalising and marking ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("１２", "12"),  # full-width digits
        ("ｘ＝２", "x=2"),  # full-width letters and signs
        ("  3.14 ", "3.14"),  # trimmed
        ("2x - 3", "2x-3"),  # spaces inside do not matter
        ("（1，2）", "(1,2)"),  # full-width brackets and comma
        ("x^2", "x²"),  # superscripts are powers ...
        ("4.2×10^5", "4.2×10⁵"),
        ("10^-3", "10⁻³"),
        ("−5", "-5"),  # the minus sign
        ("H2O", "H₂O"),  # subscripts fold
        ("光合作用", "光合作用"),
        ("北京　", "北京"),  # the ideographic space
    ],
)
def test_equivalent_spellings_normalise_alike(typed: str, stored: str) -> None:
    assert normalise_text(typed) == normalise_text(stored)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("x2", "x²"),  # x² is not x2 (NFKC alone would say it is)
        ("co", "CO"),  # case is kept: Co is not CO
        ("12", "21"),
    ],
)
def test_different_answers_stay_different(typed: str, stored: str) -> None:
    assert normalise_text(typed) != normalise_text(stored)


def test_fill_keys_accept_both_stored_forms() -> None:
    assert fill_key([["2", "x=2"], ["-1"]]) == [["2", "x=2"], ["-1"]]
    assert fill_key(["12", "十二"]) == [["12", "十二"]]  # one blank, alternatives
    assert fill_key("12") == [["12"]]
    with pytest.raises(ValueError):
        fill_key(12)


def test_fill_in_marks_each_blank_against_its_alternatives() -> None:
    key = [["2", "x=2"], ["-1", "y=-1"]]
    assert mark_fill(key, ["x = 2", "－１"]) == [True, True]
    assert mark_fill(key, ["２", "1"]) == [True, False]
    assert mark_fill(key, ["-1", "2"]) == [False, False]  # blanks are not interchangeable


def test_choice_and_true_false_marking() -> None:
    assert mark_single("B", "b") and mark_single("B", " Ｂ ")
    assert not mark_single("B", "C")
    assert mark_multiple(["A", "C"], ["c", "A"])
    assert mark_multiple(["A", "C"], ["A", "C", "a"])  # repeated keys are one choice
    assert not mark_multiple(["A", "C"], ["A"])
    assert not mark_multiple(["A", "C"], ["A", "B", "C"])
    assert mark_true_false(False, False) and not mark_true_false(True, False)


OPTIONS = ("A", "B", "C", "D")


@pytest.mark.parametrize(
    ("item_type", "key", "given", "correct", "blanks"),
    [
        ("single", "B", "B", True, None),
        ("single", "B", "d", False, None),
        ("multiple", ["A", "C"], ["C", "a"], True, None),
        ("multiple", ["A", "C"], ["A", "B"], False, None),
        ("true_false", True, True, True, None),
        ("true_false", True, False, False, None),
        ("fill", [["12", "十二"]], "十二", True, (True,)),
        ("fill", ["12", "十二"], ["１２"], True, (True,)),
        ("fill", [["2"], ["-1"]], ["2", "1"], False, (True, False)),
        ("short", "因为……所以……", "我觉得是因为", None, None),
    ],
)
def test_mark(
    item_type: str, key: Any, given: Any, correct: bool | None, blanks: tuple[bool, ...] | None
) -> None:
    marking = mark(
        item_type, key, given, option_keys=OPTIONS if item_type in ("single", "multiple") else ()
    )
    assert marking.correct is correct
    assert marking.blanks == blanks


@pytest.mark.parametrize(
    ("item_type", "key", "given"),
    [
        ("single", "B", ["B"]),
        ("single", "B", ""),
        ("single", "B", "E"),  # not an option
        ("single", "B", True),
        ("multiple", ["A", "C"], "AC"),
        ("multiple", ["A", "C"], []),
        ("multiple", ["A", "C"], ["A", "Z"]),
        ("multiple", ["A", "C"], ["A", 3]),
        ("true_false", True, "true"),
        ("true_false", True, 1),
        ("true_false", True, None),
        ("fill", [["2"], ["-1"]], ["2"]),  # two blanks, one answer
        ("fill", [["2"], ["-1"]], "2"),
        ("fill", [["2"]], [2]),
        ("fill", [["2"]], {"0": "2"}),
        ("fill", [["2"]], ["x" * 501]),
        ("short", "…", ["a list"]),
    ],
)
def test_bad_answer_shapes_are_refused(item_type: str, key: Any, given: Any) -> None:
    with pytest.raises(BadAnswer):
        mark(item_type, key, given, option_keys=OPTIONS)


# --- textbook progress ---------------------------------------------------------------------------

TREE = [
    {
        "id": "u1",
        "kind": "unit",
        "children": [{"id": "u1.l1", "kind": "lesson"}, {"id": "u1.l2", "kind": "lesson"}],
    },
    {
        "id": "u2",
        "kind": "unit",
        "children": [{"id": "u2.l1", "kind": "lesson"}, {"id": "u2.l2", "kind": "lesson"}],
    },
]


def test_progress_is_every_node_up_to_a_lesson_in_reading_order() -> None:
    assert progress_nodes(TREE, "u1.l2") == ["u1", "u1.l1", "u1.l2"]
    assert progress_nodes(TREE, "u2.l1") == ["u1", "u1.l1", "u1.l2", "u2", "u2.l1"]
    # A unit brings all of its lessons.
    assert progress_nodes(TREE, "u1") == ["u1", "u1.l1", "u1.l2"]
    assert progress_nodes(TREE, None) == ["u1", "u1.l1", "u1.l2", "u2", "u2.l1", "u2.l2"]
    assert progress_nodes(TREE, "u9.l1") is None
    assert progress_nodes([], "u1") is None


# --- knowledge-point trees -----------------------------------------------------------------------


def kp(kid: str, parent: str | None, path: list[str], **extra: Any) -> dict[str, Any]:
    return {"_id": kid, "name": kid, "parent_id": parent, "path": path, "depth": len(path), **extra}


def test_tree_nests_points_and_keeps_the_given_order() -> None:
    tree = knowledge_tree(
        [
            ("city", kp("a", None, [])),
            ("city", kp("a1", "a", ["a"])),
            ("city", kp("a1x", "a1", ["a", "a1"])),
            ("city", kp("b", None, [])),
            ("city", kp("a2", "a", ["a"])),
            ("heping", kp("a1y", "a1", ["a", "a1"])),
        ]
    )
    assert [n["id"] for n in tree] == ["a", "b"]
    assert [n["id"] for n in tree[0]["children"]] == ["a1", "a2"]
    a1 = tree[0]["children"][0]
    assert [(n["id"], n["owner"]) for n in a1["children"]] == [("a1x", "city"), ("a1y", "heping")]
    assert a1["depth"] == 1 and a1["parent_id"] == "a"


def test_tree_follows_an_order_field_and_survives_bad_data() -> None:
    tree = knowledge_tree(
        [
            ("city", kp("r", None, [], order=2)),
            ("city", kp("q", None, [], order=1)),
            ("city", kp("orphan", "gone", ["gone"])),
            # A cycle: each claims the other as parent at the same depth.
            ("city", kp("c1", "c2", ["x"])),
            ("city", kp("c2", "c1", ["x"])),
            ("heping", kp("r", None, [])),  # a district cannot redefine a city point
        ]
    )
    ids = [n["id"] for n in tree]
    assert ids[:2] == ["q", "r"]
    assert set(ids) == {"q", "r", "orphan", "c1", "c2"}
    assert next(n for n in tree if n["id"] == "r")["owner"] == "city"


# --- who gets the key ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("roles", "audience"),
    [
        (["student"], "pupil"),
        (["guest"], "pupil"),
        (["support_agent"], "pupil"),
        ([], "pupil"),
        (["teacher"], "key_holder"),
        (["researcher"], "key_holder"),
        (["school_admin"], "key_holder"),
        (["district_admin"], "key_holder"),
        (["city_admin"], "key_holder"),
        (["student", "teacher"], "key_holder"),
        (["guest", "teacher"], "pupil"),  # the guest account never gets keys
    ],
)
def test_audience(roles: list[str], audience: str) -> None:
    principal = Principal(user_id="u", tenant="heping", roles=frozenset(roles))
    assert audience_of(principal) == audience


@pytest.mark.parametrize(
    ("roles", "scopes", "audience"),
    [
        (["service"], ["bank.keys"], "key_holder"),
        (["service"], ["bank.keys", "other"], "key_holder"),
        (["service"], [], "pupil"),
        (["service"], ["bank"], "pupil"),
        (["student"], ["bank.keys"], "pupil"),  # scopes mean something on services only
        (["guest"], ["bank.keys"], "pupil"),
    ],
)
def test_audience_of_a_service(roles: list[str], scopes: list[str], audience: str) -> None:
    principal = Principal(
        user_id="svc:tasks", tenant="city", roles=frozenset(roles), scopes=frozenset(scopes)
    )
    assert audience_of(principal) == audience


def test_the_keys_scope_is_one_identity_can_grant() -> None:
    assert KEYS_SCOPE in SERVICE_SCOPES


ITEM = {
    "_id": "item-1",
    "type": "single",
    "stem": "1 + 1 = ?",
    "options": [{"key": "A", "text": "1"}, {"key": "B", "text": "2"}],
    "answer": "B",
    "explanation": "1 + 1 = 2",
    "difficulty": 1,
    "status": "published",
    "created_by": "seed",
}


def test_the_pupil_shape_has_no_key_fields_at_all() -> None:
    assert not {"answer", "explanation"} & set(ItemForPupil.model_fields)
    assert {"answer", "explanation"} <= set(ItemWithKey.model_fields)
    pupil = shape_item(ITEM, "city", "pupil")
    assert "answer" not in pupil and "explanation" not in pupil
    assert "status" not in pupil and "created_by" not in pupil  # only declared fields
    assert pupil["id"] == "item-1" and pupil["owner"] == "city"
    teacher = shape_item(ITEM, "city", "key_holder")
    assert teacher["answer"] == "B" and teacher["explanation"] == "1 + 1 = 2"
