"""Every service has the one shape of CONVENTIONS.md, so a new one cannot start in another.

services/<name>/  pyproject.toml  README.md  src/xbt_<name>/  tests/{unit,integration,api}/
src/xbt_<name>/   main.py settings.py worker.py events.py http.py  [clients/]  seed/
                  <feature>/{api,schemas,service,domain,store}.py  [consumers.py]  [more]
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = sorted(p for p in (ROOT / "services").iterdir() if (p / "pyproject.toml").exists())

SERVICE_MODULES = {"main.py", "settings.py", "worker.py", "events.py", "http.py"}
FEATURE_MODULES = {"api.py", "schemas.py", "service.py", "domain.py", "store.py"}
NOT_FEATURES = {"clients", "seed"}
# Names that say a layer lives outside its feature package (`courses_api.py`, `rules.py`).
LAYER_FILE = re.compile(r"^(.+_(api|schemas|service|domain|store)|rules|responses)\.py$")
TEST_KINDS = ("unit", "integration", "api")


def package_of(service: Path) -> Path:
    return service / "src" / f"xbt_{service.name}"


def packages_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_dir() and (p / "__init__.py").exists())


def features_of(service: Path) -> list[Path]:
    return [p for p in packages_in(package_of(service)) if p.name not in NOT_FEATURES]


def ids(paths: list[Path]) -> list[str]:
    return [p.name for p in paths]


def test_there_are_services() -> None:
    assert {"identity", "catalog", "tasks"} <= {s.name for s in SERVICES}


@pytest.mark.parametrize("service", SERVICES, ids=ids(SERVICES))
def test_service_root_holds_only_the_service_modules(service: Path) -> None:
    package = package_of(service)
    assert package.is_dir(), f"{service.name}: the package is src/xbt_{service.name}/"
    modules = {p.name for p in package.glob("*.py")} - {"__init__.py"}
    assert modules >= SERVICE_MODULES, f"{service.name} lacks {sorted(SERVICE_MODULES - modules)}"
    stray = sorted(modules - SERVICE_MODULES)
    assert not stray, (
        f"{service.name}: {stray} at the package root; a feature's code lives in its package "
        "(<feature>/api.py, schemas.py, service.py, domain.py, store.py)"
    )
    for name in ("README.md", "pyproject.toml"):
        assert (service / name).is_file(), f"{service.name} has no {name}"


@pytest.mark.parametrize("service", SERVICES, ids=ids(SERVICES))
def test_every_feature_has_the_five_modules(service: Path) -> None:
    features = features_of(service)
    assert features, f"{service.name} has no feature package"
    for feature in features:
        modules = {p.name for p in feature.glob("*.py")}
        missing = sorted(FEATURE_MODULES - modules)
        assert not missing, f"{service.name}/{feature.name} lacks {missing}"
        nested = ids(packages_in(feature))
        assert not nested, f"{service.name}/{feature.name} nests packages {nested}: keep it flat"


@pytest.mark.parametrize("service", SERVICES, ids=ids(SERVICES))
def test_no_layer_files_outside_their_feature(service: Path) -> None:
    flat = sorted(
        str(p.relative_to(package_of(service)))
        for p in package_of(service).rglob("*.py")
        if LAYER_FILE.match(p.name)
    )
    assert not flat, f"{service.name}: {flat} — one feature package per feature, same five names"


@pytest.mark.parametrize("service", SERVICES, ids=ids(SERVICES))
def test_seed_is_data_files_and_a_loader(service: Path) -> None:
    seed = package_of(service) / "seed"
    assert (seed / "__init__.py").is_file(), f"{service.name}: demo data lives in seed/"
    data = [p for p in seed.rglob("*") if p.suffix in {".json", ".csv", ".jsonl"}]
    assert data, f"{service.name}/seed has no data files (JSON or CSV)"
    code = sum(len(p.read_text(encoding="utf-8").splitlines()) for p in seed.rglob("*.py"))
    content = sum(p.stat().st_size for p in data)
    assert content > code * 20, (
        f"{service.name}/seed: {code} lines of Python next to {content} bytes of data: "
        "demo content belongs in the data files, the loader stays small"
    )


@pytest.mark.parametrize("service", SERVICES, ids=ids(SERVICES))
def test_clients_folder_holds_only_clients(service: Path) -> None:
    clients = package_of(service) / "clients"
    if not clients.exists():
        return
    assert not packages_in(clients), f"{service.name}/clients: one module per service called"


@pytest.mark.parametrize("service", SERVICES, ids=ids(SERVICES))
def test_tests_are_unit_integration_api(service: Path) -> None:
    tests = service / "tests"
    for kind in TEST_KINDS:
        assert (tests / kind / "__init__.py").is_file(), f"{service.name}/tests/{kind}/ missing"
    loose = sorted(p.name for p in tests.glob("test_*.py"))
    assert not loose, f"{service.name}/tests: {loose} belong in unit/, integration/ or api/"


@pytest.mark.parametrize("service", SERVICES, ids=ids(SERVICES))
def test_readme_lists_features_then_events(service: Path) -> None:
    text = (service / "README.md").read_text(encoding="utf-8")
    headings = [h.strip().lower() for h in re.findall(r"^##\s+(.+)$", text, flags=re.M)]
    wanted = ["features", "events published", "events consumed"]
    for heading in wanted:
        assert heading in headings, f"{service.name}/README.md has no '## {heading.capitalize()}'"
    positions = [headings.index(h) for h in wanted]
    assert positions == sorted(positions), f"{service.name}/README.md: sections out of order"
    features_section = text.split("\n## ")[headings.index("features") + 1]
    for feature in features_of(service):
        named = f"`{feature.name}/`" in features_section or re.search(
            rf"^###\s+`?{feature.name}/?`?\b", features_section, flags=re.M
        )
        assert named, (
            f"{service.name}/README.md: feature `{feature.name}/` is not listed under Features"
        )
