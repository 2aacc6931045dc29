"""Roster uploads that would exhaust the service: a zip bomb is a 413 in bounded memory while
`/livez` keeps answering, and imports past the per-process limit wait their turn (429)."""

from __future__ import annotations

import asyncio
import io
import re
import time
import tracemalloc
import zipfile

import httpx

from xbt_identity.roster.service import MAX_UNPACKED_BYTES
from xbt_shared.tenancy import Tenant

from ...conftest import Identity
from .test_roster_api import admin, csv_file, pupils, upload

MiB = 1024 * 1024
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def oneroster_bomb(users_size: int) -> bytes:
    """A OneRoster bundle whose users.csv is a run of zero bytes (about 1000:1)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("orgs.csv", "sourcedId,name\n")
        archive.writestr("classes.csv", "sourcedId,title,schoolSourcedId\n")
        archive.writestr("enrollments.csv", "classSourcedId,userSourcedId,role\n")
        with archive.open("users.csv", "w") as member:
            chunk = bytes(MiB)
            for _ in range(users_size // MiB):
                member.write(chunk)
    return out.getvalue()


async def test_a_zip_bomb_is_a_413_in_bounded_memory_and_livez_answers_meanwhile(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    district = await admin(client, "districtadmin1")
    # Under 1 MB uploaded, 190 MiB inflated: under the 20 x 10 MiB the declared sizes were
    # held to, so it was inflated whole (and decoded) before it was refused.
    bomb = oneroster_bomb(190 * MiB)
    tracemalloc.start()
    try:
        importing = asyncio.create_task(upload(client, district, bomb, "oneroster.zip"))
        waits = []
        while not importing.done():
            asked = time.perf_counter()
            live = await client.get("/livez")
            waits.append(time.perf_counter() - asked)
            assert live.status_code == 200
            await asyncio.sleep(0.01)  # an in-process /livez never suspends: let the upload run
        resp = await importing
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert resp.status_code == 413, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    problem = resp.json()
    assert problem["type"] == "/problems/roster-unpacks-too-large"
    assert CHINESE.search(problem["detail"]), problem["detail"]
    # What it may inflate to, and the upload's copies (multipart, the test's own bytes).
    assert peak < MAX_UNPACKED_BYTES + 8 * MiB, f"{peak / MiB:.0f} MiB traced for the bomb"
    assert waits, "the import ended before /livez was asked"
    assert max(waits) < 0.5, f"/livez waited {max(waits):.2f} s"


async def test_imports_past_the_process_limit_are_a_429_with_retry_after(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    school_admin = await admin(client, "schooladmin1")
    slots = seeded.roster.import_slots
    held = 0
    while not slots.locked():  # as many imports running as the process takes
        await slots.acquire()
        held += 1
    try:
        busy = await upload(client, school_admin, csv_file(pupils(1)))
    finally:
        for _ in range(held):
            slots.release()
    assert busy.status_code == 429, busy.text
    assert busy.headers["content-type"].startswith("application/problem+json")
    assert int(busy.headers["Retry-After"]) >= 1
    assert busy.json()["type"] == "/problems/roster-imports-busy"
    assert CHINESE.search(busy.json()["detail"])
    users = seeded.tdb(Tenant("heping"))["users"]
    assert await users.count_documents({"roster_import_id": {"$exists": True}}) == 0

    after = await upload(client, school_admin, csv_file(pupils(1)))
    assert after.status_code == 201, after.text
