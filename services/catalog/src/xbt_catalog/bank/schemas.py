"""The question bank's public contract. What an item looks like to each audience: pupils
never get `answer` or `explanation`. The cached reads' answers are described here too."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, RootModel

from xbt_catalog.bank.domain import Audience
from xbt_catalog.resources.schemas import CHAPTERS_DOC, Chapter, Stage, Subject
from xbt_shared.marking import ItemType
from xbt_shared.mongo import Doc

# How keys are written and answers marked (`xbt_shared.marking`), for whoever writes items.
ANSWER_KEY = (
    'The key, by type: single "B"; multiple ["A", "C"]; true_false true; short a model '
    "answer (not auto-marked); fill [[accepted answers of blank 1], [of blank 2], ...] (or "
    '[answers] / "answer" for one blank). A blank is right when the answer equals one of '
    "its accepted answers after normalising: full-width forms as half-width (４０ = 40, "
    "ｘ＝２ = x=2), spaces dropped, Chinese punctuation as English (。 = ., 、 = ,), one "
    "trailing full stop dropped, case kept; a leading `x=` is dropped when the stem reads "
    "`x = ____` (the blank's own variable only: not y=); plain numbers compare by value "
    "(40 = 40.0 = +40, 0.5 = 1/2, but a fraction only in lowest terms: 2/4 is not 1/2; "
    "no 1,000, 40%, 1e3), except that when the stem asks for a precision (保留 / 精确到 / "
    "有效数字) the decimals must be as many as the key's. Write units and other fixed text "
    "in the stem, outside the blank (40平方厘米 is not 40). The pupil's answer is kept as "
    "typed and a teacher's review can overrule the verdict."
)


class Option(BaseModel):
    key: str
    text: str


class Provider(BaseModel):
    level: str
    tenant: str
    school_id: str | None = None
    name: str | None = None


class ItemForPupil(BaseModel):
    """An item as pupils and guests see it: everything needed to answer, no key. This model
    has no `answer` and no `explanation` field, so whatever a document holds, they are not
    serialised."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str
    owner: str
    type: ItemType
    stem: str
    options: list[Option] = Field(default_factory=list)
    difficulty: int | None = None
    knowledge_point_ids: list[str] = Field(default_factory=list)
    textbook_node_ids: list[str] = Field(default_factory=list)
    subject: str | None = None
    stage: str | None = None
    grades: list[int] = Field(default_factory=list)
    provider: Provider | None = None


class ItemWithKey(ItemForPupil):
    """An item with its answer key and explanation, for teachers, researchers and admins."""

    answer: JsonValue = Field(description=ANSWER_KEY)
    explanation: str | None = None


SHAPES: dict[Audience, type[ItemForPupil]] = {"pupil": ItemForPupil, "key_holder": ItemWithKey}


def shape_item(doc: Mapping[str, Any], owner: str, audience: Audience) -> Doc:
    """The JSON form of an item for one audience."""
    model = SHAPES[audience].model_validate({**doc, "id": doc["_id"], "owner": owner})
    return model.model_dump(mode="json")


class CheckResult(BaseModel):
    """The verdict on a practice answer; the key and explanation come with it."""

    correct: bool | None = Field(description="null: not auto-marked (short answers)")
    marking: Literal["auto", "needs_teacher"]
    blanks: list[bool] | None = Field(default=None, description="fill-in: a verdict per blank")
    answer: JsonValue = Field(description=ANSWER_KEY)
    explanation: str | None = None


class CheckAnswer(BaseModel):
    """A pupil's answer: "B"; ["A", "C"]; true; ["x=2", "3"] (one text per blank); a text."""

    model_config = ConfigDict(extra="forbid")

    answer: JsonValue = Field(
        description="Fill-ins are marked as the item's `answer` says: x=2 where the stem reads "
        "x = ____, 40.0 or ４０ for 40, Chinese punctuation and spaces do not matter."
    )


class KnowledgePoint(BaseModel):
    id: str
    name: str
    depth: int
    parent_id: str | None
    owner: str
    children: list[KnowledgePoint]


class KnowledgePointTree(BaseModel):
    subject: Subject
    stage: Stage
    tree: list[KnowledgePoint]


class BankItem(ItemForPupil):
    """An item. `answer` and `explanation` are present only for key holders (teachers,
    researchers, administrators, services granted `bank.keys`); pupils and guests get
    neither field."""

    answer: JsonValue = Field(default=None, description="Key holders only. " + ANSWER_KEY)
    explanation: str | None = Field(default=None, description="key holders only")
    chapters: list[Chapter] = Field(default_factory=list, description=CHAPTERS_DOC)


class KnowledgePointStep(BaseModel):
    id: str
    name: str


class KnowledgePointMatch(BaseModel):
    """A knowledge point found by name, with the points above it."""

    id: str
    name: str
    subject: Subject | None
    stage: Stage | None
    depth: int
    parent_id: str | None
    owner: str
    path: list[KnowledgePointStep] = Field(description="the points above it, from the root")
    path_text: str = Field(description="the path and the name, e.g. 函数 › 一次函数")


class KnowledgePointMatches(BaseModel):
    """Knowledge points by name (`q`): those named so first, then those under them."""

    q: str
    subject: Subject | None
    stage: Stage | None
    items: list[KnowledgePointMatch]
    total: int
    page: int
    size: int


class KnowledgePoints(RootModel[KnowledgePointTree | KnowledgePointMatches]):
    """Without `q`: the tree of a subject and stage; with `q`: the points found by name."""


class ItemPage(BaseModel):
    items: list[BankItem]
    total: int
    page: int
    size: int
