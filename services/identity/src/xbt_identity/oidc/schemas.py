"""OIDC's public contract: discovery, client registration, the portal's platform list, and
the token and userinfo answers (in OAuth's own shapes)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints

ClientName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class RegisterClientRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: ClientName = Field(examples=["国家中小学智慧教育平台"])
    description: str = Field(default="", max_length=500)
    homepage_url: str | None = Field(default=None, max_length=2048)
    redirect_uris: list[Annotated[str, StringConstraints(max_length=2048)]] = Field(
        min_length=1,
        max_length=10,
        description="Matched exactly. https, or http://127.0.0.1 / localhost outside prod.",
    )
    client_type: Literal["confidential", "public"] = Field(
        default="confidential",
        description="public: a browser or native app, authenticated by PKCE only, no secret.",
    )
    allowed_tenants: list[str] | None = Field(
        default=None, description="Tenants whose users may sign in; null for all."
    )
    guest_visible: StrictBool = Field(
        default=False, description="Whether districts' guest accounts see and may use it."
    )
    id_token_signed_response_alg: Literal["RS256", "ES256"] = Field(
        default="RS256",
        description="How its ID tokens are signed (OIDC Dynamic Client Registration 2). "
        "RS256 is the default most OIDC libraries expect; access tokens are ES256 either way.",
    )


class ClientInfo(BaseModel):
    client_id: str
    name: str
    description: str
    homepage_url: str | None
    redirect_uris: list[str]
    client_type: Literal["confidential", "public"]
    token_endpoint_auth_method: str
    allowed_tenants: list[str] | None
    guest_visible: bool
    id_token_signed_response_alg: Literal["RS256", "ES256"]
    created_at: datetime


class RegisteredClient(ClientInfo):
    client_secret: str | None = Field(
        description="Shown once, for confidential clients; only its hash is stored."
    )


class Platform(BaseModel):
    client_id: str
    name: str
    description: str
    homepage_url: str | None


class Discovery(BaseModel):
    """OpenID Provider Metadata (OIDC Discovery 1.0, section 3)."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_uri: str
    scopes_supported: list[str]
    response_types_supported: list[str]
    response_modes_supported: list[str]
    grant_types_supported: list[str]
    subject_types_supported: list[str]
    id_token_signing_alg_values_supported: list[str]
    token_endpoint_auth_methods_supported: list[str]
    code_challenge_methods_supported: list[str]
    claims_supported: list[str]
    prompt_values_supported: list[str]
    authorization_response_iss_parameter_supported: bool
    claims_parameter_supported: bool
    request_parameter_supported: bool
    request_uri_parameter_supported: bool
    ui_locales_supported: list[str]


class OidcTokenResponse(BaseModel):
    """RFC 6749 5.1. A platform's code exchange adds an ID token; a service client's
    client credentials grant has none."""

    access_token: str
    token_type: Literal["Bearer"]
    expires_in: int
    scope: str
    id_token: str | None = Field(default=None, description="Authorization code grant only.")


class OAuthErrorBody(BaseModel):
    """RFC 6749 5.2 / RFC 6750 3.1."""

    error: str
    error_description: str


class UserInfo(BaseModel):
    """The claims the access token's scope grants (OIDC Core 5.3.2)."""

    model_config = ConfigDict(extra="allow")

    sub: str
    tid: str
    name: str | None = None
    preferred_username: str | None = None
    tenant_name: str | None = None
    roles: list[str] | None = None
    school: str | None = None
    school_name: str | None = None
