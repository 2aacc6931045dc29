"""Identity, as the tasks service reads it: the roster of a class (its pupils).

Tasks does not own pupils: a gradebook's "missing" pupils are the roster's pupils who handed
in nothing, so the roster is read from identity at the time of asking. Called inside the
cluster, straight at identity, with the asking teacher's (or administrator's) own token
passed on: identity then answers exactly the rosters that person may read — a teacher their
own classes, a school administrator their school's, a district administrator any in the
district — so tasks does not need a privileged token, nor to repeat identity's rules.

Rosters are kept for a minute per reader (the token asking, its district and the class), in
the process: a teacher paging through submissions, questions and the gradebook asks identity
once. The service's own token cannot read rosters: identity lets only people read them.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import httpx

from xbt_shared.auth import TENANT_OVERRIDE_HEADER
from xbt_shared.errors import NotFound, Problem, ServiceUnavailable
from xbt_shared.tenancy import Tenant


class IdentityUnavailable(ServiceUnavailable):
    """Identity did not answer: nothing is computed, the client may retry."""


@dataclass(frozen=True, slots=True)
class RosterPupil:
    id: str
    name: str
    student_no: str | None


@dataclass(frozen=True, slots=True)
class Roster:
    class_id: str
    class_name: str
    school_id: str
    pupils: tuple[RosterPupil, ...]  # identity's order: by student number, then name

    def pupil(self, pupil_id: str) -> RosterPupil | None:
        return next((p for p in self.pupils if p.id == pupil_id), None)


ROSTER_TTL_SECONDS = 60.0
ROSTER_CACHE_SIZE = 2048


class IdentityClient:
    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        ttl: float = ROSTER_TTL_SECONDS,
        max_entries: int = ROSTER_CACHE_SIZE,
    ) -> None:
        self._http = http
        self._ttl = ttl
        self._max = max_entries
        # (tenant, class, token digest) -> (read at, roster): what identity gave that token.
        self._cache: OrderedDict[tuple[str, str, str], tuple[float, Roster]] = OrderedDict()

    async def rosters(
        self, class_ids: Sequence[str], *, bearer: str, tenant: Tenant
    ) -> list[Roster]:
        """Every class's roster in order, or the first failure (identity down before a class
        it refused): nothing is shown with part of a class's pupils."""
        found = await asyncio.gather(
            *(self.roster(c, bearer=bearer, tenant=tenant) for c in class_ids),
            return_exceptions=True,
        )
        failures = [f for f in found if isinstance(f, BaseException)]
        if failures:
            down = [f for f in failures if isinstance(f, IdentityUnavailable)]
            raise (down or failures)[0]
        return [f for f in found if isinstance(f, Roster)]

    async def roster(self, class_id: str, *, bearer: str, tenant: Tenant) -> Roster:
        """The class's roster as the bearer may read it; NotFound if identity has no such
        class for them (another school, another district, not their class)."""
        # A digest, not the token itself, names the reader in the cache.
        key = (tenant.id, class_id, hashlib.sha256(bearer.encode()).hexdigest())
        hit = self._cache.get(key)
        if hit is not None and time.monotonic() - hit[0] < self._ttl:
            return hit[1]
        roster = await self._read_roster(class_id, bearer=bearer, tenant=tenant)
        self._cache[key] = (time.monotonic(), roster)
        self._cache.move_to_end(key)
        while len(self._cache) > self._max:
            self._cache.popitem(last=False)
        return roster

    async def _read_roster(self, class_id: str, *, bearer: str, tenant: Tenant) -> Roster:
        headers = {"Authorization": f"Bearer {bearer}", TENANT_OVERRIDE_HEADER: tenant.id}
        try:
            resp = await self._http.get(f"/v1/classes/{class_id}/roster", headers=headers)
        except httpx.HTTPError as exc:
            raise IdentityUnavailable("identity did not answer for the class roster") from exc
        if resp.status_code >= 500:
            raise IdentityUnavailable(f"identity failed ({resp.status_code}) reading the roster")
        if resp.status_code == 404:
            raise NotFound(f"no such class: {class_id}")
        if resp.status_code != 200:
            # 401/403 for the caller's own token: theirs to see, with identity's words.
            detail = _detail(resp)
            raise Problem(detail or "identity refused the roster", status=resp.status_code)
        try:
            body = resp.json()
            klass = body["class"]
            return Roster(
                class_id=str(klass["id"]),
                class_name=str(klass.get("name") or class_id),
                school_id=str(klass.get("school_id") or ""),
                pupils=tuple(
                    RosterPupil(
                        id=str(p["id"]),
                        name=str(p.get("name") or ""),
                        student_no=p.get("student_no"),
                    )
                    for p in body["students"]
                ),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise IdentityUnavailable("identity answered a roster tasks cannot read") from exc


def _detail(resp: httpx.Response) -> str | None:
    try:
        detail = resp.json().get("detail")
    except ValueError:
        return None
    return str(detail) if detail else None
