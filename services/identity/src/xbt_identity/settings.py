"""Identity settings (env prefix XBT_IDENTITY_, plus the common XBT_ ones)."""

from __future__ import annotations

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from xbt_identity.oidc.domain import (
    CLIENT_ID,
    MIN_SECRET_CHARS,
    ServiceClient,
    ServiceClientConfig,
    hash_secret,
    service_clients,
)
from xbt_shared.settings import DEV_TASKS_CLIENT_SECRET, CommonSettings


class IdentitySettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="XBT_IDENTITY_", extra="ignore")

    service_name: str = "identity"
    # The public issuer URL (as clients reach it through the gateway).
    issuer: str = "http://127.0.0.1:8000/api/identity/v1"
    # PEM of the ES256 signing key (EC P-256: access tokens, ES256 ID tokens) and of the
    # RS256 one (RSA, 2048+ bits: RS256 ID tokens). Empty in dev: each is generated once and
    # kept in MongoDB.
    signing_key_pem: str = ""
    rsa_signing_key_pem: str = ""
    access_token_ttl_seconds: int = 900
    refresh_token_ttl_seconds: int = 30 * 24 * 3600
    # Failed logins (and wrong current passwords) are counted per account and client. A
    # client with `max_failed_logins` failures on an account within the window is locked
    # out of that account for `lock_seconds`; others are not. Failures are remembered until
    # the account has had none for the window.
    max_failed_logins: int = Field(default=5, ge=1)
    failed_login_window_seconds: int = Field(default=900, ge=1)
    lock_seconds: int = Field(default=900, ge=1)
    # The account as a whole: after this many failures from anywhere, clients that failed
    # on it wait `base * 2^(failures - after)` seconds (at most `max`) after its latest
    # failure; a client that failed nothing there is still let in with the right password.
    login_delay_after_failures: int = Field(default=5, ge=1)
    login_delay_base_seconds: float = Field(default=1.0, gt=0)
    login_delay_max_seconds: float = Field(default=300.0, gt=0)
    # A session (refresh family) in which the current password was given wrongly this many
    # times at `POST /auth/password` is ended.
    max_password_change_failures: int = Field(default=5, ge=1)
    # Which X-Forwarded-For entry, from the right, is the client: the gateway appends the
    # address it received from, so 1 without proxies in front of it; with the gateway's
    # XBT_GATEWAY_TRUSTED_PROXY_HOPS = n, n + 1.
    client_address_hops: int = Field(default=1, ge=1)
    # A refresh token presented again this soon after it was rotated (two tabs refreshing
    # at once) returns the same new pair; later, the reuse is theft and ends the family.
    refresh_reuse_grace_seconds: float = Field(default=10.0, ge=0, le=60)
    # argon2id, OWASP parameters: m=19 MiB, t=2, p=1.
    argon2_memory_kib: int = 19 * 1024
    argon2_time_cost: int = 2
    argon2_parallelism: int = 1
    # Threads hashing passwords; the C code releases the GIL, so one per core.
    hash_threads: int = Field(default=2, ge=1)
    roster_max_rows: int = 20_000
    roster_max_bytes: int = 10 * 1024 * 1024
    # OpenID Connect provider (single sign-on for linked resource platforms).
    oidc_code_ttl_seconds: int = Field(default=60, ge=1, le=600)
    oidc_access_token_ttl_seconds: int = Field(default=900, ge=60)
    oidc_id_token_ttl_seconds: int = Field(default=600, ge=60)
    # Service clients: other xbt services getting tokens of their own (client credentials,
    # see oidc/domain.py). The tasks service's secret: 32+ random characters, empty to
    # turn the tasks client off; the development default is refused in prod.
    tasks_client_secret: SecretStr = SecretStr(DEV_TASKS_CLIENT_SECRET)
    # Further clients by their secret's digest, as JSON:
    # {"<id>": {"secret_hash": "sha256:<hex>", "scopes": ["bank.keys"]}} ("tasks" replaces
    # the one above).
    service_clients: dict[str, ServiceClientConfig] = Field(default_factory=dict)
    service_token_ttl_seconds: int = Field(default=300, ge=60, le=3600)

    def registered_service_clients(self) -> dict[str, ServiceClient]:
        return service_clients(self.tasks_client_secret.get_secret_value(), self.service_clients)

    @model_validator(mode="after")
    def _prod_needs_real_keys(self) -> IdentitySettings:
        if self.environment == "prod":
            missing = [
                f"XBT_IDENTITY_{name.upper()}"
                for name in ("signing_key_pem", "rsa_signing_key_pem")
                if not getattr(self, name)
            ]
            if missing:
                raise ValueError(f"{' and '.join(missing)} must be set in prod")
        return self

    @model_validator(mode="after")
    def _service_client_secrets(self) -> IdentitySettings:
        tasks_secret = self.tasks_client_secret.get_secret_value()
        if tasks_secret and len(tasks_secret) < MIN_SECRET_CHARS:
            raise ValueError(
                f"XBT_IDENTITY_TASKS_CLIENT_SECRET needs {MIN_SECRET_CHARS}+ random characters"
            )
        bad_ids = [c for c in self.service_clients if not CLIENT_ID.fullmatch(c)]
        if bad_ids:
            raise ValueError(f"service client ids must match {CLIENT_ID.pattern}: {bad_ids}")
        if self.environment == "prod":
            dev_digest = hash_secret(DEV_TASKS_CLIENT_SECRET)
            if any(c.secret_hash == dev_digest for c in self.registered_service_clients().values()):
                raise ValueError(
                    "the development tasks client secret is not allowed in prod: set "
                    "XBT_IDENTITY_TASKS_CLIENT_SECRET (or leave it empty to turn the client off)"
                )
        return self
