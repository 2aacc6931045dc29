"""Roster routes: upload a roster for bulk registration (学校管理员统一注册) and download the
credentials sheet it produced. They translate HTTP to `roster_import` and back.

The response models live here, beside the routes that are their only users.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import UploadFile

from xbt_identity import roster, roster_import
from xbt_identity.api import Ident
from xbt_shared.auth import CurrentTenant, Principal, require_roles
from xbt_shared.errors import PayloadTooLarge, Unprocessable

router = APIRouter(prefix="/v1", tags=["rosters"])

# Multipart framing around the file: boundaries and part headers.
FORM_OVERHEAD_BYTES = 64 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


RosterAdmin = Annotated[Principal, require_roles("school_admin", "district_admin", "city_admin")]


class RosterCounts(BaseModel):
    rows: int = Field(description="Pupil rows read (blank rows not counted).")
    created: int
    existing: int
    moved: int = Field(description="Existing pupils put into the class the roster names.")
    rejected: int
    classes_created: int


class RosterRowError(BaseModel):
    row: int = Field(description="The row as the spreadsheet numbers it (header = 1).")
    sheet: str | None = Field(
        default=None, description="XLSX sheet name; 'users.csv' for OneRoster."
    )
    reasons: list[str]
    values: dict[str, str | None]


class RosterAccount(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    row: int
    sheet: str | None = None
    name: str
    school: str
    school_id: str
    grade: int
    class_: int = Field(alias="class")
    class_id: str
    class_name: str
    student_no: str | None = None
    username: str
    one_time_password: str | None = Field(
        default=None, description="Only for accounts this import created."
    )
    status: Literal["created", "existing"]
    moved: bool = False
    moved_from: str | None = Field(default=None, description="The class the pupil left.")


class RosterImportResult(BaseModel):
    import_id: str
    format: Literal["csv", "xlsx", "oneroster"]
    counts: RosterCounts
    errors: list[RosterRowError]
    accounts: list[RosterAccount]
    credentials_expire_at: datetime = Field(
        description="The credentials sheet (GET .../credentials.csv|.xlsx) is kept until then."
    )


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


@router.post("/rosters", response_model=RosterImportResult, status_code=201, openapi_extra=_UPLOAD)
async def import_roster(
    request: Request, principal: RosterAdmin, tenant: CurrentTenant, identity: Ident
) -> dict[str, Any]:
    """Register a school's pupils from a roster file. Bad rows are listed with their reasons;
    the others are imported. Importing the same file again creates nobody twice."""
    content = await _uploaded_file(request, max_bytes=identity.settings.roster_max_bytes)
    return await roster_import.import_roster(identity, principal, tenant, content=content)


@router.get(
    "/rosters/{import_id}/credentials.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
async def credentials_csv(
    import_id: str, principal: RosterAdmin, tenant: CurrentTenant, identity: Ident
) -> Response:
    """The usernames and one-time passwords of an import, for 24 hours (UTF-8 with BOM)."""
    accounts = await roster_import.credentials(identity, principal, tenant, import_id)
    return await _sheet(
        roster.credentials_csv, accounts, "text/csv; charset=utf-8", f"{import_id}.csv"
    )


@router.get(
    "/rosters/{import_id}/credentials.xlsx",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}}},
)
async def credentials_xlsx(
    import_id: str, principal: RosterAdmin, tenant: CurrentTenant, identity: Ident
) -> Response:
    """The same sheet as an Excel workbook (学号 kept as text)."""
    accounts = await roster_import.credentials(identity, principal, tenant, import_id)
    return await _sheet(roster.credentials_xlsx, accounts, XLSX, f"{import_id}.xlsx")


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
            "Cache-Control": "no-store",
        },
    )
