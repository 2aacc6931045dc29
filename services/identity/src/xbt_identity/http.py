"""Identity's dependency aliases: the use-case objects its lifespan built, and the callers
its routes admit."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

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
