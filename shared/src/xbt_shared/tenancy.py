"""Tenants: the city and its 16 districts. Each district is an isolated tenant.

A `Tenant` is resolved from a verified token, never from a query string or a body. Stores
are bound to one tenant and pick the database `<service>_<tenant>`.
"""

from __future__ import annotations

from dataclasses import dataclass

CITY = "city"

# Tianjin's 16 districts, in the order the city lists them.
DISTRICTS: dict[str, str] = {
    "heping": "和平区",
    "hedong": "河东区",
    "hexi": "河西区",
    "nankai": "南开区",
    "hebei": "河北区",
    "hongqiao": "红桥区",
    "dongli": "东丽区",
    "xiqing": "西青区",
    "jinnan": "津南区",
    "beichen": "北辰区",
    "wuqing": "武清区",
    "baodi": "宝坻区",
    "binhai": "滨海新区",
    "ninghe": "宁河区",
    "jinghai": "静海区",
    "jizhou": "蓟州区",
}

TENANT_NAMES: dict[str, str] = {CITY: "天津市", **DISTRICTS}


class UnknownTenant(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Tenant:
    id: str

    def __post_init__(self) -> None:
        if self.id not in TENANT_NAMES:
            raise UnknownTenant(self.id)

    @property
    def name(self) -> str:
        return TENANT_NAMES[self.id]

    @property
    def is_city(self) -> bool:
        return self.id == CITY

    def __str__(self) -> str:
        return self.id


ALL_TENANTS: tuple[Tenant, ...] = tuple(Tenant(t) for t in TENANT_NAMES)


def is_tenant(value: str) -> bool:
    return value in TENANT_NAMES
