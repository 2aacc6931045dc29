"""Files: streamed uploads into GridFS, streamed downloads, who may read them, and the
files a submission may name."""

from __future__ import annotations

import asyncio
import hashlib
import random
import uuid
from collections.abc import AsyncIterator, MutableMapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from xbt_shared.mongo import Mongo, TenantDb
from xbt_shared.tenancy import Tenant
from xbt_shared.testing import TokenFactory
from xbt_tasks.files.service import Files, collect_stale_files, collect_stale_files_everywhere
from xbt_tasks.files.store import CHUNK_SIZE, CHUNKS, FILES, new_file_id

from ...conftest import CLASS, OTHER_CLASS, pupil, teacher

MiB = 1024 * 1024
LIMIT = 4 * MiB
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"


@pytest.fixture
def files(tasks_app: FastAPI) -> Files:
    """The files use cases, with a smaller size limit and per-attempt count than the
    defaults so the limits are reached by small tests."""
    service: Files = tasks_app.state.files
    assert service.max_file_bytes == tasks_app.state.settings.max_file_bytes  # wired
    service.max_file_bytes = LIMIT
    service.max_files_per_attempt = 2
    tasks_app.state.submissions.max_files_per_attempt = 2
    return service


def tdb(mongo: Mongo, tenant: str = "heping") -> TenantDb:
    return mongo.for_tenant(Tenant(tenant))


async def stored(mongo: Mongo, tenant: str = "heping") -> tuple[int, int]:
    """(fs.files documents, fs.chunks documents) in a tenant's database."""
    db = tdb(mongo, tenant)
    return await db[FILES].count_documents({}), await db[CHUNKS].count_documents({})


async def make_task(client: httpx.AsyncClient, tokens: TokenFactory, **over: Any) -> dict[str, Any]:
    headers = over.pop("headers", None) or teacher(tokens)
    body = {
        "title": "第八章 作业（拍照上传）",
        "class_ids": [CLASS],
        "accepts_files": True,
        "max_attempts": 2,
        "due_at": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
        **over,
    }
    resp = await client.post("/v1/tasks", headers=headers, json=body)
    assert resp.status_code == 201, resp.text
    task: dict[str, Any] = resp.json()
    return task


async def upload(
    client: httpx.AsyncClient,
    task_id: str,
    headers: dict[str, str],
    content: bytes | AsyncIterator[bytes] = PDF + b"1 0 obj",
    filename: str = "作业.pdf",
    **extra_headers: str,
) -> httpx.Response:
    return await client.post(
        f"/v1/tasks/{task_id}/files",
        params={"filename": filename},
        headers={**headers, **extra_headers},
        content=content,
    )


async def uploaded(
    client: httpx.AsyncClient, task_id: str, headers: dict[str, str], **kw: Any
) -> dict[str, Any]:
    resp = await upload(client, task_id, headers, **kw)
    assert resp.status_code == 201, resp.text
    view: dict[str, Any] = resp.json()
    return view


async def submit(
    client: httpx.AsyncClient, task_id: str, headers: dict[str, str], file_ids: list[str]
) -> httpx.Response:
    return await client.post(
        f"/v1/tasks/{task_id}/submissions",
        headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
        json={"file_ids": file_ids},
    )


async def pieces(
    size: int, digest: Any, *, piece: int = 64 * 1024, on_progress: Any = None
) -> AsyncIterator[bytes]:
    """`size` bytes of a PDF, generated piece by piece (the test holds no copy either),
    hashed into `digest`; `on_progress(sent)` is awaited after each piece."""
    rng = random.Random(size)
    sent = 0
    while sent < size:
        data = PDF if sent == 0 else rng.randbytes(min(piece, size - sent))
        digest.update(data)
        sent += len(data)
        yield data
        if on_progress is not None:
            await on_progress(sent)


async def asgi_get(
    app: FastAPI, path: str, headers: dict[str, str]
) -> tuple[int, dict[str, str], list[bytes]]:
    """GET through the ASGI interface itself, keeping each body message the app sends
    (httpx's ASGI transport joins them): a streamed response arrives in many."""
    messages: list[MutableMapping[str, Any]] = []
    done = asyncio.Event()
    requested = False

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        messages.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    await app(scope, receive, send)
    done.set()
    start = messages[0]
    bodies = [m["body"] for m in messages[1:] if m["type"] == "http.response.body" and m["body"]]
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, bodies


# --- round trip --------------------------------------------------------------------------------


async def test_a_multi_megabyte_file_streams_in_and_out(
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    catalog_content: None,
    files: Files,
    tasks_app: FastAPI,
    mongo: Mongo,
) -> None:
    task = await make_task(client, tokens)
    size = 3 * MiB + 12345
    sent_digest = hashlib.sha256()
    chunks_while_sending: list[int] = []

    async def watch(sent: int) -> None:
        # Half-way through the body, chunks must already be in the database: the upload is
        # written as it arrives, not gathered first.
        if sent >= 2 * MiB and not chunks_while_sending:
            chunks_while_sending.append(await tdb(mongo)[CHUNKS].count_documents({}))

    body = pieces(size, sent_digest, on_progress=watch)
    view = await uploaded(
        client, task["id"], pupil(tokens), content=body, filename="第八章 作业.pdf"
    )
    assert view["size"] == size
    assert view["sha256"] == sent_digest.hexdigest()
    assert view["content_type"] == "application/pdf"
    assert view["filename"] == "第八章 作业.pdf"
    assert view["kind"] == "submission"
    assert chunks_while_sending and chunks_while_sending[0] >= 7  # ~2 MiB of 255 KiB chunks
    expected_chunks = -(-size // CHUNK_SIZE)
    assert await stored(mongo) == (1, expected_chunks)
    meta = (await tdb(mongo)[FILES].find_one({"_id": view["id"]}))["metadata"]  # type: ignore[index]
    assert (meta["task_id"], meta["uploader_id"], meta["class_id"]) == (task["id"], "p-wang", CLASS)
    assert meta["uploader_role"] == "student"

    resp = await client.get(f"/v1/files/{view['id']}", headers=pupil(tokens))
    assert resp.status_code == 200
    assert hashlib.sha256(resp.content).hexdigest() == view["sha256"]
    assert resp.headers["content-length"] == str(size)
    assert resp.headers["content-type"] == "application/pdf"
    assert resp.headers["x-content-type-options"] == "nosniff"
    assert resp.headers["content-disposition"] == (
        'attachment; filename="_ _.pdf"; '
        "filename*=UTF-8''%E7%AC%AC%E5%85%AB%E7%AB%A0%20%E4%BD%9C%E4%B8%9A.pdf"
    )

    # The download leaves as one message per GridFS chunk, never as one whole body.
    status, headers, bodies = await asgi_get(tasks_app, f"/v1/files/{view['id']}", teacher(tokens))
    assert status == 200
    assert headers["content-length"] == str(size)
    assert len(bodies) == expected_chunks
    assert max(len(b) for b in bodies) == CHUNK_SIZE
    assert hashlib.sha256(b"".join(bodies)).hexdigest() == view["sha256"]


# --- limits ------------------------------------------------------------------------------------


async def test_too_large_is_refused_and_nothing_is_left(
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    catalog_content: None,
    files: Files,
    mongo: Mongo,
) -> None:
    task = await make_task(client, tokens)
    # Declared too large: refused before a byte is read.
    declared = await upload(
        client, task["id"], pupil(tokens), content=PDF, **{"Content-Length": str(LIMIT + 1)}
    )
    assert declared.status_code == 413
    assert declared.headers["content-type"] == "application/problem+json"
    # Streamed without a length (chunked), and larger than the limit: stopped on the way,
    # after chunks were written, and those are removed.
    written: list[int] = []

    async def watch(sent: int) -> None:
        if sent >= LIMIT - 64 * 1024 and not written:
            written.append(await tdb(mongo)[CHUNKS].count_documents({}))

    body = pieces(LIMIT + 1, hashlib.sha256(), on_progress=watch)
    streamed = await upload(client, task["id"], pupil(tokens), content=body)
    assert streamed.status_code == 413
    assert streamed.json()["type"] == "/problems/payload-too-large"
    assert written and written[0] > 0  # it had begun to store the file
    assert await stored(mongo) == (0, 0)
    # Exactly the limit is fine.
    fits = await upload(client, task["id"], pupil(tokens), content=pieces(LIMIT, hashlib.sha256()))
    assert fits.status_code == 201
    assert fits.json()["size"] == LIMIT


async def test_wrong_types_are_refused_before_anything_is_stored(
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    catalog_content: None,
    files: Files,
    mongo: Mongo,
) -> None:
    task = await make_task(client, tokens)
    me = pupil(tokens)
    exe = b"MZ\x90\x00\x03\x00\x00\x00" + bytes(range(256)) * 40
    renamed = await upload(client, task["id"], me, content=exe, filename="作业.pdf")
    assert renamed.status_code == 415
    assert renamed.json()["type"] == "/problems/unsupported-media-type"
    assert (await upload(client, task["id"], me, content=exe, filename="a.exe")).status_code == 415
    png_as_jpg = await upload(client, task["id"], me, content=PNG, filename="照片.jpg")
    assert png_as_jpg.status_code == 415
    form = await upload(
        client, task["id"], me, content=PDF, **{"Content-Type": "multipart/form-data; boundary=x"}
    )
    assert form.status_code == 415
    no_ext = await upload(client, task["id"], me, filename="作业")
    assert no_ext.status_code == 422
    assert no_ext.json()["errors"][0]["field"] == "query.filename"
    empty = await upload(client, task["id"], me, content=b"")
    assert empty.status_code == 422
    assert await stored(mongo) == (0, 0)
    # The real thing, named in any case, is taken; its type comes from the content check.
    photo = await uploaded(client, task["id"], me, content=PNG, filename="照片.PNG")
    assert photo["content_type"] == "image/png"


async def test_pupils_upload_only_where_they_could_hand_in(
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    catalog_content: None,
    files: Files,
    mongo: Mongo,
) -> None:
    no_files = await make_task(client, tokens, accepts_files=False)
    refused = await upload(client, no_files["id"], pupil(tokens))
    assert refused.status_code == 409
    assert refused.json()["type"] == "/problems/task-takes-no-files"
    task = await make_task(client, tokens)
    other_class = await upload(client, task["id"], pupil(tokens, sub="p-2", cls=OTHER_CLASS))
    assert other_class.status_code == 404
    hexi = pupil(tokens, sub="p-hx", tenant="hexi", school="hx-1")
    assert (await upload(client, task["id"], hexi)).status_code == 404
    other_teacher = teacher(tokens, sub="t-2", classes=(OTHER_CLASS,))
    assert (await upload(client, task["id"], other_teacher)).status_code == 404
    admin = tokens.headers(tenant="heping", roles=["school_admin"], school="hp-sy-zx")
    assert (await upload(client, task["id"], admin)).status_code == 403
    closed = await client.post(f"/v1/tasks/{task['id']}/close", headers=teacher(tokens))
    assert closed.status_code == 200
    late = await upload(client, task["id"], pupil(tokens))
    assert late.status_code == 409
    assert await stored(mongo) == (0, 0)


async def test_a_pupils_uploads_per_task_are_capped(
    client: httpx.AsyncClient, tokens: TokenFactory, catalog_content: None, files: Files
) -> None:
    # 2 files an attempt, 1 attempt: 2 x (1 + 1) = 4 uploads before some must go.
    task = await make_task(client, tokens, max_attempts=1)
    me = pupil(tokens)
    kept = [await uploaded(client, task["id"], me) for _ in range(4)]
    refused = await upload(client, task["id"], me)
    assert refused.status_code == 409
    assert refused.json()["type"] == "/problems/too-many-files"
    # Another pupil's allowance is their own.
    assert (await upload(client, task["id"], pupil(tokens, sub="p-li"))).status_code == 201
    assert (await client.delete(f"/v1/files/{kept[0]['id']}", headers=me)).status_code == 204
    assert (await upload(client, task["id"], me)).status_code == 201


# --- who downloads -----------------------------------------------------------------------------


async def test_a_pupils_file_is_read_by_them_their_teachers_and_admins_only(
    client: httpx.AsyncClient, tokens: TokenFactory, catalog_content: None, files: Files
) -> None:
    task = await make_task(client, tokens)
    work = await uploaded(client, task["id"], pupil(tokens))
    path = f"/v1/files/{work['id']}"
    allowed = {
        "submitter": pupil(tokens),
        "teacher": teacher(tokens),
        "co-teacher": teacher(tokens, sub="t-3", classes=(CLASS, OTHER_CLASS)),
        "school admin": tokens.headers(tenant="heping", roles=["school_admin"], school="hp-sy-zx"),
        "district admin": tokens.headers(tenant="heping", roles=["district_admin"]),
    }
    for who, headers in allowed.items():
        resp = await client.get(path, headers=headers)
        assert (who, resp.status_code) == (who, 200)
        assert resp.content.startswith(PDF)
    refused = {
        "classmate": pupil(tokens, sub="p-li"),
        "pupil of another class": pupil(tokens, sub="p-2", cls=OTHER_CLASS),
        "another teacher": teacher(tokens, sub="t-2", classes=(OTHER_CLASS,)),
        "another school's admin": tokens.headers(
            tenant="heping", roles=["school_admin"], school="hp-other"
        ),
        # The same ids in another district: that is another database with no such file.
        "hexi pupil": pupil(tokens, sub="p-wang", tenant="hexi", school="hx-1"),
        "hexi teacher": teacher(tokens, tenant="hexi", school="hx-1"),
        "hexi admin": tokens.headers(tenant="hexi", roles=["district_admin"]),
    }
    for who, headers in refused.items():
        resp = await client.get(path, headers=headers)
        assert (who, resp.status_code) == (who, 404)
        assert resp.headers["content-type"] == "application/problem+json"
    assert (await client.get("/v1/files/fl-nosuchfile", headers=pupil(tokens))).status_code == 404
    # A pupil's work is not a task attachment: classmates do not see it listed.
    listed = await client.get(f"/v1/tasks/{task['id']}/files", headers=pupil(tokens, sub="p-li"))
    assert listed.json() == []


async def test_a_teachers_attachment_is_read_by_the_tasks_pupils(
    client: httpx.AsyncClient, tokens: TokenFactory, catalog_content: None, files: Files
) -> None:
    task = await make_task(client, tokens)
    sheet = await uploaded(client, task["id"], teacher(tokens), content=PNG, filename="练习卷.png")
    assert sheet["kind"] == "attachment"
    path = f"/v1/files/{sheet['id']}"
    for headers in (pupil(tokens), pupil(tokens, sub="p-li"), teacher(tokens)):
        assert (await client.get(path, headers=headers)).status_code == 200
    for headers in (
        pupil(tokens, sub="p-2", cls=OTHER_CLASS),
        pupil(tokens, tenant="hexi", school="hx-1"),
        teacher(tokens, tenant="hexi", school="hx-1"),
    ):
        assert (await client.get(path, headers=headers)).status_code == 404
    listed = await client.get(f"/v1/tasks/{task['id']}/files", headers=pupil(tokens))
    assert listed.status_code == 200
    assert [(f["id"], f["filename"]) for f in listed.json()] == [(sheet["id"], "练习卷.png")]
    other = await client.get(
        f"/v1/tasks/{task['id']}/files", headers=pupil(tokens, sub="p-2", cls=OTHER_CLASS)
    )
    assert other.status_code == 404
    hexi = await client.get(
        f"/v1/tasks/{task['id']}/files", headers=teacher(tokens, tenant="hexi", school="hx-1")
    )
    assert hexi.status_code == 404


async def test_an_attachment_of_a_task_not_yet_open_is_for_teachers_only(
    client: httpx.AsyncClient, tokens: TokenFactory, catalog_content: None, files: Files
) -> None:
    later = datetime.now(UTC) + timedelta(hours=2)
    task = await make_task(
        client,
        tokens,
        opens_at=later.isoformat(),
        due_at=(later + timedelta(days=1)).isoformat(),
    )
    sheet = await uploaded(client, task["id"], teacher(tokens), content=PNG, filename="a.png")
    path = f"/v1/files/{sheet['id']}"
    assert (await client.get(path, headers=teacher(tokens))).status_code == 200
    assert (await client.get(path, headers=pupil(tokens))).status_code == 404


# --- submissions name files --------------------------------------------------------------------


async def test_a_submission_names_only_the_pupils_own_uploads_for_the_task(
    client: httpx.AsyncClient, tokens: TokenFactory, catalog_content: None, files: Files
) -> None:
    task = await make_task(client, tokens)
    second_task = await make_task(client, tokens, title="另一个作业")
    me, classmate = pupil(tokens), pupil(tokens, sub="p-li")
    mine = await uploaded(client, task["id"], me)
    theirs = await uploaded(client, task["id"], classmate)
    elsewhere = await uploaded(client, second_task["id"], me)
    sheet = await uploaded(client, task["id"], teacher(tokens), content=PNG, filename="a.png")
    for file_ids in (
        [theirs["id"]],  # someone else's
        [elsewhere["id"]],  # mine, but for another task
        [sheet["id"]],  # the teacher's attachment
        ["fl-0123456789abcdef01234567"],  # none at all
        [mine["id"], mine["id"]],  # twice
        [mine["id"], (await uploaded(client, task["id"], me))["id"], theirs["id"]],  # > 2
    ):
        resp = await submit(client, task["id"], me, file_ids)
        assert resp.status_code == 422, file_ids
        assert resp.json()["errors"][0]["field"] == "body.file_ids"
    # Nothing was handed in by the refused requests.
    none = await client.get(f"/v1/tasks/{task['id']}/submissions/p-wang", headers=me)
    assert none.status_code == 404
    ok = await submit(client, task["id"], me, [mine["id"]])
    assert ok.status_code == 201, ok.text
    assert ok.json()["attempts"][0]["file_ids"] == [mine["id"]]
    # The teacher reads the work and its file.
    work = await client.get(f"/v1/tasks/{task['id']}/submissions/p-wang", headers=teacher(tokens))
    file_id = work.json()["attempts"][0]["file_ids"][0]
    assert (await client.get(f"/v1/files/{file_id}", headers=teacher(tokens))).status_code == 200


async def test_deleting_files(
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    catalog_content: None,
    files: Files,
    mongo: Mongo,
) -> None:
    task = await make_task(client, tokens)
    me = pupil(tokens)
    wrong_file = await uploaded(client, task["id"], me)
    right = await uploaded(client, task["id"], me)
    assert (await submit(client, task["id"], me, [right["id"]])).status_code == 201
    classmate = await client.delete(
        f"/v1/files/{wrong_file['id']}", headers=pupil(tokens, sub="p-li")
    )
    assert classmate.status_code == 404
    teacher_on_pupil = await client.delete(f"/v1/files/{wrong_file['id']}", headers=teacher(tokens))
    assert teacher_on_pupil.status_code == 403
    assert (await client.delete(f"/v1/files/{wrong_file['id']}", headers=me)).status_code == 204
    assert (await client.get(f"/v1/files/{wrong_file['id']}", headers=me)).status_code == 404
    handed_in = await client.delete(f"/v1/files/{right['id']}", headers=me)
    assert handed_in.status_code == 409
    sheet = await uploaded(client, task["id"], teacher(tokens), content=PNG, filename="a.png")
    co_teacher = teacher(tokens, sub="t-3", classes=(CLASS,))
    assert (await client.delete(f"/v1/files/{sheet['id']}", headers=me)).status_code == 403
    assert (await client.delete(f"/v1/files/{sheet['id']}", headers=co_teacher)).status_code == 204
    assert await stored(mongo) == (1, 1)  # the handed-in file


# --- clean-up ----------------------------------------------------------------------------------


async def test_stale_uploads_and_cut_off_chunks_are_collected(
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    catalog_content: None,
    files: Files,
    mongo: Mongo,
) -> None:
    task = await make_task(client, tokens)
    me = pupil(tokens)
    handed_in = await uploaded(client, task["id"], me)
    forgotten = await uploaded(client, task["id"], me)
    fresh = await uploaded(client, task["id"], me)
    sheet = await uploaded(client, task["id"], teacher(tokens), content=PNG, filename="a.png")
    assert (await submit(client, task["id"], me, [handed_in["id"]])).status_code == 201
    db = tdb(mongo)
    two_days_ago = datetime.now(UTC) - timedelta(days=2)
    await db[FILES].update_many(
        {"_id": {"$in": [handed_in["id"], forgotten["id"], sheet["id"]]}},
        {"$set": {"uploadDate": two_days_ago}},
    )
    # An upload cut off two days ago (the process died): chunks without a file document.
    cut_off = new_file_id(two_days_ago)
    await db[CHUNKS].insert_one({"files_id": cut_off, "n": 0, "data": b"%PDF-"})
    # The same in another district is that district's: a run in heping leaves it alone.
    await tdb(mongo, "hexi")[CHUNKS].insert_one({"files_id": cut_off, "n": 0, "data": b"x"})

    assert await collect_stale_files(db, datetime.now(UTC)) == 2
    left = {d["_id"]: d["metadata"]["kept"] async for d in db[FILES].find({})}
    assert left == {handed_in["id"]: True, fresh["id"]: False, sheet["id"]: True}
    assert await db[CHUNKS].count_documents({"files_id": {"$in": [forgotten["id"], cut_off]}}) == 0
    assert await tdb(mongo, "hexi")[CHUNKS].count_documents({}) == 1
    assert (await client.get(f"/v1/files/{handed_in['id']}", headers=me)).status_code == 200
    # A second run finds nothing more (the kept file is not looked at again); the job over
    # every district finds the one in hexi.
    assert await collect_stale_files(db, datetime.now(UTC)) == 0
    assert await collect_stale_files_everywhere(mongo) == 1
    assert await tdb(mongo, "hexi")[CHUNKS].count_documents({}) == 0
