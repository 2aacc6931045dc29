"""Practice rules without I/O: drawing a set, the mastery estimate, what is asked for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from xbt_shared.errors import Unprocessable
from xbt_tasks.practice.domain import (
    CANDIDATE_PAGE_SIZE,
    PracticeItem,
    Selection,
    as_body_errors,
    draw,
    extra_pages,
    mark_answer,
    mastery_of,
    recency_weight,
)

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def candidates(n: int) -> list[dict[str, Any]]:
    return [{"id": f"i{k:02d}", "difficulty": 1 + k % 3} for k in range(n)]


def seen(correct: bool, days_ago: float = 1) -> dict[str, Any]:
    return {"last_correct": correct, "last_answered_at": NOW - timedelta(days=days_ago)}


def test_a_draw_is_reproducible_from_its_seed() -> None:
    pool = candidates(30)
    first = draw(pool, {}, 10, "pr-1")
    assert first == draw(list(reversed(pool)), {}, 10, "pr-1")  # order of arrival is irrelevant
    assert {c["id"] for c in first} != {c["id"] for c in draw(pool, {}, 10, "pr-2")}
    assert len({c["id"] for c in first}) == 10
    assert [c["difficulty"] for c in first] == sorted(c["difficulty"] for c in first)


def test_a_draw_prefers_new_and_wrong_items_then_the_longest_unseen_right_ones() -> None:
    pool = candidates(6)
    history = {
        "i00": seen(True, days_ago=1),
        "i01": seen(True, days_ago=9),
        "i02": seen(False),
        "i03": seen(True, days_ago=5),
    }
    chosen = {c["id"] for c in draw(pool, history, 3, "pr-x")}
    assert chosen == {"i02", "i04", "i05"}
    chosen = {c["id"] for c in draw(pool, history, 5, "pr-x")}
    assert chosen == {"i02", "i04", "i05", "i01", "i03"}  # answered right longest ago first
    assert len(draw(pool, history, 20, "pr-x")) == 6
    # Duplicates (the same item on two pages) count once.
    assert len(draw(pool + pool, {}, 20, "pr-x")) == 6


def test_extra_pages_are_a_few_of_the_rest_at_random() -> None:
    assert extra_pages(0, "s") == [] and extra_pages(CANDIDATE_PAGE_SIZE, "s") == []
    assert extra_pages(CANDIDATE_PAGE_SIZE + 1, "s") == [2]
    pages = extra_pages(CANDIDATE_PAGE_SIZE * 40, "s")
    assert len(pages) == 2 and all(2 <= p <= 40 for p in pages)
    assert pages == extra_pages(CANDIDATE_PAGE_SIZE * 40, "s")
    assert all(p <= 200 for p in extra_pages(CANDIDATE_PAGE_SIZE * 10_000, "s"))


def row(*answers: tuple[bool, float]) -> dict[str, Any]:
    """A mastery document as the store's $inc builds it from (correct, days ago) answers."""
    doc: dict[str, Any] = {
        "knowledge_point_id": "kp",
        "answered": 0,
        "correct": 0,
        "weighted_answers": 0.0,
        "weighted_correct": 0.0,
    }
    for correct, days_ago in answers:
        weight = recency_weight(NOW - timedelta(days=days_ago))
        doc["answered"] += 1
        doc["correct"] += int(correct)
        doc["weighted_answers"] += weight
        doc["weighted_correct"] += weight if correct else 0.0
    return doc


def test_mastery_is_a_smoothed_share_of_right_answers() -> None:
    assert mastery_of(row(), NOW)["mastery"] == 0.5  # nothing known: the prior
    assert mastery_of(row((True, 0)), NOW)["mastery"] == pytest.approx(2 / 3, abs=1e-3)
    three = mastery_of(row((True, 0), (True, 0), (True, 0)), NOW)
    assert three["mastery"] == pytest.approx(0.8, abs=1e-3) and three["level"] == "mastered"
    two = mastery_of(row((True, 0), (True, 0)), NOW)
    assert two["level"] == "learning"
    weak = mastery_of(row((False, 0), (False, 0), (True, 0)), NOW)
    assert weak["level"] == "weak" and (weak["answered"], weak["correct"]) == (3, 1)


def test_older_answers_weigh_less() -> None:
    # Wrong a month ago (half weight), right today: (1 + 1) / (1.5 + 2).
    recent_right = mastery_of(row((False, 30), (True, 0)), NOW)
    assert recent_right["mastery"] == pytest.approx(2 / 3.5, abs=1e-3)
    assert recent_right["evidence"] == pytest.approx(1.5, abs=0.01)
    recent_wrong = mastery_of(row((True, 30), (False, 0)), NOW)
    assert recent_wrong["mastery"] < recent_right["mastery"]
    # Evidence fades: three right a year ago say little today.
    old = mastery_of(row((True, 365), (True, 365), (True, 365)), NOW)
    assert 0.5 <= old["mastery"] < 0.51 and old["evidence"] < 0.01 and old["answered"] == 3


def test_what_can_be_asked_for() -> None:
    with pytest.raises(Unprocessable) as caught:
        Selection(types=("short",), knowledge_point="kp").check()
    assert caught.value.extra["errors"][0]["field"] == "body.types"
    with pytest.raises(Unprocessable):
        Selection().check()
    params = Selection(knowledge_point="kp", include_descendants=False).catalog_params()
    assert params["type"] == ["fill", "multiple", "single", "true_false"]  # no short answers
    assert params["include_descendants"] is False and "textbook" not in params
    assert as_body_errors([{"field": "query.up_to", "message": "m"}]) == [
        {"field": "body.up_to", "message": "m"}
    ]


def test_answers_are_marked_with_the_shared_rules() -> None:
    item = PracticeItem(id="i-1", type="fill", stem="x = ____，y = ____", answer=[["2"], ["-1"]])
    assert mark_answer(item, ["２", "−1"]) == {"correct": True, "blanks": [True, True]}
    with pytest.raises(Unprocessable) as caught:
        mark_answer(item, ["2"])
    assert caught.value.extra["errors"][0]["field"] == "body.answer"
