"""What a page of the portal costs to render: the gzip-compressed JavaScript and CSS the
browser must fetch for it, read off the built files and Vite's manifest (the entry and the
page's chunk, with every chunk they import statically, and their CSS). Lazy imports (the
service worker's registration, other pages) are not counted: they load after the page."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "gateway" / "portal" / "dist"
KB = 1024
FIRST_PAGES_BUDGET = 150 * KB  # the login page and the pupil's home
PAGE_BUDGET = 300 * KB  # any page


def manifest(dist: Path = DIST) -> dict[str, Any]:
    path = dist / ".vite" / "manifest.json"
    if not path.is_file():
        raise RuntimeError(f"{path} is missing: `make portal` builds the portal")
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


def pages(dist: Path = DIST) -> list[str]:
    """Every page of the app (src/pages/*.vue), by its manifest key."""
    return sorted(k for k in manifest(dist) if k.startswith("src/pages/"))


def files_for(page: str, dist: Path = DIST) -> set[str]:
    chunks = manifest(dist)
    needed: set[str] = set()
    todo = ["index.html", page]
    seen: set[str] = set()
    while todo:
        key = todo.pop()
        if key in seen:
            continue
        seen.add(key)
        chunk = chunks[key]
        needed.add(chunk["file"])
        needed.update(chunk.get("css", ()))
        todo.extend(chunk.get("imports", ()))
    return needed


def gzipped_bytes(page: str, dist: Path = DIST) -> int:
    return sum(len(gzip.compress((dist / f).read_bytes(), 9)) for f in files_for(page, dist))
