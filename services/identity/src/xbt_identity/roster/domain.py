"""Schools, classes and roster files for bulk registration (学校管理员统一注册), without I/O.

The aggregates are a `School`, a `SchoolClass` and, for an import, a `RosterRow` (a pupil
as the file states it), checked into a `ValidRow` and placed as a `PlacedPupil`.

Reads what a school office has at hand into `RosterRow`s: CSV (UTF-8 with or without BOM,
GBK/GB18030 as Chinese Excel saves it, UTF-16 "Unicode text"), XLSX (every sheet whose header
names the columns) and OneRoster 1.2 CSV zips. Checks each row against the district's
schools (`check_rows`), derives usernames, and writes the credentials sheet.

Row numbers are the spreadsheet's: the header is row 1 (or wherever it sits in the first
rows, below a title row); OneRoster rows are numbered in users.csv.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, Literal

from xbt_identity.accounts.domain import FORMULA_START, User, new_user_id, unsafe_name
from xbt_identity.roster import unpack
from xbt_shared.auth import SERVICE_ROLE
from xbt_shared.curriculum import GRADE_NAMES, stage_of

# schools and classes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class School:
    id: str
    name: str
    grades: tuple[int, int]  # the lowest and highest grade taught
    created_at: datetime | None = None

    def teaches(self, grade: int) -> bool:
        return self.grades[0] <= grade <= self.grades[1]


ClassKey = tuple[str, int, int]  # school id, grade, class number


@dataclass(frozen=True)
class ClassTeacher:
    user_id: str
    subjects: list[str]


@dataclass(frozen=True)
class SchoolClass:
    """A class (班级) of a school: grade and number, named like 八年级3班."""

    id: str
    school_id: str
    grade: int
    number: int
    teachers: list[ClassTeacher] = field(default_factory=list)
    created_at: datetime | None = None

    @classmethod
    def new(cls, school_id: str, grade: int, number: int, *, at: datetime) -> SchoolClass:
        return cls(f"c_{uuid.uuid4().hex[:16]}", school_id, grade, number, created_at=at)

    @property
    def stage(self) -> str:
        return stage_of(self.grade)

    @property
    def name(self) -> str:
        return class_display_name(self.grade, self.number)

    @property
    def key(self) -> ClassKey:
        return (self.school_id, self.grade, self.number)

    def taught_by(self, user_id: str) -> bool:
        return any(t.user_id == user_id for t in self.teachers)


@dataclass(frozen=True)
class Member:
    """A pupil or teacher as a class list shows them."""

    id: str
    username: str
    name: str
    roles: list[str]
    school_id: str | None = None
    class_ids: list[str] = field(default_factory=list)
    student_no: str | None = None
    # A teacher's classes and the subjects taught in each.
    teaching: dict[str, list[str]] = field(default_factory=dict)

    @property
    def is_student(self) -> bool:
        return "student" in self.roles

    def class_ids_with_teaching(self) -> list[str]:
        return list(dict.fromkeys([*self.class_ids, *self.teaching]))


def may_read_roster(
    *, roles: frozenset[str], school: str | None, user_id: str, klass: SchoolClass
) -> bool:
    """A class list: its teachers, its school's administrator, district and city admins."""
    if roles & {"district_admin", "city_admin"}:
        return True
    if "school_admin" in roles and school == klass.school_id:
        return True
    return klass.taught_by(user_id)


def may_read_pupils(
    *, roles: frozenset[str], school: str | None, user_id: str, klass: SchoolClass
) -> bool:
    """A class's pupils (id, name, 学号): whoever may read its class list, and xbt's services
    (the tasks service lists who has not handed in), in the district the request names."""
    return SERVICE_ROLE in roles or may_read_roster(
        roles=roles, school=school, user_id=user_id, klass=klass
    )


def administers_school(*, roles: frozenset[str], school: str | None, school_id: str) -> bool:
    if roles & {"district_admin", "city_admin"}:
        return True
    return "school_admin" in roles and school == school_id


def grade_range_problem(grades: tuple[int, int]) -> str | None:
    low, high = grades
    return None if 1 <= low <= high <= 12 else "range within 1-12"


_CHINESE_DIGITS = {
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
}
_GRADE_ALIASES = {
    "初一": 7,
    "初二": 8,
    "初三": 9,
    "高一": 10,
    "高二": 11,
    "高三": 12,
    "七年级": 7,
    "八年级": 8,
    "九年级": 9,
}


def parse_grade(text: str) -> int | None:
    """A grade from a roster cell: '8', '8年级', '八年级', '初二', '高一' -> 1..12, else None."""
    value = str(text).strip().replace(" ", "")
    if not value:
        return None
    if value in _GRADE_ALIASES:
        return _GRADE_ALIASES[value]
    match = re.fullmatch(r"(\d{1,2})(年级)?", value)
    if match:
        grade = int(match.group(1))
        return grade if 1 <= grade <= 12 else None
    match = re.fullmatch(r"([一二三四五六七八九]|十[一二]?)年级", value)
    if match:
        word = match.group(1)
        grade = (
            10 + _CHINESE_DIGITS.get(word[1:], 0)
            if word.startswith("十")
            else _CHINESE_DIGITS[word]
        )
        return grade if 1 <= grade <= 12 else None
    return None


def parse_class_number(text: str) -> int | None:
    """A class number from a roster cell: '3', '3班', '(3)班', '（3）班' -> 3, else None."""
    value = str(text).strip()
    match = re.fullmatch(r"[\(（]?(\d{1,3})[\)）]?班?", value)
    if not match:
        return None
    number = int(match.group(1))
    return number if number >= 1 else None


def class_display_name(grade: int, number: int) -> str:
    return f"{GRADE_NAMES[grade]}{number}班"


# roster files ----------------------------------------------------------------------------------

RosterFormat = Literal["csv", "xlsx", "oneroster"]

FIELDS = ("school", "grade", "class", "name", "student_no")
REQUIRED = ("school", "grade", "class", "name")
LABELS = {"school": "学校", "grade": "年级", "class": "班级", "name": "姓名", "student_no": "学号"}
_HEADER_ALIASES = {
    "school": ("学校", "学校名称", "school", "school_name"),
    "grade": ("年级", "grade"),
    "class": ("班级", "班", "class", "class_no", "class_number"),
    "name": ("姓名", "学生姓名", "name", "student_name"),
    "student_no": ("学号", "student_no", "student_number", "student_id"),
}

HEADER_SEARCH_ROWS = 10  # a title row or two above the header is common
BLANK_RUN_LIMIT = 1_000  # Excel keeps formatted empty rows; stop after this many in a row
# Rows read of a file, blank ones included, per pupil allowed (plus one blank run): a sheet
# of blank rows with a pupil every 999 would otherwise be read to its millionth row.
ROWS_READ_PER_PUPIL = 2
# Columns read of a worksheet: one cell in column XFD would pad every row to 16,384 cells.
XLSX_MAX_COLUMNS = 64
MAX_NAME_LENGTH = 64
MAX_CLASS_NUMBER = 99
STUDENT_NO = re.compile(r"[A-Za-z0-9_\-]{1,32}")
_SCIENTIFIC = re.compile(r"\d(\.\d+)?[eE]\+?\d+")


class RosterFileError(ValueError):
    """The file cannot be read as a roster at all (as opposed to bad rows in it)."""


class MissingColumns(RosterFileError):
    def __init__(self, missing: Sequence[str], *, where: str = "") -> None:
        self.missing = list(missing)
        place = f" in {where}" if where else ""
        super().__init__(f"missing required columns{place}: {', '.join(self.missing)}")


class RosterUnpacksTooLarge(RosterFileError):
    """A zip (OneRoster bundle or XLSX) inflates past what a roster needs (a zip bomb)."""


class TooManyRows(RosterFileError):
    def __init__(self, max_rows: int) -> None:
        self.max_rows = max_rows
        super().__init__(f"the roster has more than {max_rows} rows; split it into several files")


@dataclass(frozen=True)
class RosterRow:
    """One pupil as the file states it: cell text, not yet checked."""

    row: int
    school: str
    grade: str
    class_: str
    name: str
    student_no: str | None = None
    sheet: str | None = None

    def values(self) -> dict[str, str | None]:
        return {
            "school": self.school,
            "grade": self.grade,
            "class": self.class_,
            "name": self.name,
            "student_no": self.student_no,
        }


@dataclass(frozen=True)
class RowError:
    row: int
    reasons: list[str]
    values: dict[str, str | None]
    sheet: str | None = None

    def as_doc(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "sheet": self.sheet,
            "reasons": self.reasons,
            "values": self.values,
        }


@dataclass
class ParsedRoster:
    format: RosterFormat
    rows: list[RosterRow] = field(default_factory=list)
    # Rows rejected while reading (OneRoster: a pupil without a class).
    errors: list[RowError] = field(default_factory=list)

    @property
    def row_count(self) -> int:
        return len(self.rows) + len(self.errors)


# reading ---------------------------------------------------------------------------------------


def read_roster(data: bytes, *, max_rows: int, max_unpacked_bytes: int) -> ParsedRoster:
    """Read a roster file, telling the format from its content (not its name)."""
    if not data.strip():
        raise RosterFileError("the file is empty")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise RosterFileError(
            "old Excel .xls files and password-protected workbooks are not supported: "
            "save as .xlsx (without a password) or CSV"
        )
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        try:
            return _read_zip(data, max_rows=max_rows, max_unpacked_bytes=max_unpacked_bytes)
        except unpack.TooLarge as exc:
            raise RosterUnpacksTooLarge(str(exc)) from exc
        except unpack.Damaged as exc:
            raise RosterFileError(f"the zip file is damaged: {exc}") from exc
    text = decode_text(data)
    return ParsedRoster("csv", _read_tables([(None, _csv_records(text))], max_rows=max_rows))


def decode_text(data: bytes) -> str:
    """CSV text in UTF-8 (BOM or not), UTF-16 with BOM, or GBK/GB18030 (Chinese Excel)."""
    try:
        if data.startswith(codecs.BOM_UTF8):
            text = data[len(codecs.BOM_UTF8) :].decode("utf-8")
        elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            text = data.decode("utf-16")
        else:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise RosterFileError(
            "the file is neither UTF-8 nor GBK/GB18030 text: save it as CSV or XLSX"
        ) from exc
    if "\x00" in text:
        raise RosterFileError("the file is not a CSV text file: save it as CSV or XLSX")
    return text


def _read_zip(data: bytes, *, max_rows: int, max_unpacked_bytes: int) -> ParsedRoster:
    """An XLSX workbook or a OneRoster bundle, inflated within `max_unpacked_bytes`."""
    with unpack.Archive(data, max_bytes=max_unpacked_bytes) as archive:
        names = set(archive.namelist())
        if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
            # openpyxl believes the sizes the parts declare: count them first.
            archive.check_every_member()
            return ParsedRoster("xlsx", _read_xlsx(data, max_rows=max_rows))
        return _read_oneroster(archive, max_rows=max_rows)


def _csv_records(text: str) -> Iterator[list[str]]:
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max([",", "\t", ";"], key=first_line.count) if first_line else ","
    if first_line.count(delimiter) == 0:
        delimiter = ","
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error as exc:
        raise RosterFileError(f"the CSV file is malformed: {exc}") from exc


def _read_xlsx(data: bytes, *, max_rows: int) -> list[RosterRow]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # a damaged workbook fails in many ways inside openpyxl
        raise RosterFileError(f"the XLSX file cannot be read: {exc}") from exc
    try:
        sheets = []
        for sheet in workbook.worksheets:
            if getattr(sheet, "sheet_state", "visible") != "visible":
                continue
            sheet.reset_dimensions()  # exporters often write a wrong <dimension>
            sheets.append(
                (sheet.title, sheet.iter_rows(values_only=True, max_col=XLSX_MAX_COLUMNS))
            )
        try:
            return _read_tables(sheets, max_rows=max_rows)
        except RosterFileError:
            raise
        except Exception as exc:
            raise RosterFileError(f"the XLSX file cannot be read: {exc}") from exc
    finally:
        workbook.close()


def _read_tables(
    tables: Sequence[tuple[str | None, Iterable[Sequence[Any]]]], *, max_rows: int
) -> list[RosterRow]:
    """Rows from every table that has a header naming the columns; tables without one are
    skipped (a notes sheet), unless none has one."""
    rows: list[RosterRow] = []
    first_missing: MissingColumns | None = None
    found_header = False
    budget = _RowBudget(ROWS_READ_PER_PUPIL * max_rows + BLANK_RUN_LIMIT, max_rows=max_rows)
    for sheet, records in tables:
        try:
            rows.extend(
                _read_table(sheet, records, max_rows=max_rows, before=len(rows), budget=budget)
            )
            found_header = True
        except MissingColumns as exc:
            first_missing = first_missing or exc
    if not found_header:
        raise first_missing or MissingColumns([LABELS[f] for f in REQUIRED])
    return rows


@dataclass
class _RowBudget:
    """Rows a file may still have read, blank or not, across all its tables."""

    left: int
    max_rows: int

    def spend(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise TooManyRows(self.max_rows)


def _read_table(
    sheet: str | None,
    records: Iterable[Sequence[Any]],
    *,
    max_rows: int,
    before: int,
    budget: _RowBudget,
) -> list[RosterRow]:
    iterator = iter(records)
    columns: dict[str, int] | None = None
    best: dict[str, int] = {}
    header_row = 0
    for header_row, record in enumerate(iterator, start=1):
        budget.spend()
        found = header_columns([cell_text(v) for v in record])
        if all(f in found for f in REQUIRED):
            columns = found
            break
        if len(found) > len(best):
            best = found
        if header_row >= HEADER_SEARCH_ROWS:
            break
    if columns is None:
        missing = [LABELS[f] for f in REQUIRED if f not in best]
        raise MissingColumns(missing, where=f"sheet {sheet!r}" if sheet else "")
    rows: list[RosterRow] = []
    blank_run = 0
    for number, record in enumerate(iterator, start=header_row + 1):
        budget.spend()
        cells = {f: cell_text(record[i]) if i < len(record) else "" for f, i in columns.items()}
        if not any(cells.values()):
            blank_run += 1
            if blank_run >= BLANK_RUN_LIMIT:
                break
            continue
        blank_run = 0
        if before + len(rows) >= max_rows:
            raise TooManyRows(max_rows)
        rows.append(
            RosterRow(
                row=number,
                school=cells["school"],
                grade=cells["grade"],
                class_=cells["class"],
                name=cells["name"],
                student_no=cells.get("student_no") or None,
                sheet=sheet,
            )
        )
    return rows


def _header_key(text: str) -> str:
    return re.sub(r"[\s_\-]", "", text.lower())


_HEADERS = {_header_key(alias): f for f, aliases in _HEADER_ALIASES.items() for alias in aliases}


def header_columns(cells: Sequence[str]) -> dict[str, int]:
    """Which column holds which field (the first one, if a header repeats)."""
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        name = _HEADERS.get(_header_key(cell))
        if name is not None and name not in columns:
            columns[name] = index
    return columns


def cell_text(value: object) -> str:
    """A cell as text: NFKC (full-width digits and brackets to ASCII), whitespace collapsed,
    whole floats without '.0' (XLSX numbers), dates ISO."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    elif isinstance(value, datetime | date | time):
        text = value.isoformat()
    else:
        text = str(value)
    text = unicodedata.normalize("NFKC", text).replace("\u200b", "").replace("\ufeff", "")
    return " ".join(text.split())


# OneRoster 1.2 --------------------------------------------------------------------------------

_ONEROSTER_COLUMNS = {
    "orgs.csv": ("sourcedId", "name"),
    "users.csv": ("sourcedId", "givenName", "familyName"),
    "classes.csv": ("sourcedId", "title", "schoolSourcedId"),
    "enrollments.csv": ("classSourcedId", "userSourcedId", "role"),
}


@dataclass(frozen=True)
class _Record:
    line: int
    cells: dict[str, str]

    def get(self, column: str) -> str:
        return self.cells.get(column.lower(), "")


def _read_oneroster(archive: unpack.Archive, *, max_rows: int) -> ParsedRoster:
    files = {name.rsplit("/", 1)[-1].lower(): name for name in archive.namelist()}
    missing_files = [name for name in _ONEROSTER_COLUMNS if name not in files]
    if missing_files:
        raise RosterFileError(
            "the zip is neither an XLSX workbook nor a OneRoster CSV bundle "
            f"(missing {', '.join(missing_files)})"
        )
    tables: dict[str, list[_Record]] = {}
    for name, required in _ONEROSTER_COLUMNS.items():
        try:
            text = decode_text(archive.read(files[name]))
        except (unpack.Damaged, KeyError) as exc:
            raise RosterFileError(f"{name} cannot be unpacked: {exc}") from exc
        tables[name] = _oneroster_table(name, text, required)

    def active(records: list[_Record]) -> list[_Record]:
        return [r for r in records if r.get("status").lower() != "tobedeleted"]

    orgs = {r.get("sourcedId"): r for r in active(tables["orgs.csv"])}
    classes = {r.get("sourcedId"): r for r in active(tables["classes.csv"])}
    enrolled: dict[str, list[_Record]] = {}
    for r in active(tables["enrollments.csv"]):
        if r.get("role").lower() == "student":
            enrolled.setdefault(r.get("userSourcedId"), []).append(r)

    parsed = ParsedRoster("oneroster")
    for user in active(tables["users.csv"]):
        role = user.get("role").lower()
        if role and role != "student":
            continue
        enrollments = enrolled.get(user.get("sourcedId"), [])
        if not role and not enrollments:
            continue  # OneRoster 1.2 keeps roles in roles.csv; an unenrolled user is no pupil
        if parsed.row_count >= max_rows:
            raise TooManyRows(max_rows)
        name = _person_name(user.get("givenName"), user.get("familyName"))
        student_no = cell_text(user.get("identifier")) or None
        placements = _placements(enrollments, classes, orgs, user_grades=user.get("grades"))
        if len(placements) != 1:
            titles = ", ".join(sorted(p[3] for p in placements))
            reasons = [
                f"enrolled in several classes: {titles}" if titles else "no class enrollment"
            ]
            values = {
                "school": "",
                "grade": "",
                "class": "",
                "name": name,
                "student_no": student_no,
            }
            parsed.errors.append(RowError(user.line, reasons, values, sheet="users.csv"))
            continue
        school, grade, class_text, _ = placements.pop()
        parsed.rows.append(
            RosterRow(
                row=user.line,
                school=school,
                grade=grade,
                class_=class_text,
                name=name,
                student_no=student_no,
                sheet="users.csv",
            )
        )
    return parsed


def _oneroster_table(name: str, text: str, required: Sequence[str]) -> list[_Record]:
    records = list(_csv_records(text))
    if not records:
        raise MissingColumns(list(required), where=name)
    header = [cell.strip().lstrip("\ufeff").lower() for cell in records[0]]
    missing = [column for column in required if column.lower() not in header]
    if missing:
        raise MissingColumns(missing, where=name)
    table = []
    for line, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue
        table.append(_Record(line, {h: cell_text(v) for h, v in zip(header, record, strict=False)}))
    return table


def _placements(
    enrollments: list[_Record],
    classes: Mapping[str, _Record],
    orgs: Mapping[str, _Record],
    *,
    user_grades: str,
) -> set[tuple[str, str, str, str]]:
    """Distinct (school name, grade, class number, title) a pupil's enrollments point to;
    homeroom classes win over subject sections when classType says which is which."""
    found = [
        classes[e.get("classSourcedId")] for e in enrollments if e.get("classSourcedId") in classes
    ]
    homerooms = [c for c in found if c.get("classType").lower() == "homeroom"]
    placements = set()
    for klass in homerooms or found:
        org = orgs.get(klass.get("schoolSourcedId"))
        school = org.get("name") if org is not None else ""
        grades = {g.strip() for g in (klass.get("grades") or user_grades).split(",") if g.strip()}
        grade = grades.pop() if len(grades) == 1 else ",".join(sorted(grades))
        title = klass.get("title")
        placements.add((school, grade, _class_from_title(title), title))
    return placements


def _class_from_title(title: str) -> str:
    """'八年级3班', '初二(3)班', 'Class 8-3' -> '3': the last run of digits."""
    number = parse_class_number(title)
    if number is not None:
        return str(number)
    digits = re.findall(r"\d+", title)
    return digits[-1] if digits else title


def _person_name(given: str, family: str) -> str:
    given, family = cell_text(given), cell_text(family)
    if (given + family).isascii():
        return " ".join(p for p in (given, family) if p)
    return f"{family}{given}"


# checking rows --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ValidRow:
    """A row that passed every check: the pupil, the school, the class."""

    source: RosterRow
    school: School
    grade: int
    number: int
    name: str
    student_no: str | None

    @property
    def row(self) -> int:
        return self.source.row

    @property
    def class_key(self) -> ClassKey:
        return (self.school.id, self.grade, self.number)


def check_rows(
    rows: Sequence[RosterRow], *, schools: Sequence[School], only_school: str | None
) -> tuple[list[ValidRow], list[RowError]]:
    """Split rows into good ones and row errors, every reason for a bad row at once.

    `only_school`: a school administrator's school id ("" for one without a school);
    None lets rows name any school of the district. A row repeating an earlier good row
    (same school and 学号, or same school, grade, class and name when there is no 学号) is
    a duplicate; the first one counts.
    """
    by_name = {s.name: s for s in schools}
    by_id = {s.id: s for s in schools}
    seen: dict[tuple[str, ...], int] = {}
    valid: list[ValidRow] = []
    errors: list[RowError] = []
    for row in rows:
        reasons: list[str] = []
        school = by_name.get(row.school) or by_id.get(row.school)
        if not row.school:
            reasons.append("missing school")
        elif school is None:
            reasons.append(f"unknown school: {row.school}")
        elif only_school is not None and school.id != only_school:
            reasons.append(f"wrong school: {school.name} is not the school you administer")
        grade = parse_grade(row.grade)
        if not row.grade:
            reasons.append("missing grade")
        elif grade is None:
            reasons.append(f"invalid grade: {row.grade} (1-12)")
        elif school is not None and not school.teaches(grade):
            low, high = school.grades
            reasons.append(f"grade {grade} is not taught at {school.name} (grades {low}-{high})")
        number = class_number(row.class_, grade)
        if not row.class_:
            reasons.append("missing class")
        elif number is None:
            reasons.append(f"invalid class: {row.class_}")
        reasons.extend(_name_problems(row.name))
        if row.student_no is not None:
            reasons.extend(_student_no_problems(row.student_no))
        key: tuple[str, ...] | None = None
        if school is not None and row.student_no:
            key = (school.id, "no", row.student_no.lower())
        elif school is not None and grade is not None and number is not None and row.name:
            key = (school.id, str(grade), str(number), row.name)
        if key is not None and key in seen:
            what = "student number" if key[1] == "no" else "grade, class and name"
            reasons.append(f"duplicate of row {seen[key]} (same school and {what})")
        if reasons:
            errors.append(RowError(row.row, reasons, row.values(), sheet=row.sheet))
            continue
        assert school is not None and grade is not None and number is not None and key
        seen[key] = row.row
        valid.append(ValidRow(row, school, grade, number, row.name, row.student_no))
    return valid, errors


def class_number(text: str, grade: int | None) -> int | None:
    """'3', '3班', '(3)班', and the whole class name '八年级3班' / '初二(3)班' when its grade
    is the row's."""
    number = parse_class_number(text)
    if number is None:
        match = re.fullmatch(r"(.+?)\(?(\d{1,3})\)?班", text)
        if match and grade is not None and parse_grade(match.group(1)) == grade:
            number = int(match.group(2))
    if number is None or not 1 <= number <= MAX_CLASS_NUMBER:
        return None
    return number


def _name_problems(name: str) -> list[str]:
    if not name:
        return ["missing name"]
    if len(name) > MAX_NAME_LENGTH:
        return [f"invalid name: longer than {MAX_NAME_LENGTH} characters"]
    if unsafe_name(name):  # the rule every way of naming a person follows
        return [f"invalid name: {name}"]
    return []


def _student_no_problems(student_no: str) -> list[str]:
    if STUDENT_NO.fullmatch(student_no):
        return []
    if _SCIENTIFIC.fullmatch(student_no):
        return [
            f"invalid student number: {student_no} (Excel shortened it; "
            "format the 学号 column as text)"
        ]
    return [f"invalid student number: {student_no} (letters, digits, '-' or '_', at most 32)"]


# placing rows: an existing account, or a new one ------------------------------------------------


@dataclass(eq=False)
class PlacedPupil:
    """An accepted row and the account it is (`Member`), or becomes (`User`, its username
    and password hash filled in before it is inserted)."""

    row: ValidRow
    klass: SchoolClass
    account: User | Member
    status: Literal["created", "existing"]
    password: str | None = None
    moved: bool = False
    moved_from: SchoolClass | None = None

    def sheet_entry(self) -> dict[str, Any]:
        """The line of the import's answer and credentials sheet."""
        return {
            "row": self.row.row,
            "sheet": self.row.source.sheet,
            "name": self.account.name,
            "school": self.row.school.name,
            "school_id": self.row.school.id,
            "grade": self.klass.grade,
            "class": self.klass.number,
            "class_id": self.klass.id,
            "class_name": self.klass.name,
            "student_no": self.account.student_no,
            "username": self.account.username,
            "one_time_password": self.password,
            "status": self.status,
            "moved": self.moved,
            "moved_from": self.moved_from.name if self.moved_from else None,
        }


def place_rows(
    valid: Sequence[ValidRow],
    classes: Mapping[ClassKey, SchoolClass],
    existing: Mapping[int, list[Member]],
    *,
    by: str,
    import_id: str,
    at: datetime,
) -> tuple[list[PlacedPupil], list[RowError]]:
    """Decide per row: an existing account (moved if its class changed) or a new one.
    `existing`: the accounts each row (by index) already matches."""
    class_by_id = {c.id: c for c in classes.values()}
    claimed: dict[str, int] = {}
    placed: list[PlacedPupil] = []
    errors: list[RowError] = []
    for index, row in enumerate(valid):
        klass = classes[row.class_key]
        matches = existing.get(index, [])
        pupils = [u for u in matches if u.is_student]
        reason = None
        if matches and not pupils:
            reason = "the student number belongs to a staff account of this school"
        elif len(pupils) > 1:
            reason = (
                f"{len(pupils)} pupils of this school have this student number"
                if row.student_no
                else f"{len(pupils)} pupils named {row.name} are in this class: add their 学号"
            )
        elif pupils and pupils[0].id in claimed:
            reason = f"the same pupil as row {claimed[pupils[0].id]}"
        if reason:
            errors.append(RowError(row.row, [reason], row.source.values(), sheet=row.source.sheet))
            continue
        if pupils:
            pupil = pupils[0]
            claimed[pupil.id] = row.row
            moved = klass.id not in pupil.class_ids
            previous = next((class_by_id.get(c) for c in pupil.class_ids), None)
            placed.append(
                PlacedPupil(
                    row,
                    klass,
                    pupil,
                    "existing",
                    moved=moved,
                    moved_from=previous if moved else None,
                )
            )
            continue
        account = User(
            id=new_user_id(),
            username="",  # allocated once every row is placed
            name=row.name,
            roles=["student"],
            school_id=row.school.id,
            class_ids=[klass.id],
            student_no=row.student_no,
            must_change_password=True,
            created_at=at,
            created_by=by,
            roster_import_id=import_id,
        )
        placed.append(PlacedPupil(row, klass, account, "created"))
    return placed, errors


def only_school_of(*, roles: frozenset[str], school: str | None) -> str | None:
    """Rows a school administrator imports must be for their school ("" if they have none);
    district and city administrators may name any school of the district (None)."""
    if roles & {"district_admin", "city_admin"}:
        return None
    return school or ""


# usernames ------------------------------------------------------------------------------------


def username_prefix(school_id: str) -> str:
    """The school part of a pupil's username: its id without dashes ('hp-sy-zx' -> 'hpsyzx')."""
    return re.sub(r"[^a-z0-9]", "", school_id.lower())[:24] or "s"


def student_username(school_id: str, student_no: str, attempt: int = 1) -> str:
    """'hpsyzx2019080101'; then 'hpsyzx2019080101-2', ... if that is taken."""
    base = f"{username_prefix(school_id)}{student_no.lower()}"
    return base if attempt == 1 else f"{base}-{attempt}"


def class_username_stem(school_id: str, grade: int, number: int) -> str:
    """Pupils without 学号 are numbered within their class: 'hpsyzx-8-3-' + '1', '2', ..."""
    return f"{username_prefix(school_id)}-{grade}-{number}-"


# the credentials sheet ------------------------------------------------------------------------

SHEET_HEADERS = ("学校", "年级", "班级", "姓名", "学号", "用户名", "初始密码")
EXISTING_ACCOUNT_NOTE = "已有账号，密码未变"


def sheet_lines(accounts: Iterable[Mapping[str, Any]]) -> list[list[str]]:
    """Header and one line per account, sorted by school, grade and class (one slip per
    class teacher), spreadsheet order within a class."""
    ordered = sorted(accounts, key=lambda a: (a["school"], a["grade"], a["class"], a["row"]))
    lines = [list(SHEET_HEADERS)]
    for a in ordered:
        lines.append(
            [
                a["school"],
                GRADE_NAMES[a["grade"]],
                f"{a['class']}班",
                a["name"],
                a.get("student_no") or "",
                a["username"],
                a.get("one_time_password") or EXISTING_ACCOUNT_NOTE,
            ]
        )
    return lines


def credentials_csv(accounts: Iterable[Mapping[str, Any]]) -> bytes:
    """UTF-8 with BOM, so Excel shows the Chinese; cells that Excel would run as a formula are
    quoted with a leading apostrophe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for line in sheet_lines(accounts):
        writer.writerow([f"'{c}" if c.startswith(FORMULA_START) else c for c in line])
    return codecs.BOM_UTF8 + out.getvalue().encode("utf-8")


def credentials_xlsx(accounts: Iterable[Mapping[str, Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("初始账号")
    for letter, width in zip("ABCDEFG", (24, 10, 8, 12, 16, 24, 14), strict=True):
        sheet.column_dimensions[letter].width = width
    for line in sheet_lines(accounts):
        cells = []
        for value in line:
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"  # text, never a formula; keeps 学号 leading zeros
            cell.number_format = "@"
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
