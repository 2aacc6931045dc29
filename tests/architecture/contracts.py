"""An import-linter contract of our own: a feature's store is its own.

`feature_stores`: in each service package named, a feature is a subpackage with a `store`
module; only that feature's modules may import it, and the modules that wire a service
together (`main`, `worker`, the `seed` loader). Another feature goes through the feature's
service, so the rules and the tenant binding of a store are never bypassed. Features are
found in the import graph, so a new service or feature is covered without a new contract.
"""

from __future__ import annotations

from dataclasses import dataclass

import grimp
from importlinter import Contract, ContractCheck, fields, output


@dataclass(frozen=True)
class StrayImport:
    importer: str
    store: str
    line: int


class FeatureStoresContract(Contract):
    type_name = "feature_stores"

    services = fields.ListField(subfield=fields.StringField())
    wiring = fields.ListField(subfield=fields.StringField(), required=False)

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        wiring = list(self.wiring or ["main", "worker", "seed"])  # type: ignore[attr-defined]
        stray: list[StrayImport] = []
        for service in self.services:  # type: ignore[attr-defined]
            stores = {m for m in graph.find_descendants(service) if m.endswith(".store")}
            allowed_wiring = tuple(f"{service}.{w}" for w in wiring)
            for store in sorted(stores):
                feature = store.rsplit(".", 1)[0]
                for importer in sorted(graph.find_modules_that_directly_import(store)):
                    if importer == feature or importer.startswith(feature + "."):
                        continue
                    if any(importer == w or importer.startswith(w + ".") for w in allowed_wiring):
                        continue
                    for detail in graph.get_import_details(importer=importer, imported=store):
                        stray.append(StrayImport(importer, store, detail["line_number"]))
        return ContractCheck(kept=not stray, metadata={"stray": stray})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for item in check.metadata["stray"]:
            output.print_error(
                f"{item.importer} imports {item.store} (l.{item.line}): "
                "go through that feature's service instead",
                bold=False,
            )
            output.new_line()
