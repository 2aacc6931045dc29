"""The request context every use case takes: who calls, in which tenant, with its database.

Built once per request by a dependency, so a use case cannot be handed a tenant that is not
the one the caller acts in, nor reach another tenant's database or Redis keys:

    @router.post("/tasks/{task_id}/submissions")
    async def submit(caller: CurrentCaller, tasks: TasksDep, ...) -> SubmissionOut:
        return await tasks.submit(caller, ...)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Request

from xbt_shared.auth import Principal, authenticated, bearer_token, current_user, tenant_of_request
from xbt_shared.mongo import TenantDb, UnitOfWork
from xbt_shared.runtime import redis_key
from xbt_shared.tenancy import Tenant
from xbt_shared.transactions import DEFAULT_TRIES, run_in_transaction

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Caller:
    principal: Principal
    tenant: Tenant
    db: TenantDb  # this service's database of `tenant`
    bearer: str  # the caller's own token, for calls to other services on its behalf
    redis_prefix: str = ""

    @property
    def user_id(self) -> str:
        return self.principal.user_id

    @property
    def roles(self) -> frozenset[str]:
        return self.principal.roles

    def has_role(self, *roles: str) -> bool:
        return self.principal.has_role(*roles)

    def key(self, *parts: str) -> str:
        """A Redis key of the caller's tenant."""
        return redis_key(self.redis_prefix, self.tenant.id, *parts)

    def unit_of_work(self) -> AbstractAsyncContextManager[UnitOfWork]:
        return self.db.unit_of_work()

    async def transaction(
        self,
        work: Callable[[UnitOfWork], Awaitable[T]],
        *,
        tries: int = DEFAULT_TRIES,
        retry_on: tuple[type[BaseException], ...] = (),
    ) -> T:
        return await run_in_transaction(self.db, work, tries=tries, retry_on=retry_on)


def caller_of(request: Request, principal: Principal) -> Caller:
    runtime = request.app.state.runtime
    tenant = tenant_of_request(request, principal)
    return Caller(
        principal=principal,
        tenant=tenant,
        db=runtime.mongo.for_tenant(tenant),
        bearer=bearer_token(request),
        redis_prefix=runtime.redis_prefix,
    )


async def current_caller(
    request: Request, principal: Annotated[Principal, Depends(current_user)]
) -> Caller:
    """A caller who may use the platform (no one-time password left to replace)."""
    return caller_of(request, principal)


async def any_caller(
    request: Request, principal: Annotated[Principal, Depends(authenticated)]
) -> Caller:
    """Any verified caller, including one who must still replace a one-time password."""
    return caller_of(request, principal)


CurrentCaller = Annotated[Caller, Depends(current_caller)]
AnyCaller = Annotated[Caller, Depends(any_caller)]
