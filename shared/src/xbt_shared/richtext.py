"""Rich text from clients (lesson plans, task instructions, answers): HTML cleaned to an
allow-list with nh3 (the Python binding of ammonia, the html5ever-based sanitiser), so what
is stored can be shown in any pupil's browser.

Clients send sanitised HTML already; the server does not trust that. Kept: text formatting,
headings, lists, tables, links (http, https, mailto; always `rel="noopener noreferrer
nofollow"`) and images (http, https). Dropped: scripts, event handlers, styles, forms,
frames — the dangerous containers together with their content. A parser that follows the
HTML5 spec decides what a browser would see, which a hand-written one cannot promise.
"""

from __future__ import annotations

import nh3

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "div", "span", "strong", "b", "em", "i", "u", "s", "sub", "sup",
        "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code", "ul", "ol", "li",
        "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "a", "img",
    }
)  # fmt: skip
# Dropped together with everything inside them.
DROPPED_WITH_CONTENT = frozenset(
    {"script", "style", "iframe", "object", "template", "noscript", "textarea", "select",
     "svg", "math", "title", "noembed", "noframes", "xmp", "plaintext"}
)  # fmt: skip
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "ol": {"start"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
_IMAGE_SCHEMES = ("http:", "https:")


def _only_web_images(tag: str, attribute: str, value: str) -> str | None:
    # mailto: is fine for a link, not for an image; protocol-relative images load from
    # wherever the page is served and are dropped too.
    if tag == "img" and attribute == "src":
        compact = value.strip().lower()
        if compact.startswith("//") or (":" in compact and not compact.startswith(_IMAGE_SCHEMES)):
            return None
    return value


def sanitise_html(text: str) -> str:
    """Only allowed tags and attributes survive; text is re-escaped; tags are balanced."""
    return nh3.clean(
        text,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_only_web_images,
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
