"""Roster files without I/O: CSV encodings, XLSX, OneRoster zips, header errors, every
row-level reason, usernames and the credentials sheet."""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Sequence

import pytest
from openpyxl import Workbook, load_workbook

from xbt_identity.roster import domain as roster
from xbt_identity.roster.domain import (
    MissingColumns,
    RosterFileError,
    RosterRow,
    School,
    TooManyRows,
    check_rows,
    read_roster,
)

HEADER = ["学校", "年级", "班级", "姓名", "学号"]
SY = School("hp-sy-zx", "和平区实验中学", (7, 12))
XX = School("hp-xx-1", "和平区第一中心小学", (1, 6))
SCHOOLS = [SY, XX]


def read(data: bytes, *, max_rows: int = 1000) -> roster.ParsedRoster:
    return read_roster(data, max_rows=max_rows, max_unpacked_bytes=10_000_000)


def csv_text(rows: Sequence[Sequence[object]], *, delimiter: str = ",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def xlsx(sheets: dict[str, Sequence[Sequence[object]]], *, hidden: Sequence[str] = ()) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
        if title in hidden:
            sheet.sheet_state = "hidden"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def zipped(files: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return out.getvalue()


def row(n: int, school: str, grade: str, klass: str, name: str, no: str | None = None) -> RosterRow:
    return RosterRow(row=n, school=school, grade=grade, class_=klass, name=name, student_no=no)


def reasons_of(
    rows: Sequence[RosterRow], *, only_school: str | None = None
) -> dict[int, list[str]]:
    _, errors = check_rows(rows, schools=SCHOOLS, only_school=only_school)
    return {e.row: e.reasons for e in errors}


# CSV ---------------------------------------------------------------------------------------

PUPILS = [
    HEADER,
    ["和平区实验中学", "8", "3", "张三", "2020080301"],
    ["和平区实验中学", "初二", "(4)班", "李四", ""],
]


@pytest.mark.parametrize(
    "encode",
    [
        lambda t: t.encode("utf-8"),
        lambda t: codecs.BOM_UTF8 + t.encode("utf-8"),
        lambda t: t.encode("gbk"),
        lambda t: t.encode("gb18030"),
        lambda t: t.replace(",", "\t").encode("utf-16"),  # Excel "Unicode text"
    ],
    ids=["utf-8", "utf-8-bom", "gbk", "gb18030", "utf-16-tabs"],
)
def test_csv_encodings_read_the_same(encode: object) -> None:
    data = encode(csv_text(PUPILS))  # type: ignore[operator]
    parsed = read(data)
    assert parsed.format == "csv"
    assert parsed.rows == [
        RosterRow(2, "和平区实验中学", "8", "3", "张三", "2020080301"),
        RosterRow(3, "和平区实验中学", "初二", "(4)班", "李四", None),
    ]


def test_gb18030_only_characters_survive() -> None:
    text = csv_text([HEADER, ["和平区实验中学", "8", "3", "王𠮷", ""]])
    with pytest.raises(UnicodeEncodeError):
        text.encode("gbk")
    assert read(text.encode("gb18030")).rows[0].name == "王𠮷"


def test_english_headers_in_any_case_and_order() -> None:
    text = csv_text(
        [
            ["Name", "Student No", "CLASS", "grade", "School"],
            ["Li Ming", "A1", "2", "7", "和平区实验中学"],
        ]
    )
    (only,) = read(text.encode()).rows
    assert (only.school, only.grade, only.class_, only.name, only.student_no) == (
        "和平区实验中学",
        "7",
        "2",
        "Li Ming",
        "A1",
    )


def test_title_row_blank_rows_and_full_width_cells_keep_spreadsheet_numbers() -> None:
    text = csv_text(
        [
            ["2020年春季八年级学生名单"],
            HEADER,
            ["和平区实验中学", "８", "（３）班", " 张  三 ", "２０２０"],
            ["", "", "", "", ""],
            ["和平区实验中学", "8", "3", "李四", ""],
        ]
    )
    rows = read(text.encode()).rows
    assert [r.row for r in rows] == [3, 5]
    assert (rows[0].grade, rows[0].class_, rows[0].name, rows[0].student_no) == (
        "8",
        "(3)班",
        "张 三",
        "2020",
    )


def test_missing_columns_are_named() -> None:
    text = csv_text([["年级", "班级", "学号"], ["8", "3", "1"]])
    with pytest.raises(MissingColumns) as caught:
        read(text.encode())
    assert caught.value.missing == ["学校", "姓名"]
    assert "学校" in str(caught.value) and "姓名" in str(caught.value)


def test_too_many_rows() -> None:
    rows = [HEADER] + [["和平区实验中学", "8", "3", f"学生{i}", str(i)] for i in range(11)]
    assert len(read(csv_text(rows).encode(), max_rows=11).rows) == 11
    with pytest.raises(TooManyRows):
        read(csv_text([*rows, rows[-1]]).encode(), max_rows=11)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, r"\.xls files"),
        (b"PK\x03\x04 not really a zip", "damaged"),
        (zipped({"readme.txt": "hello"}), "neither an XLSX workbook nor a OneRoster"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe\x00", "CSV"),
    ],
    ids=["empty", "xls", "bad-zip", "other-zip", "binary"],
)
def test_unreadable_files(data: bytes, message: str) -> None:
    with pytest.raises(RosterFileError, match=message):
        read(data)


# XLSX --------------------------------------------------------------------------------------


def test_xlsx_sheets_numbers_as_text_and_notes_sheet_skipped() -> None:
    data = xlsx(
        {
            "八年级": [
                HEADER,
                ["和平区实验中学", 8, 3, "张三", 2020080301],
                ["和平区实验中学", 8.0, "4班", "李四"],
            ],
            "说明": [["请按模板填写"]],
            "九年级": [
                ["九年级名单"],
                HEADER,
                ["和平区实验中学", "九年级", "初三(1)班", "王五", "A-7"],
            ],
            "旧": [HEADER, ["和平区实验中学", 9, 1, "赵六", "1"]],
        },
        hidden=["旧"],
    )
    parsed = read(data)
    assert parsed.format == "xlsx"
    assert [(r.sheet, r.row, r.grade, r.class_, r.name, r.student_no) for r in parsed.rows] == [
        ("八年级", 2, "8", "3", "张三", "2020080301"),
        ("八年级", 3, "8", "4班", "李四", None),
        ("九年级", 3, "九年级", "初三(1)班", "王五", "A-7"),
    ]


def test_xlsx_without_a_header_anywhere_names_the_missing_columns() -> None:
    with pytest.raises(MissingColumns) as caught:
        read(xlsx({"Sheet1": [["姓名", "学号"], ["张三", "1"]]}))
    assert caught.value.missing == ["学校", "年级", "班级"]


def test_xlsx_row_limit_counts_every_sheet() -> None:
    rows = [HEADER] + [["和平区实验中学", 8, 3, f"学生{i}", i] for i in range(6)]
    with pytest.raises(TooManyRows):
        read(xlsx({"a": rows, "b": rows}), max_rows=10)


# OneRoster ---------------------------------------------------------------------------------

ORGS = (
    "sourcedId,status,dateLastModified,name,type\n"
    "org-1,,,和平区实验中学,school\n"
    "d-1,,,和平区,district\n"
)
CLASSES = (
    "sourcedId,status,title,grades,classType,schoolSourcedId\n"
    "cls-83,,八年级3班,08,homeroom,org-1\n"
    "cls-math,,数学（八年级）,08,scheduled,org-1\n"
    "cls-91,,初三(1)班,09,homeroom,org-1\n"
    "cls-x,,Class 7-12,07,homeroom,org-9\n"
)
USERS = (
    "sourcedId,status,enabledUser,username,givenName,familyName,role,identifier,orgSourcedIds\n"
    "u1,,true,,明,李,student,2020080301,org-1\n"
    "u2,,true,,芳,王,student,,org-1\n"
    "t1,,true,,老师,张,teacher,,org-1\n"
    "u3,,true,,强,赵,student,2020090101,org-1\n"
    "u4,,true,,丽,钱,student,2020080302,org-1\n"
    "u5,,true,,Ming,Li,student,2020070101,org-9\n"
)
ENROLLMENTS = (
    "sourcedId,classSourcedId,schoolSourcedId,userSourcedId,role\n"
    "e1,cls-83,org-1,u1,student\n"
    "e2,cls-math,org-1,u1,student\n"
    "e3,cls-83,org-1,u2,student\n"
    "e4,cls-83,org-1,t1,teacher\n"
    "e5,cls-83,org-1,u3,student\n"
    "e6,cls-91,org-1,u3,student\n"
    "e7,cls-x,org-9,u5,student\n"
)


def oneroster(**replace: str) -> bytes:
    files = {
        "manifest.csv": "propertyName,value\nmanifest.version,1.0\noneroster.version,1.2\n",
        "orgs.csv": ORGS,
        "users.csv": USERS,
        "classes.csv": CLASSES,
        "enrollments.csv": ENROLLMENTS,
    }
    files.update({f"{name}.csv": text for name, text in replace.items()})
    return zipped(files)


def test_oneroster_maps_to_roster_rows() -> None:
    parsed = read(oneroster())
    assert parsed.format == "oneroster"
    assert [(r.row, r.school, r.grade, r.class_, r.name, r.student_no) for r in parsed.rows] == [
        (2, "和平区实验中学", "08", "3", "李明", "2020080301"),  # homeroom beats the math section
        (3, "和平区实验中学", "08", "3", "王芳", None),
        (7, "", "07", "12", "Ming Li", "2020070101"),  # unknown org: checked as unknown school
    ]
    assert {r.sheet for r in parsed.rows} == {"users.csv"}
    assert [(e.row, e.reasons) for e in parsed.errors] == [
        (5, ["enrolled in several classes: 八年级3班, 初三(1)班"]),
        (6, ["no class enrollment"]),
    ]
    valid, errors = check_rows(parsed.rows, schools=SCHOOLS, only_school=None)
    assert [(v.grade, v.number) for v in valid] == [(8, 3), (8, 3)]
    assert errors[0].row == 7 and errors[0].reasons == ["missing school"]


def test_oneroster_12_users_without_role_column_are_pupils_by_enrollment() -> None:
    users = "sourcedId,givenName,familyName,identifier\nu1,明,李,1\nt1,老师,张,\n"
    parsed = read(oneroster(users=users))
    assert [(r.name, r.student_no) for r in parsed.rows] == [("李明", "1")]
    assert parsed.errors == []


def test_oneroster_missing_file_or_column_is_a_file_error() -> None:
    files = {"orgs.csv": ORGS, "users.csv": USERS, "classes.csv": CLASSES}
    with pytest.raises(RosterFileError, match=r"missing enrollments\.csv"):
        read(zipped(files))
    with pytest.raises(MissingColumns, match=r"users\.csv: familyName"):
        read(oneroster(users="sourcedId,givenName,role\nu1,明,student\n"))


# checking rows -----------------------------------------------------------------------------


def test_good_rows_pass_bad_rows_carry_every_reason() -> None:
    rows = [
        row(2, "和平区实验中学", "8", "3", "张三", "2020080301"),
        row(3, "和平区新学校", "8", "3", "李四"),
        row(4, "", "", "", ""),
        row(5, "hp-sy-zx", "八年级", "八年级3班", "王五"),  # school by id, class by full name
    ]
    valid, errors = check_rows(rows, schools=SCHOOLS, only_school=None)
    assert [(v.row, v.school.id, v.grade, v.number, v.student_no) for v in valid] == [
        (2, "hp-sy-zx", 8, 3, "2020080301"),
        (5, "hp-sy-zx", 8, 3, None),
    ]
    assert [(e.row, e.reasons) for e in errors] == [
        (3, ["unknown school: 和平区新学校"]),
        (4, ["missing school", "missing grade", "missing class", "missing name"]),
    ]
    assert errors[0].values == {
        "school": "和平区新学校",
        "grade": "8",
        "class": "3",
        "name": "李四",
        "student_no": None,
    }


@pytest.mark.parametrize(
    ("grade", "reason"),
    [
        ("13", "invalid grade: 13 (1-12)"),
        ("初四", "invalid grade: 初四 (1-12)"),
        ("4", "grade 4 is not taught at 和平区实验中学 (grades 7-12)"),
        ("四年级", "grade 4 is not taught at 和平区实验中学 (grades 7-12)"),
    ],
)
def test_grade_outside_1_to_12_or_not_taught(grade: str, reason: str) -> None:
    assert reasons_of([row(2, "和平区实验中学", grade, "1", "张三")]) == {2: [reason]}


@pytest.mark.parametrize("klass", ["三班", "0", "100", "A班", "初三(2)班"])
def test_unparseable_class(klass: str) -> None:
    # '初三(2)班' names grade 9 while the row says grade 8.
    assert reasons_of([row(2, "和平区实验中学", "8", klass, "张三")]) == {
        2: [f"invalid class: {klass}"]
    }


@pytest.mark.parametrize("klass", ["2", "2班", "(2)班", "初二(2)班", "八年级2班", "8年级2班"])
def test_class_spellings(klass: str) -> None:
    valid, _ = check_rows(
        [row(2, "和平区实验中学", "8", klass, "张三")], schools=SCHOOLS, only_school=None
    )
    assert valid[0].number == 2


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("", "missing name"),
        ("=HYPERLINK(1)", "invalid name: =HYPERLINK(1)"),
        ("李" * 65, "invalid name"),
    ],
)
def test_bad_names(name: str, reason: str) -> None:
    assert reasons_of([row(2, "和平区实验中学", "8", "1", name)])[2][0].startswith(reason)


def test_bad_student_numbers() -> None:
    found = reasons_of(
        [
            row(2, "和平区实验中学", "8", "1", "张三", "2.01908E+17"),
            row(3, "和平区实验中学", "8", "1", "李四", "学号1"),
        ]
    )
    assert "Excel shortened it" in found[2][0]
    assert found[3][0].startswith("invalid student number: 学号1")


def test_duplicates_within_the_file_keep_the_first() -> None:
    rows = [
        row(2, "和平区实验中学", "8", "1", "张三", "001"),
        row(3, "和平区实验中学", "9", "2", "张三三", "001"),  # same school and 学号
        row(4, "和平区第一中心小学", "3", "1", "张三", "001"),  # other school: fine
        row(5, "和平区实验中学", "8", "1", "李四"),
        row(6, "和平区实验中学", "8", "1", "李四"),  # same class and name, no 学号
        row(7, "和平区实验中学", "8", "2", "李四"),  # other class: fine
        row(8, "和平区实验中学", "13", "1", "王五", "002"),  # rejected, so...
        row(9, "和平区实验中学", "8", "1", "王五", "002"),  # ...this one is no duplicate
    ]
    assert reasons_of(rows) == {
        3: ["duplicate of row 2 (same school and student number)"],
        6: ["duplicate of row 5 (same school and grade, class and name)"],
        8: ["invalid grade: 13 (1-12)"],
    }


def test_school_admin_rows_for_another_school_are_wrong_school() -> None:
    rows = [
        row(2, "和平区实验中学", "8", "1", "张三"),
        row(3, "和平区第一中心小学", "3", "1", "李四"),
    ]
    assert reasons_of(rows, only_school="hp-sy-zx") == {
        3: ["wrong school: 和平区第一中心小学 is not the school you administer"]
    }
    # A school admin without a school may import nobody; a district admin anybody.
    assert set(reasons_of(rows, only_school="")) == {2, 3}
    assert reasons_of(rows, only_school=None) == {}


# usernames and the sheet -------------------------------------------------------------------


def test_usernames() -> None:
    assert roster.student_username("hp-sy-zx", "2019080101") == "hpsyzx2019080101"
    assert roster.student_username("hp-sy-zx", "G123", 2) == "hpsyzxg123-2"
    assert roster.student_username("s_3f9a0c11d2", "7") == "s3f9a0c11d27"
    assert roster.class_username_stem("hp-sy-zx", 8, 3) == "hpsyzx-8-3-"


def account(
    row: int, grade: int, klass: int, name: str, no: str | None, user: str, otp: str | None
) -> dict[str, object]:
    return {
        "row": row,
        "school": "和平区实验中学",
        "grade": grade,
        "class": klass,
        "name": name,
        "student_no": no,
        "username": user,
        "one_time_password": otp,
    }


ACCOUNTS = [
    account(3, 8, 2, "李四", None, "hpsyzx-8-2-1", None),
    account(2, 8, 2, "=cmd|'/c calc'!A1", "0801", "hpsyzx0801", "abcDEF2345"),
    account(4, 7, 9, "王五", "0701", "hpsyzx0701", "xyzXYZ6789"),
]


def test_credentials_csv() -> None:
    data = roster.credentials_csv(ACCOUNTS)
    assert data.startswith(codecs.BOM_UTF8)
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert lines == [
        ["学校", "年级", "班级", "姓名", "学号", "用户名", "初始密码"],
        ["和平区实验中学", "七年级", "9班", "王五", "0701", "hpsyzx0701", "xyzXYZ6789"],
        [
            "和平区实验中学",
            "八年级",
            "2班",
            "'=cmd|'/c calc'!A1",
            "0801",
            "hpsyzx0801",
            "abcDEF2345",
        ],
        [
            "和平区实验中学",
            "八年级",
            "2班",
            "李四",
            "",
            "hpsyzx-8-2-1",
            roster.EXISTING_ACCOUNT_NOTE,
        ],
    ]


def test_credentials_xlsx_keeps_text_and_never_formulas() -> None:
    sheet = load_workbook(io.BytesIO(roster.credentials_xlsx(ACCOUNTS))).active
    assert sheet is not None
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0] == ["学校", "年级", "班级", "姓名", "学号", "用户名", "初始密码"]
    assert values[2][3] == "=cmd|'/c calc'!A1" and sheet["D3"].data_type == "s"
    assert values[1][4] == "0701"  # leading zero kept
    assert values[3][4] is None and values[3][6] == roster.EXISTING_ACCOUNT_NOTE


def test_the_credentials_sheet_reads_back_as_a_roster() -> None:
    rows = read(roster.credentials_csv(ACCOUNTS[2:])).rows
    valid, errors = check_rows(rows, schools=SCHOOLS, only_school=None)
    assert errors == [] and [(v.grade, v.number, v.student_no) for v in valid] == [(7, 9, "0701")]
