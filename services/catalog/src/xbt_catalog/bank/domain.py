"""Question-bank rules without I/O: who gets answer keys, marking, trees, reading order."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from xbt_shared.auth import Principal
from xbt_shared.mongo import Doc

# Who may read answer keys and explanations before answering: these roles, and services
# (the tasks service, which marks and shows them) whose token carries KEYS_SCOPE.
KEY_HOLDER_ROLES = frozenset(
    {"teacher", "researcher", "school_admin", "district_admin", "city_admin"}
)
KEYS_SCOPE = "bank.keys"
Audience = Literal["pupil", "key_holder"]

MAX_PAGE = 200  # 200 pages of 50: deeper than anyone practises


def audience_of(principal: Principal) -> Audience:
    """Key holders are teachers, researchers and administrators, and services granted
    `bank.keys`; everybody else (pupils, parents, guests, support agents, other services) is
    a pupil as far as answer keys are concerned."""
    if principal.is_service:
        return "key_holder" if principal.has_scope(KEYS_SCOPE) else "pupil"
    if principal.is_guest or not principal.has_role(*KEY_HOLDER_ROLES):
        return "pupil"
    return "key_holder"


# --- trees ------------------------------------------------------------------------------------


def progress_nodes(tree: Sequence[Mapping[str, Any]], up_to: str | None) -> list[str] | None:
    """A textbook's node ids in reading order up to and including `up_to` and everything
    under it (a unit brings its lessons); all of them if `up_to` is None; None if the tree
    has no such node."""
    order: list[str] = []
    end: int | None = None

    def walk(nodes: Sequence[Mapping[str, Any]]) -> None:
        nonlocal end
        for node in nodes:
            order.append(str(node["id"]))
            walk(node.get("children") or [])
            if end is None and node["id"] == up_to:
                end = len(order)

    walk(tree)
    if up_to is None:
        return order
    return None if end is None else order[:end]


def knowledge_tree(points: Iterable[tuple[str, Mapping[str, Any]]]) -> list[Doc]:
    """Nested `{id, name, depth, parent_id, owner, children}` from flat (owner, point) pairs.

    Siblings keep the order given (the store's), or follow an `order` field where points
    have one. A point is put under its parent only if the parent is higher in the tree (so
    bad data cannot make a cycle); one whose parent is missing becomes a root."""
    nodes: dict[str, Doc] = {}
    entries: list[tuple[Doc, Mapping[str, Any]]] = []
    for owner, point in points:
        node: Doc = {
            "id": point["_id"],
            "name": point.get("name", ""),
            "depth": point.get("depth", len(point.get("path") or [])),
            "parent_id": point.get("parent_id"),
            "owner": owner,
            "children": [],
        }
        if node["id"] in nodes:
            continue  # a district may not redefine a city point
        nodes[node["id"]] = node
        entries.append((node, point))
    rank = {
        node["id"]: point["order"] if isinstance(point.get("order"), int) else float("inf")
        for node, point in entries
    }
    roots: list[Doc] = []
    for node, point in entries:
        parent = nodes.get(point.get("parent_id") or "")
        if parent is not None and parent["depth"] < node["depth"]:
            parent["children"].append(node)
        else:
            roots.append(node)

    def order(siblings: list[Doc]) -> None:
        siblings.sort(key=lambda n: rank[n["id"]])  # stable: ties keep the store's order
        for n in siblings:
            order(n["children"])

    order(roots)
    return roots
