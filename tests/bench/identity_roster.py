"""How fast identity registers a school's pupils from one roster file (rows per second).

A district administrator uploads a CSV of `rows` pupils (GBK, as Chinese Excel saves it) to
an identity app of its own: in process, on a Mongo-wire server started for the run, with its
own databases, Redis keys, exchange and queues (`xbt_shared.testing.make_isolated_env`), so
a running `make run` is not disturbed. Only the upload is timed: reading the file, checking
the rows, creating the classes, hashing the one-time passwords and inserting the accounts
with their events.

The identity API tests check the import itself; the measurement is here, because a test
bound to a duration fails on a slow machine for nothing.

    python -m tests.bench.identity_roster [--rows 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import time
import uuid

from xbt_identity.main import create_app
from xbt_identity.seed import DEMO_PASSWORD, seed
from xbt_identity.settings import IdentitySettings
from xbt_shared.testing import (
    cleanup_env,
    client_of,
    free_port,
    make_isolated_env,
    mongo_uri_for,
    running,
    secantus_binary,
    wait_for_port,
)

TENANT = "heping"
ADMIN = "districtadmin1"  # a demo account: may import for any school of the district
SCHOOL = "和平区实验中学"  # the demo middle school (grades 7-12)
GRADES = range(7, 13)
PER_CLASS = 50
HEADER = ["学校", "年级", "班级", "姓名", "学号"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "明芳伟娜强敏静磊洋艳勇军杰娟涛超秀霞平刚"
# The bound the API test used to assert: 5,000 rows within 60 s.
TARGET_ROWS_PER_SECOND = 5000 / 60


def roster_csv(rows: int) -> bytes:
    """`rows` distinct pupils of the demo middle school, classes of 50, grade by grade."""
    lines = [HEADER]
    for i in range(rows):
        klass, seat = divmod(i, PER_CLASS)
        grade = GRADES[klass % len(GRADES)]
        number = klass // len(GRADES) + 1
        name = SURNAMES[i % 20] + GIVEN[(i // 20) % 20] + GIVEN[(i // 400) % 20]
        lines.append(
            [SCHOOL, str(grade), f"{number}班", name, f"2020{grade:02d}{number:02d}{seat:03d}"]
        )
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(lines)
    return out.getvalue().encode("gbk")


async def roster_import(rows: int = 5000) -> float:
    """Import a roster of `rows` pupils into an isolated identity app; rows per second."""
    port = free_port()
    mongo = await asyncio.create_subprocess_exec(
        *(secantus_binary(), "--host", "127.0.0.1", "--port", str(port)),
        *("--storage-path", ":memory:", "--log-level", "WARNING"),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    env = make_isolated_env(mongo_uri_for(port), f"bench{uuid.uuid4().hex[:8]}")
    try:
        await asyncio.to_thread(wait_for_port, port)
        settings = IdentitySettings(**env, issuer="http://bench/v1")
        data = roster_csv(rows)
        async with running(create_app(settings)) as app, client_of(app) as client:
            await seed(app.state.runtime.mongo, app.state.accounts.passwords)
            login = await client.post(
                "/v1/auth/login",
                json={"tenant": TENANT, "username": ADMIN, "password": DEMO_PASSWORD},
            )
            login.raise_for_status()
            headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
            started = time.perf_counter()
            resp = await client.post(
                "/v1/rosters", headers=headers, files={"file": ("名单.csv", data)}, timeout=600
            )
            elapsed = time.perf_counter() - started
        resp.raise_for_status()
        created = resp.json()["counts"]["created"]
        if created != rows:
            raise RuntimeError(
                f"the import created {created} of {rows} accounts: {resp.text[:500]}"
            )
        return rows / elapsed
    finally:
        try:
            await cleanup_env(env)
        finally:
            mongo.terminate()
            await mongo.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.identity_roster")
    parser.add_argument("--rows", type=int, default=5000, help="pupils in the roster file")
    args = parser.parse_args(argv)
    rate = asyncio.run(roster_import(args.rows))
    verdict = "ok" if rate >= TARGET_ROWS_PER_SECOND else f"under {TARGET_ROWS_PER_SECOND:.0f}"
    print(f"identity roster import: {args.rows} rows at {rate:.0f} rows/s ({verdict})")
    return 0 if rate >= TARGET_ROWS_PER_SECOND else 1


if __name__ == "__main__":
    raise SystemExit(main())
