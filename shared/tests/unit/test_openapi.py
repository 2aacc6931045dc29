"""`xbt_shared.openapi.install`: a route's document follows from how it is built."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header
from pydantic import BaseModel

from xbt_shared.auth import Principal, authenticated
from xbt_shared.errors import PROBLEM_JSON
from xbt_shared.openapi import PROBLEM_REF, SECURITY_SCHEME, install, problems

Caller = Annotated[Principal, Depends(authenticated)]


class Body(BaseModel):
    title: str


def document() -> dict[str, Any]:
    app = FastAPI()
    router = APIRouter(prefix="/v1")

    @router.get("/open")
    async def open_route() -> dict[str, str]:
        return {}

    @router.get("/things/{thing_id}")
    async def thing(thing_id: str, caller: Caller) -> dict[str, str]:
        return {}

    @router.put("/things/{thing_id}", responses=problems(423))
    async def change(
        thing_id: str,
        body: Body,
        caller: Caller,
        if_match: Annotated[str | None, Header()] = None,
    ) -> dict[str, str]:
        return {}

    @router.post("/things", status_code=201)
    async def create(
        body: Body, caller: Caller, idempotency_key: Annotated[str | None, Header()] = None
    ) -> dict[str, str]:
        return {}

    app.include_router(router)
    install(app)
    doc = app.openapi()
    assert app.openapi() is doc  # built once
    return doc


def statuses(op: dict[str, Any]) -> set[str]:
    return {s for s in op["responses"] if s[0] in "45"}


def test_security_and_problems_follow_from_the_route() -> None:
    doc = document()
    paths = doc["paths"]
    assert doc["components"]["securitySchemes"][SECURITY_SCHEME]["scheme"] == "bearer"
    assert paths["/v1/open"]["get"]["security"] == []
    assert statuses(paths["/v1/open"]["get"]) == set()
    read = paths["/v1/things/{thing_id}"]["get"]
    assert read["security"] == [{SECURITY_SCHEME: []}]
    assert statuses(read) == {"401", "403", "404", "422"}
    change = paths["/v1/things/{thing_id}"]["put"]
    assert statuses(change) == {"400", "401", "403", "404", "409", "422", "423", "428"}
    create = paths["/v1/things"]["post"]
    assert statuses(create) == {"400", "401", "403", "409", "422"}
    assert "Retry-After" not in str(create)
    assert "WWW-Authenticate" in create["responses"]["401"]["headers"]


def test_every_problem_is_problem_json_and_fastapis_422_is_gone() -> None:
    doc = document()
    for item in doc["paths"].values():
        for op in item.values():
            for status in statuses(op):
                content = op["responses"][status]["content"]
                assert list(content) == [PROBLEM_JSON]
                assert content[PROBLEM_JSON]["schema"] == {"$ref": PROBLEM_REF}
    schemas = doc["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    assert schemas["Problem"]["required"] == ["type", "title", "status"]


def test_problems_helper_documents_retry_after() -> None:
    answer = problems(429)[429]
    assert answer["content"][PROBLEM_JSON]["schema"] == {"$ref": PROBLEM_REF}
    assert answer["headers"]["Retry-After"]["schema"] == {"type": "integer"}


def test_summary_and_description_come_from_the_docstring() -> None:
    app = FastAPI()
    router = APIRouter(prefix="/v1")

    @router.post("/authorize")
    async def authorize_post() -> dict[str, str]:
        """Sign in through the login form.

        The form posts the district, username and password;
        a wrong one shows the form again.
        """
        return {}

    @router.get("/one-line")
    async def one_line() -> dict[str, str]:
        """Read one thing."""
        return {}

    @router.get("/explicit", summary="Given summary", description="Given description")
    async def explicit() -> dict[str, str]:
        """Docstring summary.

        Docstring rest."""
        return {}

    @router.get("/described", description="Given description")
    async def described() -> dict[str, str]:
        """Docstring summary.

        Docstring rest."""
        return {}

    @router.get("/hidden-rest")
    async def hidden_rest() -> dict[str, str]:
        """Shown summary.

        Shown description.
        \f
        Not for the document.
        """
        return {}

    @router.get("/bare")
    async def bare_route() -> dict[str, str]:
        return {}

    app.include_router(router)
    install(app)
    paths = app.openapi()["paths"]
    form = paths["/v1/authorize"]["post"]
    assert form["summary"] == "Sign in through the login form."
    assert form["description"] == (
        "The form posts the district, username and password;\na wrong one shows the form again."
    )
    assert paths["/v1/one-line"]["get"]["summary"] == "Read one thing."
    assert "description" not in paths["/v1/one-line"]["get"]
    given = paths["/v1/explicit"]["get"]
    assert (given["summary"], given["description"]) == ("Given summary", "Given description")
    own = paths["/v1/described"]["get"]
    assert (own["summary"], own["description"]) == (
        "Docstring summary.",
        "Given description",
    )
    hidden = paths["/v1/hidden-rest"]["get"]
    assert (hidden["summary"], hidden["description"]) == ("Shown summary.", "Shown description.")
    assert paths["/v1/bare"]["get"]["summary"] == "Bare Route"  # FastAPI's, with no docstring
