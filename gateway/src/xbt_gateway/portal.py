"""The web portal (`gateway/portal/`, built by Vite into `dist/`), served at `/`.

The built files are few and small (well under a megabyte), so they are read once at startup,
with a gzip copy of each text file and an ETag: a request costs a dictionary lookup, never a
disk read, and the gateway compresses nothing per request.

- `/assets/...` have content-hashed names: cached for a year, `immutable`.
- `index.html`, the service worker and the manifest are revalidated on every load
  (`no-cache`), so a new deployment reaches every browser at its next visit.
- A path that names no file and has no extension is a page of the app (`/tasks/t-1`):
  it gets `index.html`, the router draws it. A missing file with an extension is a 404.
- The portal's own CSP: scripts, styles, fonts, media and calls from this origin only (the
  icon font is a data: URL; a recording plays from a blob: once downloaded for offline).

When `dist/` is missing (the portal not built), `/` answers a page that says how to build it.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from fastapi import APIRouter, Request
from fastapi.responses import Response

from xbt_shared.errors import NotFound

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self'; media-src 'self' blob:; connect-src 'self'; worker-src 'self'; "
    "manifest-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'"
)
# Never a page of the app: the API, the hashed files, and what only operators reach
# (`/metrics` lives on its own port; here it must stay a 404, not the app's page).
RESERVED = ("/assets/", "/api/", "/metrics", "/livez/", "/readyz/")
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
_COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")
_TYPES = {
    ".js": "application/javascript",
    ".mjs": "application/javascript",
    ".css": "text/css",
    ".html": "text/html; charset=utf-8",
    ".svg": "image/svg+xml",
    ".webmanifest": "application/manifest+json",
    ".json": "application/json",
    ".woff2": "font/woff2",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
}
NOT_BUILT = (
    "<!doctype html><html lang='zh-CN'><meta charset='utf-8'><title>学不停</title>"
    "<p>门户尚未构建。请在仓库根目录运行 <code>make run</code>。</p>"
    "<p lang='en'>The portal is not built: run <code>make run</code>.</p></html>"
).encode()


@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes | None
    media_type: str
    etag: str
    cache_control: str


def _media_type(path: Path) -> str:
    return (
        _TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    )


def _compressible(media_type: str) -> bool:
    return media_type.startswith(_COMPRESSIBLE) or media_type.endswith("+json")


def load(root: Path) -> dict[str, Asset]:
    """Every file under `root`, by its URL path (`/assets/index-abc.js`)."""
    assets: dict[str, Asset] = {}
    for file in sorted(p for p in root.rglob("*") if p.is_file()):
        if any(part.startswith(".") for part in file.relative_to(root).parts):
            continue  # the build's own records (.vite/manifest.json), not the portal's
        body = file.read_bytes()
        url = "/" + file.relative_to(root).as_posix()
        media_type = _media_type(file)
        gzipped = gzip.compress(body, 9, mtime=0) if _compressible(media_type) else None
        if gzipped is not None and len(gzipped) >= len(body):
            gzipped = None
        assets[url] = Asset(
            body=body,
            gzipped=gzipped,
            media_type=media_type,
            etag='"' + hashlib.sha256(body).hexdigest()[:32] + '"',
            cache_control=IMMUTABLE if url.startswith("/assets/") else REVALIDATE,
        )
    return assets


def _accepts_gzip(request: Request) -> bool:
    return any(
        part.split(";")[0].strip() == "gzip"
        for part in request.headers.get("accept-encoding", "").split(",")
    )


def _answer(request: Request, asset: Asset) -> Response:
    headers = {
        "Cache-Control": asset.cache_control,
        "ETag": asset.etag,
        "Content-Security-Policy": CSP,
        "X-Content-Type-Options": "nosniff",
        "Vary": "Accept-Encoding",
    }
    if asset.etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    body = asset.body
    if asset.gzipped is not None and _accepts_gzip(request):
        body = asset.gzipped
        headers["Content-Encoding"] = "gzip"
    return Response(body, media_type=asset.media_type, headers=headers)


class Portal:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.assets = load(root) if (root / "index.html").is_file() else {}

    @property
    def built(self) -> bool:
        return "/index.html" in self.assets

    def find(self, path: str) -> Asset | None:
        """The file for a URL path; `index.html` for a page of the app."""
        if not self.built:
            return None
        asset = self.assets.get(path)
        if asset is not None:
            return asset
        if path.startswith(RESERVED) or PurePosixPath(path).suffix:
            return None
        return self.assets["/index.html"]

    def router(self) -> APIRouter:
        router = APIRouter()

        @router.get("/{path:path}", include_in_schema=False)
        async def portal(path: str, request: Request) -> Response:
            asset = self.find("/" + path)
            if asset is not None:
                return _answer(request, asset)
            if not self.built:
                return Response(
                    NOT_BUILT,
                    status_code=503,
                    media_type="text/html; charset=utf-8",
                    headers={"Cache-Control": "no-store", "Content-Security-Policy": CSP},
                )
            raise NotFound(f"门户中没有文件 /{path}")

        return router


def default_root() -> Path:
    """`gateway/portal/dist` beside the package's source tree."""
    return Path(__file__).resolve().parents[2] / "portal" / "dist"
