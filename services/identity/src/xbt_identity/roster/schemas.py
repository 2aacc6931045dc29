"""The roster feature's public contract: schools, classes, class lists and roster imports."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, StrictInt, StringConstraints

SchoolName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class School(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str = Field(validation_alias=AliasChoices("_id", "id"))
    name: str
    grades: list[int]


class CreateSchoolRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: SchoolName
    grades: tuple[int, int] = Field(examples=[[7, 9]])
    code: str | None = Field(default=None, pattern=r"^[a-z0-9\-]{2,32}$")


class ClassTeacher(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    user_id: str
    subjects: list[str]


class Class(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str = Field(validation_alias=AliasChoices("_id", "id"))
    school_id: str
    grade: int
    stage: str
    number: int
    name: str
    teachers: list[ClassTeacher] = []


class MyClass(Class):
    my_role: Literal["student", "teacher"]
    my_subjects: list[str] = []


class CreateClassRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    school_id: str
    grade: StrictInt = Field(ge=1, le=12)
    number: StrictInt = Field(ge=1, le=99)


class AssignTeacherRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: str
    subjects: list[str] = Field(min_length=1)


class RosterPerson(BaseModel):
    id: str
    name: str | None
    username: str | None = None
    student_no: str | None = None
    subjects: list[str] = []


class ClassRoster(BaseModel):
    class_: Class = Field(alias="class")
    teachers: list[RosterPerson]
    students: list[RosterPerson]


class ClassRef(BaseModel):
    id: str = Field(examples=["c-hp-8-1"])
    name: str = Field(examples=["八年级1班"])
    school_id: str


class Pupil(BaseModel):
    """A pupil as another service needs them: no username, no contact, nothing else."""

    id: str = Field(examples=["u-hp-student1"])
    name: str = Field(description="The display name (姓名).", examples=["李明"])
    student_no: str | None = Field(default=None, description="学号", examples=["2019080101"])
    class_id: str


class ClassPupils(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    class_: ClassRef = Field(alias="class")
    students: list[Pupil] = Field(description="By student number, then name.")


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
