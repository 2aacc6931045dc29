"""The API docs (`/api/docs`): Swagger UI served from the gateway itself.

School networks (and the cluster) cannot be assumed to reach a CDN, so Swagger UI's script
and stylesheet come from the Python package `fastapi-offline` (installed with the gateway:
it ships the current `swagger-ui-dist` build, MIT, and depends on nothing but FastAPI) and
the page's start-up script from `docs_assets/`. All are read once, at startup:

- `/api/docs` is the page: no inline script or style, revalidated on every load (`no-cache`),
  with a CSP allowing this origin only (`'self'`) and nothing inline.
- `/api/docs/static/<version>/<file>`: `<version>` is a hash of all the files, so they are
  cached for a year (`immutable`) and a new build has new URLs. gzip when the client takes
  it (Swagger UI's bundle is 1.5 MB, about 450 KB compressed), compressed on first use.
"""

from __future__ import annotations

import gzip
import hashlib
import html
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from xbt_shared.errors import NotFound

DOCS_PATH = "/api/docs"
STATIC_PREFIX = f"{DOCS_PATH}/static/"
IMMUTABLE = "public, max-age=31536000, immutable"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'none'"
)
_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".png": "image/png",
}


def swagger_ui_dir() -> Path:
    """Where the installed package keeps Swagger UI's built files."""
    return Path(fastapi_offline.__file__).parent / "static"


@dataclass(slots=True)
class Asset:
    body: bytes
    media_type: str
    gzipped: bytes | None = field(default=None)

    def compressed(self) -> bytes | None:
        if self.media_type.startswith("image/"):
            return None
        if self.gzipped is None:
            self.gzipped = gzip.compress(self.body, 6, mtime=0)
        return self.gzipped


@dataclass(frozen=True, slots=True)
class DocsSite:
    version: str
    assets: dict[str, Asset]
    page: bytes

    def url(self, name: str) -> str:
        return f"{STATIC_PREFIX}{self.version}/{name}"


def load(openapi_url: str, *, title: str) -> DocsSite:
    """The page and its files, read from the installed packages."""
    ui = swagger_ui_dir()
    files = {
        "swagger-ui-bundle.js": (ui / "swagger-ui-bundle.js").read_bytes(),
        "swagger-ui.css": (ui / "swagger-ui.css").read_bytes(),
        "favicon.png": (ui / "favicon.png").read_bytes(),
        "swagger-initializer.js": resources.files("xbt_gateway")
        .joinpath("docs_assets/swagger-initializer.js")
        .read_bytes(),
    }
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name])
    version = digest.hexdigest()[:16]
    assets = {name: Asset(body, _TYPES[Path(name).suffix]) for name, body in files.items()}
    site = DocsSite(version=version, assets=assets, page=b"")
    page = f"""<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<link rel="icon" type="image/png" href="{site.url("favicon.png")}">
<link rel="stylesheet" href="{site.url("swagger-ui.css")}">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{html.escape(openapi_url)}"></div>
<script src="{site.url("swagger-ui-bundle.js")}"></script>
<script src="{site.url("swagger-initializer.js")}"></script>
</body>
</html>
"""
    return DocsSite(version=version, assets=assets, page=page.encode())


def _accepts_gzip(request: Request) -> bool:
    for part in request.headers.get("accept-encoding", "").split(","):
        coding, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if coding.lower() in ("gzip", "*") and q > 0:
            return True
    return False


def docs_router(openapi_url: str, *, title: str) -> APIRouter:
    site = load(openapi_url, title=title)
    router = APIRouter()

    @router.get(DOCS_PATH, include_in_schema=False)
    async def docs_page() -> HTMLResponse:
        return HTMLResponse(
            site.page,
            headers={"Content-Security-Policy": CSP, "Cache-Control": "no-cache"},
        )

    @router.get(STATIC_PREFIX + "{version}/{name}", include_in_schema=False)
    async def docs_file(version: str, name: str, request: Request) -> Response:
        asset = site.assets.get(name)
        if asset is None or version != site.version:
            raise NotFound("no such file of the API docs")
        headers = {"Cache-Control": IMMUTABLE, "Vary": "Accept-Encoding"}
        body = asset.body
        compressed = asset.compressed() if _accepts_gzip(request) else None
        if compressed is not None:
            body = compressed
            headers["Content-Encoding"] = "gzip"
        return Response(body, media_type=asset.media_type, headers=headers)

    return router
