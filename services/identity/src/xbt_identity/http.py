"""Identity's dependency aliases: the use-case objects its lifespan built, and the callers
its routes admit."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.routing import APIRoute

from xbt_identity.accounts.domain import client_address
from xbt_identity.accounts.service import Accounts
from xbt_identity.keys.domain import KeySet
from xbt_identity.oidc.service import OidcProvider
from xbt_identity.roster.service import Roster
from xbt_shared.caller import Caller, CurrentCaller
from xbt_shared.errors import Forbidden
from xbt_shared.routing import from_state

AccountsDep = Annotated[Accounts, Depends(from_state("accounts", Accounts))]
RosterDep = Annotated[Roster, Depends(from_state("roster", Roster))]
OidcDep = Annotated[OidcProvider, Depends(from_state("oidc", OidcProvider))]
Keys = Annotated[KeySet, Depends(from_state("keys", KeySet))]


def _client_address(request: Request, accounts: AccountsDep) -> str:
    forwarded = ", ".join(request.headers.getlist("x-forwarded-for")) or None
    peer = request.client.host if request.client else None
    return client_address(forwarded, peer, hops=accounts.settings.client_address_hops)


# The client a request comes from, as the gateway saw it (failed logins count per account
# and client): the trusted X-Forwarded-For entry, else the socket peer.
ClientAddress = Annotated[str, Depends(_client_address)]


def _caller_with(*roles: str) -> object:
    async def guard(caller: CurrentCaller) -> Caller:
        if not caller.has_role(*roles):
            raise Forbidden(f"requires one of the roles: {', '.join(roles)}")
        return caller

    return Depends(guard)


# School, district and city administrators; district and city administrators.
Admin = Annotated[Caller, _caller_with("school_admin", "district_admin", "city_admin")]
DistrictAdmin = Annotated[Caller, _caller_with("district_admin", "city_admin")]


class DocumentedRoute(APIRoute):
    """A route whose docstring documents it: the first line is the OpenAPI summary, the rest
    its description (FastAPI would title-case the function's name and repeat the whole
    docstring). Every identity router is built with it (`documented_router()`)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        first, _, rest = inspect.cleandoc(endpoint.__doc__ or "").partition("\n")
        if kwargs.get("summary") is None and first.strip():
            self.summary = first.strip()
        if kwargs.get("description") is None:
            self.description = rest.split("\f")[0].strip()


def documented_router(**kwargs: Any) -> APIRouter:
    """An identity router under `/v1`, its routes documented by their docstrings."""
    return APIRouter(prefix="/v1", route_class=DocumentedRoute, **kwargs)
