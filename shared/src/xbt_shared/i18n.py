"""Problems in the reader's language: `Accept-Language` negotiation and the Chinese catalogue.

The services raise problems in English with a stable slug (`errors.Problem`). A reader whose
`Accept-Language` prefers Chinese gets the title, and where there is one the detail, from
`problems_zh.toml` (loaded once), and every 422 field error a Chinese message made from its
pydantic error type (`code`) and its limit ("最多 64 个字符"). Nothing English is lost: the
service's detail stays in `detail_en`, a field's message in `message_en`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

ZH = "zh-CN"
EN = "en"
CATALOGUE = "problems_zh.toml"
GENERIC_FIELD = "取值无效"


@dataclass(frozen=True, slots=True)
class ChineseText:
    """A problem type's Chinese title and, where the English detail is generic, its detail."""

    title: str
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class Catalogue:
    problems: Mapping[str, ChineseText]
    fields: Mapping[str, str]  # pydantic error type -> template: "最多 {max_length} 个字符"
    by_status: Mapping[int, str]  # a fallback title per status, for a slug not catalogued

    def title(self, slug: str, status: int) -> str:
        entry = self.problems.get(slug)
        if entry is not None:
            return entry.title
        return self.by_status.get(status) or ("服务器出错" if status >= 500 else "请求有误")


@cache
def catalogue() -> Catalogue:
    """The Chinese catalogue, read from the package once per process."""
    raw = tomllib.loads(resources.files("xbt_shared").joinpath(CATALOGUE).read_text("utf-8"))
    problems = {
        slug: ChineseText(title=entry["title"], detail=entry.get("detail"))
        for slug, entry in raw["problems"].items()
    }
    by_status = {int(status): title for status, title in raw["status"].items()}
    return Catalogue(problems=problems, fields=dict(raw["fields"]), by_status=by_status)


def _ranges(header: str) -> list[tuple[str, float]]:
    """`Accept-Language` as (lower-cased tag, q), in the order given; malformed entries and
    q-values are left out (RFC 9110 §12.5.4)."""
    ranges: list[tuple[str, float]] = []
    for part in header.split(","):
        tag, *params = (p.strip() for p in part.split(";"))
        if not tag or len(tag) > 35:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() != "q":
                continue
            try:
                q = float(value.strip())
            except ValueError:
                q = -1.0
            if not 0.0 <= q <= 1.0:
                q = -1.0
        if q >= 0.0:
            ranges.append((tag.lower(), q))
    return ranges


def _matches(tag: str, language: str) -> bool:
    return tag == language or tag.startswith(language + "-")


def negotiate(header: str | None) -> str:
    """`ZH` when the header prefers Chinese (`zh`, `zh-CN`, `zh-Hans`, ... with the highest
    q-value of the languages offered), else `EN` (also when absent, or on a tie)."""
    if not header:
        return EN
    ranges = _ranges(header)
    best: dict[str, tuple[float, int]] = {}
    wildcard: tuple[float, int] | None = None
    for index, (tag, q) in enumerate(ranges):
        if tag == "*":
            wildcard = wildcard or (q, -index)
            continue
        for language in ("zh", "en"):
            if _matches(tag, language):
                best[language] = max(best.get(language, (q, -index)), (q, -index))
    zh = best.get("zh", wildcard)
    en = best.get("en", wildcard)
    if zh is None or zh[0] <= 0.0:
        return EN
    if en is None or zh > en:
        return ZH
    return EN


def field_message(code: str | None, ctx: Mapping[str, Any] | None) -> str:
    """A field error's Chinese message for its pydantic error type, with its limit."""
    template = catalogue().fields.get(code or "")
    if template is None:
        return GENERIC_FIELD
    values = {k: _readable(v) for k, v in (ctx or {}).items()}
    try:
        return template.format_map(values)
    except (KeyError, IndexError, ValueError):
        return GENERIC_FIELD


def _readable(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text.replace(" or ", "、")  # pydantic's "'a', 'b' or 'c'"
