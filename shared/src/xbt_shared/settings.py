"""Settings every process shares; each service subclasses with its own env prefix.

Values come from the environment (pydantic-settings). `environment="prod"` refuses the
development defaults that would be unsafe in a real deployment.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

DEV_MONGODB_URI = "mongodb://127.0.0.1:27017/?retryWrites=false&directConnection=true"
DEV_REDIS_URL = "redis://127.0.0.1:6379/0"
DEV_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"
# The tasks service's client secret at identity, on a developer's machine only (both sides
# read it; prod refuses it).
DEV_TASKS_CLIENT_SECRET = "dev-only-tasks-client-secret-not-for-prod"


class _CommonEnv(EnvSettingsSource):
    """Only the common fields, under their `XBT_` names (`XBT_REDIS_URL`), so one ConfigMap
    serves every service; a service's own fields are read with its own prefix only."""

    def __call__(self) -> dict[str, Any]:
        values = super().__call__()
        return {
            k: v
            for k, v in values.items()
            if k in CommonSettings.model_fields and k != "service_name"
        }


class CommonSettings(BaseSettings):
    """Connection and naming settings common to all services.

    `db_prefix`, `redis_prefix` and `events_exchange` exist so that a test run can use its
    own databases, keys and exchange on the same servers as a running `make run`.
    """

    model_config = SettingsConfigDict(env_prefix="XBT_", extra="ignore")

    service_name: str = "xbt"
    environment: Literal["dev", "test", "prod"] = "dev"
    mongodb_uri: str = DEV_MONGODB_URI
    redis_url: str = DEV_REDIS_URL
    amqp_url: str = DEV_AMQP_URL
    db_prefix: str = ""
    redis_prefix: str = ""
    events_exchange: str = "xbt.events"
    queue_prefix: str = ""
    # "quorum" for a RabbitMQ cluster; a queue's type cannot change once declared.
    queue_type: Literal["classic", "quorum"] = "classic"
    log_level: str = "INFO"
    log_json: bool = True
    # Share of requests (without a sampled caller) whose traces are recorded.
    trace_sample_ratio: float = Field(default=0.1, ge=0.0, le=1.0)
    # Token verification: the issuer's JWKS, fetched and cached.
    jwt_issuer: str = "http://127.0.0.1:8000/api/identity/v1"
    jwks_url: str = "http://127.0.0.1:8101/v1/.well-known/jwks.json"
    jwt_audience: str = "xbt"
    # The outbox relay and consumers are started in-process unless disabled (k8s worker pods).
    run_workers: bool = True

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """A service's own prefix first (XBT_IDENTITY_MONGODB_URI), then the common one
        (XBT_MONGODB_URI), so one ConfigMap serves every service and any can override it."""
        common_env = _CommonEnv(settings_cls, env_prefix="XBT_")
        return init_settings, env_settings, common_env, dotenv_settings, file_secret_settings

    @model_validator(mode="after")
    def _refuse_dev_defaults_in_prod(self) -> CommonSettings:
        if self.environment == "prod":
            dev_values = {DEV_MONGODB_URI, DEV_REDIS_URL, DEV_AMQP_URL}
            used = [
                name
                for name in ("mongodb_uri", "redis_url", "amqp_url")
                if getattr(self, name) in dev_values
            ]
            if used:
                raise ValueError(f"development defaults are not allowed in prod: {used}")
        return self
