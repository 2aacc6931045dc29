"""Gradebook routes: a task's (`/tasks/{id}/gradebook`) and a class's
(`/classes/{id}/gradebook`), as JSON or, with `?format=csv|xlsx`, as a file to download.
They hold pupils' names and scores: `Cache-Control: no-store`, files included."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

from fastapi import Query, Response

from xbt_shared.caller import CurrentCaller
from xbt_shared.openapi import problems
from xbt_shared.routing import NO_STORE_HEADERS, private_router
from xbt_tasks.gradebook import export
from xbt_tasks.gradebook.domain import MAX_CLASS_TASKS
from xbt_tasks.gradebook.schemas import ClassGradebook, TaskGradebook
from xbt_tasks.http import GradebooksDep, Id

router = private_router("gradebook")
Format = Annotated[
    Literal["json", "csv", "xlsx"],
    Query(description="json (default), or a file: csv (UTF-8 with BOM) or xlsx"),
]
FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            export.CSV_TYPE: {"schema": {"type": "string", "format": "binary"}},
            export.XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
        }
    }
}

T = TypeVar("T")


@router.get(
    "/tasks/{task_id}/gradebook",
    response_model=TaskGradebook,
    responses={**FILE_RESPONSES, **problems(503)},
)
async def task_gradebook(
    task_id: Id,
    caller: CurrentCaller,
    gradebooks: GradebooksDep,
    class_id: Id | None = None,
    format: Format = "json",
) -> TaskGradebook | Response:
    """A task's gradebook, as JSON, CSV or XLSX.

    Per class of the task (or `class_id`'s), one row per pupil on the roster — state
    (assigned / submitted / returned / marked / missing), on time or late, attempts, score —
    and a summary: counts, score distribution, per-item correct rates. For the task's
    teachers (their classes) and the school's and district's administrators (all)."""
    book = await gradebooks.for_task(caller, task_id, class_id)
    if format == "json":
        return TaskGradebook.model_validate(book)
    sheets = export.task_sheets(book)
    label = f"成绩册-{export.file_label(book['task']['title'])}.{format}"
    fallback = f"gradebook-{task_id}.{format}"
    if format == "csv":
        return await _file(export.csv_bytes, sheets[0], export.CSV_TYPE, label, fallback)
    return await _file(export.xlsx_bytes, sheets, export.XLSX_TYPE, label, fallback)


@router.get(
    "/classes/{class_id}/gradebook",
    response_model=ClassGradebook,
    responses={**FILE_RESPONSES, **problems(503)},
)
async def class_gradebook(
    class_id: Id,
    caller: CurrentCaller,
    gradebooks: GradebooksDep,
    limit: Annotated[int, Query(ge=1, le=MAX_CLASS_TASKS)] = MAX_CLASS_TASKS,
    format: Format = "json",
) -> ClassGradebook | Response:
    """A class's gradebook across its tasks, as JSON, CSV or XLSX.

    Every pupil of the class across its newest `limit` opened tasks (newest first): per
    task the state and score, per pupil the average percentage and the tasks missing. For
    the class's teachers and its school's and district's administrators."""
    book = await gradebooks.for_class(caller, class_id, limit=limit)
    if format == "json":
        return ClassGradebook.model_validate(book)
    sheet = export.class_sheet(book)
    label = f"成绩册-{export.file_label(book['class']['name'])}.{format}"
    fallback = f"gradebook-{class_id}.{format}"
    if format == "csv":
        return await _file(export.csv_bytes, sheet, export.CSV_TYPE, label, fallback)
    return await _file(export.xlsx_bytes, [sheet], export.XLSX_TYPE, label, fallback)


async def _file(
    render: Callable[[T], bytes], what: T, media_type: str, label: str, fallback: str
) -> Response:
    # Writing a workbook is CPU work for a few hundred milliseconds at most: off the loop.
    body = await asyncio.to_thread(render, what)
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": export.content_disposition(label, fallback),
            # A file response bypasses the router's header dependency: set it here too.
            **NO_STORE_HEADERS,
        },
    )
