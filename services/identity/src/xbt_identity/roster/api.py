"""Roster routes: schools, classes and their teachers, class lists, and bulk registration
(学校管理员统一注册): upload a roster and download the credentials sheet it produced. They
translate HTTP to `Roster` and back."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote

from fastapi import Request, Response
from starlette.datastructures import UploadFile

from xbt_identity.http import Admin, DistrictAdmin, RosterDep, documented_router
from xbt_identity.roster import domain
from xbt_identity.roster.schemas import (
    AssignTeacherRequest,
    Class,
    ClassPupils,
    ClassRef,
    ClassRoster,
    CreateClassRequest,
    CreateSchoolRequest,
    MyClass,
    Pupil,
    RosterCounts,
    RosterImportResult,
    RosterPerson,
    School,
)
from xbt_identity.roster.service import ImportResult
from xbt_shared.caller import CurrentCaller
from xbt_shared.errors import PayloadTooLarge, Unprocessable
from xbt_shared.openapi import problems
from xbt_shared.routing import NO_STORE

router = documented_router()

# Multipart framing around the file: boundaries and part headers.
FORM_OVERHEAD_BYTES = 64 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# schools and classes ---------------------------------------------------------------------------


@router.get("/me/classes", response_model=list[MyClass], tags=["me"])
async def my_classes(caller: CurrentCaller, roster: RosterDep) -> list[MyClass]:
    """The classes you are in or teach."""
    return [
        MyClass.model_validate(
            {
                **Class.model_validate(c.klass).model_dump(),
                "my_role": c.my_role,
                "my_subjects": c.my_subjects,
            }
        )
        for c in await roster.my_classes(caller)
    ]


@router.get("/classes/{class_id}/roster", response_model=ClassRoster, tags=["classes"])
async def class_roster(class_id: str, caller: CurrentCaller, roster: RosterDep) -> ClassRoster:
    """A class's teachers and pupils, for its teachers and administrators."""
    listed = await roster.class_list(caller, class_id)
    return ClassRoster.model_validate(
        {
            "class": Class.model_validate(listed.klass),
            "teachers": [
                RosterPerson(id=user_id, name=name, subjects=subjects)
                for user_id, name, subjects in listed.teachers
            ],
            "students": [
                RosterPerson(id=p.id, name=p.name, username=p.username, student_no=p.student_no)
                for p in listed.students
            ],
        }
    )


@router.get(
    "/classes/{class_id}/pupils",
    response_model=ClassPupils,
    tags=["classes"],
    responses=problems(404),
)
async def class_pupils(class_id: str, caller: CurrentCaller, roster: RosterDep) -> ClassPupils:
    """A class's pupils with their names and 学号, for xbt's services and the class's readers.

    A service token (`roles: ["service"]`) names the district with `X-Xbt-Tenant`; a class
    of another district, or one the caller may not read, is `404`.
    """
    listed = await roster.class_pupils(caller, class_id)
    klass = listed.klass
    return ClassPupils.model_validate(
        {
            "class": ClassRef(id=klass.id, name=klass.name, school_id=klass.school_id),
            "students": [
                Pupil(id=p.id, name=p.name, student_no=p.student_no, class_id=klass.id)
                for p in listed.students
            ],
        }
    )


@router.get("/schools", response_model=list[School], tags=["schools"])
async def list_schools(caller: CurrentCaller, roster: RosterDep) -> list[School]:
    """The district's schools."""
    return [School.model_validate(s) for s in await roster.list_schools(caller)]


@router.post(
    "/schools", response_model=School, status_code=201, tags=["schools"], responses=problems(409)
)
async def create_school(
    body: CreateSchoolRequest, caller: DistrictAdmin, roster: RosterDep
) -> School:
    """Create a school in the district (district administrators)."""
    school = await roster.create_school(caller, name=body.name, grades=body.grades, code=body.code)
    return School.model_validate(school)


@router.get("/schools/{school_id}/classes", response_model=list[Class], tags=["classes"])
async def school_classes(school_id: str, caller: Admin, roster: RosterDep) -> list[Class]:
    """A school's classes (its administrator, district administrators)."""
    return [Class.model_validate(c) for c in await roster.school_classes(caller, school_id)]


@router.post(
    "/classes",
    response_model=Class,
    status_code=201,
    tags=["classes"],
    responses=problems(404, 409),
)
async def create_class(body: CreateClassRequest, caller: Admin, roster: RosterDep) -> Class:
    """Create a class of a school."""
    klass = await roster.create_class(
        caller, school_id=body.school_id, grade=body.grade, number=body.number
    )
    return Class.model_validate(klass)


@router.put("/classes/{class_id}/teachers", response_model=Class, tags=["classes"])
async def assign_teacher(
    class_id: str, body: AssignTeacherRequest, caller: Admin, roster: RosterDep
) -> Class:
    """Have a teacher of the school teach subjects in the class."""
    klass = await roster.assign_teacher(
        caller, class_id, user_id=body.user_id, subjects=body.subjects
    )
    return Class.model_validate(klass)


# roster imports --------------------------------------------------------------------------------

_UPLOAD = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "CSV (UTF-8 or GBK), XLSX, or a OneRoster 1.2 CSV zip. "
                            "Columns 学校, 年级, 班级, 姓名 and optionally 学号.",
                        }
                    },
                }
            }
        },
    }
}


@router.post(
    "/rosters",
    response_model=RosterImportResult,
    status_code=201,
    openapi_extra=_UPLOAD,
    tags=["rosters"],
    responses=problems(400, 404, 409, 413, 422, 429),
)
async def import_roster(request: Request, caller: Admin, roster: RosterDep) -> RosterImportResult:
    """Register a school's pupils from a roster file (CSV, XLSX or OneRoster).

    Bad rows are listed with their reasons; the others are imported. Importing the same
    file again creates nobody twice.
    """
    content = await _uploaded_file(request, max_bytes=roster.settings.roster_max_bytes)
    return _import_result(await roster.import_roster(caller, content=content))


@router.get(
    "/rosters/{import_id}/credentials.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
    tags=["rosters"],
)
async def credentials_csv(import_id: str, caller: Admin, roster: RosterDep) -> Response:
    """The usernames and one-time passwords of an import, for 24 hours (UTF-8 with BOM)."""
    accounts = await roster.credentials(caller, import_id)
    return await _sheet(
        domain.credentials_csv, accounts, "text/csv; charset=utf-8", f"{import_id}.csv"
    )


@router.get(
    "/rosters/{import_id}/credentials.xlsx",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}}},
    tags=["rosters"],
)
async def credentials_xlsx(import_id: str, caller: Admin, roster: RosterDep) -> Response:
    """The same sheet as an Excel workbook (学号 kept as text)."""
    accounts = await roster.credentials(caller, import_id)
    return await _sheet(domain.credentials_xlsx, accounts, XLSX, f"{import_id}.xlsx")


def _import_result(result: ImportResult) -> RosterImportResult:
    created = result.created
    return RosterImportResult.model_validate(
        {
            "import_id": result.import_id,
            "format": result.format,
            "counts": RosterCounts(
                rows=result.rows,
                created=created,
                existing=len(result.placed) - created,
                moved=sum(p.moved for p in result.placed),
                rejected=len(result.errors),
                classes_created=result.classes_created,
            ),
            "errors": [e.as_doc() for e in result.errors],
            "accounts": [p.sheet_entry() for p in result.placed],
            "credentials_expire_at": result.credentials_expire_at,
        }
    )


async def _uploaded_file(request: Request, *, max_bytes: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes + FORM_OVERHEAD_BYTES:
        raise _too_large(max_bytes)
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise _no_file()
    async with request.form(max_files=1, max_fields=10) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise _no_file()
        content = await upload.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise _too_large(max_bytes)
    return content


def _too_large(max_bytes: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"the roster file is larger than {max_bytes // (1024 * 1024)} MiB: split it",
        max_bytes=max_bytes,
    )


def _no_file() -> Unprocessable:
    return Unprocessable(
        "upload the roster as multipart/form-data in the field 'file'",
        errors=[{"field": "body.file", "message": "Field required", "type": "missing"}],
    )


async def _sheet(
    render: Callable[[Sequence[dict[str, Any]]], bytes],
    accounts: Sequence[dict[str, Any]],
    media_type: str,
    filename: str,
) -> Response:
    body = await asyncio.to_thread(render, accounts)
    label = quote(f"学生初始账号-{filename}")
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": (
                f"attachment; filename=\"roster-{filename}\"; filename*=UTF-8''{label}"
            ),
            # It holds passwords: no copies in caches on the way.
            "Cache-Control": NO_STORE,
        },
    )
