"""Media settings: the development signing key is refused in production."""

from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from xbt_catalog.media.service import MediaSettings


def test_prod_refuses_the_development_key() -> None:
    with pytest.raises(ValidationError):
        MediaSettings(environment="prod")
    real = MediaSettings(environment="prod", signing_key=SecretStr("a real key from a Secret"))
    assert real.keys == (b"a real key from a Secret",)


def test_a_previous_key_is_still_accepted() -> None:
    settings = MediaSettings(
        signing_key=SecretStr("new"), previous_signing_key=SecretStr("old"), public_url="https://x/"
    )
    assert settings.keys == (b"new", b"old")
    assert settings.media_url("ab" * 16) == f"https://x/api/catalog/v1/media/{'ab' * 16}"
