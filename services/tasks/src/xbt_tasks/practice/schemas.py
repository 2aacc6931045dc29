"""Practice's public contract (题库练习): what a pupil asks to practise, an answer, a set
and their mastery as shown."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    StrictBool,
    StrictInt,
    StringConstraints,
)

from xbt_tasks.http import View
from xbt_tasks.practice.domain import DEFAULT_COUNT, MAX_COUNT, Selection

# The catalog's ids (items, knowledge points, textbook nodes) are at most 120 characters.
NodeId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
ObjectiveType = Literal["single", "multiple", "true_false", "fill"]
Difficulty = Annotated[StrictInt, Field(ge=1, le=5)]


class NewPractice(BaseModel):
    """What to practise: a knowledge point (with its sub-points unless
    `include_descendants` is false), or textbook progress (`textbook`, and `up_to` one of
    its nodes: every lesson up to and including it), or both. Short answers are never
    offered: practice is marked at once."""

    model_config = ConfigDict(extra="forbid")

    knowledge_point: NodeId | None = None
    include_descendants: StrictBool = True
    textbook: NodeId | None = None
    up_to: NodeId | None = None
    count: StrictInt = Field(default=DEFAULT_COUNT, ge=1, le=MAX_COUNT)
    types: list[ObjectiveType] | None = Field(default=None, min_length=1, max_length=4)
    difficulty: list[Difficulty] | None = Field(default=None, min_length=1, max_length=5)

    def selection(self) -> Selection:
        return Selection(
            knowledge_point=self.knowledge_point,
            include_descendants=self.include_descendants,
            textbook=self.textbook,
            up_to=self.up_to,
            types=tuple(dict.fromkeys(self.types or ())),
            difficulty=tuple(sorted(set(self.difficulty or ()))),
            count=self.count,
        )


class PracticeAnswer(BaseModel):
    """An answer: single "B"; multiple ["A", "C"]; true/false true; fill ["x=2", "3"]
    (one text per blank)."""

    model_config = ConfigDict(extra="forbid")

    answer: JsonValue


# --- answers -----------------------------------------------------------------------------


class SelectionView(BaseModel):
    knowledge_point: str | None
    include_descendants: bool
    textbook: str | None
    up_to: str | None
    types: list[str]
    difficulty: list[int]


class Progress(BaseModel):
    total: int
    answered: int
    correct: int
    finished: bool


class PracticeItemView(View):
    """An item of a set: once answered with the answer given, the verdict, the key and the
    explanation; before, with none of them."""

    OMIT_UNSET: ClassVar[frozenset[str]] = frozenset(
        {"answer", "explanation", "given", "correct", "blanks", "answered_at"}
    )

    id: str
    type: str
    stem: str
    options: list[dict[str, JsonValue]]
    difficulty: int | None
    knowledge_point_ids: list[str]
    subject: str | None
    stage: str | None
    owner: str | None
    answered: bool
    answer: JsonValue = None
    explanation: str | None = None
    given: JsonValue = None
    correct: bool | None = None
    blanks: list[bool] | None = None
    answered_at: datetime | None = None


class PracticeSummary(BaseModel):
    """A set in a list: no items."""

    id: str
    selection: SelectionView
    subject: str | None
    stage: str | None
    created_at: datetime
    progress: Progress


class PracticeSetView(PracticeSummary):
    requested: int
    pool: int = Field(description="how many items the catalog had for the selection")
    items: list[PracticeItemView]


class PracticePage(BaseModel):
    items: list[PracticeSummary]
    total: int
    page: int
    size: int


class AnswerView(BaseModel):
    """The verdict on an answer (`blanks` per blank for fill-ins), with the key and the
    explanation."""

    item_id: str
    given: JsonValue
    correct: bool
    blanks: list[bool] | None
    answered_at: datetime
    answer: JsonValue
    explanation: str | None
    knowledge_point_ids: list[str]
    progress: Progress


class KnowledgePointMastery(BaseModel):
    """A knowledge point the pupil has answered items of, in practice or in marked tasks."""

    knowledge_point_id: str
    knowledge_point_name: str | None = Field(
        default=None, description="the catalog's name (null if the catalog did not say)"
    )
    knowledge_point_path: list[str] = Field(
        default_factory=list, description="names from the top of the tree down to it"
    )
    subject: str | None
    stage: str | None
    answered: int
    correct: int
    mastery: float = Field(description="0-1: recency-weighted share of right answers, smoothed")
    evidence: float = Field(description="the decayed number of answers behind it")
    level: Literal["mastered", "learning", "weak"]
    first_practised_at: datetime | None
    last_practised_at: datetime | None


class MasteryEstimate(BaseModel):
    half_life_days: float
    prior: float
    prior_weight: float
    mastered_at: float
    learning_at: float


class Mastery(BaseModel):
    subject: str | None
    stage: str | None
    knowledge_points: list[KnowledgePointMastery]
    estimate: MasteryEstimate
