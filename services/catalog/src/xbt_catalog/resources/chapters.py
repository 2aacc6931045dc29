"""Where every textbook node sits, in memory: the chapter (book, unit, lesson) a resource or
an item attached to a node shows, and the nodes above it (so a search by a unit finds the
resources of its lessons).

Read from the published textbooks of every tenant database when the search indexes are built
(textbooks change only when demo data or a new edition is loaded, which a restart picks up). A
node is looked up in the content owner's database and the city's, never a third: a district's
resource names the city's textbooks or its own district's.
"""

from __future__ import annotations

from collections.abc import Iterable

from xbt_catalog.resources.domain import NodeRef, textbook_nodes
from xbt_catalog.resources.store import ResourceStore
from xbt_shared.mongo import Doc, Mongo
from xbt_shared.tenancy import ALL_TENANTS, CITY


class Chapters:
    def __init__(self, mongo: Mongo) -> None:
        self.mongo = mongo
        self._nodes: dict[str, dict[str, NodeRef]] = {}

    async def load(self) -> int:
        """(Re)read every tenant's published textbook trees; how many nodes there are."""
        loaded: dict[str, dict[str, NodeRef]] = {}
        for tenant in ALL_TENANTS:
            store = ResourceStore(self.mongo.for_tenant(tenant))
            nodes: dict[str, NodeRef] = {}
            for tb in await store.textbooks_with_trees({"status": "published"}):
                for ref in textbook_nodes(tb):
                    nodes.setdefault(ref.id, ref)
            if nodes:
                loaded[tenant.id] = nodes
        self._nodes = loaded
        return sum(len(n) for n in loaded.values())

    def find(self, owner: str, node_id: str) -> NodeRef | None:
        """The node as content of `owner` may name it: the owner's textbooks, then the city's."""
        for scope in (owner, CITY) if owner != CITY else (CITY,):
            ref = self._nodes.get(scope, {}).get(node_id)
            if ref is not None:
                return ref
        return None

    def of(self, owner: str, node_ids: Iterable[str] | None) -> list[Doc]:
        """The chapters of these nodes (book, unit, lesson), in order; unknown nodes none."""
        found = (self.find(owner, n) for n in dict.fromkeys(node_ids or ()) if isinstance(n, str))
        return [ref.chapter() for ref in found if ref is not None]

    def ancestors(self, owner: str, node_ids: Iterable[str] | None) -> tuple[str, ...]:
        """These nodes and every node above them (their textbooks included); a node this
        map does not know stands for itself."""
        out: dict[str, None] = {}
        for node_id in node_ids or ():
            if not isinstance(node_id, str):
                continue
            ref = self.find(owner, node_id)
            out.update(dict.fromkeys(ref.ancestor_ids if ref is not None else (node_id,)))
        return tuple(out)
