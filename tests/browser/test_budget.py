"""The portal's weight budgets, on the built files: the login page and the pupil's home
render with at most 150 KB of gzip-compressed JavaScript + CSS, any page with 300 KB."""

from __future__ import annotations

import pytest

from . import budget


def test_every_page_is_counted() -> None:
    found = budget.pages()
    assert "src/pages/LoginPage.vue" in found and "src/pages/HomePage.vue" in found
    for page in found:
        files = budget.files_for(page)
        assert any(f.endswith(".js") for f in files) and any(f.endswith(".css") for f in files)


@pytest.mark.parametrize("page", ["src/pages/LoginPage.vue", "src/pages/HomePage.vue"])
def test_the_first_pages_fit_in_150_kb(page: str) -> None:
    size = budget.gzipped_bytes(page)
    assert size <= budget.FIRST_PAGES_BUDGET, f"{page}: {size / 1024:.1f} KB gzip"


def test_no_page_needs_more_than_300_kb() -> None:
    sizes = {page: budget.gzipped_bytes(page) for page in budget.pages()}
    over = {p: f"{s / 1024:.1f} KB" for p, s in sizes.items() if s > budget.PAGE_BUDGET}
    assert over == {}
