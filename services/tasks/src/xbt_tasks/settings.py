"""Tasks settings (env prefix XBT_TASKS_, plus the common XBT_ ones)."""

from __future__ import annotations

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from xbt_shared.settings import DEV_TASKS_CLIENT_SECRET, CommonSettings

MiB = 1024 * 1024


class TasksSettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="XBT_TASKS_", extra="ignore")

    service_name: str = "tasks"
    # The catalog, called inside the cluster (not through the gateway): resources and
    # question items a task attaches are checked and copied from there.
    catalog_url: str = "http://127.0.0.1:8102"
    # Identity's token endpoint and this service's client there (client credentials): the
    # service token reads answer keys for practice, where no teacher is asking.
    token_url: str = "http://127.0.0.1:8101/v1/oidc/token"
    client_id: str = "tasks"
    client_secret: SecretStr = SecretStr(DEV_TASKS_CLIENT_SECRET)
    catalog_timeout_seconds: float = Field(default=5.0, gt=0)
    # Identity, called inside the cluster with the asking teacher's token: class rosters for
    # gradebooks (who is missing). Unreachable -> 503, never a gradebook without its pupils.
    identity_url: str = "http://127.0.0.1:8101"
    identity_timeout_seconds: float = Field(default=5.0, gt=0)

    # A retried submit with the same Idempotency-Key gets the first answer this long.
    idempotency_hours: int = Field(default=48, ge=1)
    # Attachments (GridFS): per file, per submission, and what may be uploaded.
    max_file_bytes: int = Field(default=20 * MiB, ge=1)
    max_files_per_attempt: int = Field(default=10, ge=1)

    @model_validator(mode="after")
    def _no_dev_secret_in_prod(self) -> TasksSettings:
        if self.environment == "prod" and (
            self.client_secret.get_secret_value() == DEV_TASKS_CLIENT_SECRET
        ):
            raise ValueError(
                "the development client secret is not allowed in prod: set XBT_TASKS_CLIENT_SECRET"
            )
        return self
