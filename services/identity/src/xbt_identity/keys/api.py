"""The JWKS route: what every xbt service and linked platform verifies tokens with."""

from __future__ import annotations

from fastapi import Response

from xbt_identity.http import Keys, documented_router
from xbt_identity.keys.schemas import Jwks

router = documented_router(tags=["public"])


@router.get("/.well-known/jwks.json", response_model=Jwks, response_model_exclude_none=True)
async def jwks(keys: Keys, response: Response) -> Jwks:
    """Both keys, ES256 (access tokens) first."""
    response.headers["Cache-Control"] = "public, max-age=300"
    return Jwks.model_validate(keys.jwks())
