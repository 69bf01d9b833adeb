"""Well-formed web addresses: a source_ref that is a URL must be one a person can open."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
BAD_CHARS = re.compile(r"[\s\"<>\\^`{|}]")


def is_url(text: str) -> bool:
    return str(text).strip().lower().startswith(("http://", "https://"))


def url_part(text: str) -> str:
    """The address of a reference written as 'URL (what on the page)'; the whole text otherwise."""
    return str(text).strip().split(" (", 1)[0]


def url_problem(url: str) -> str | None:
    """Why `url` is malformed (None when it is well formed): scheme http(s), a host of dot-separated
    labels (letters, digits, hyphens; no empty label, no trailing dot), no spaces or bare quotes.
    A reference 'URL (what on the page)' is judged by its URL."""
    text = url_part(url)
    if BAD_CHARS.search(text):
        return "contains a space or a character that must be escaped"
    try:
        parts = urlsplit(text)
    except ValueError as exc:
        return f"cannot be parsed ({exc})"
    if parts.scheme not in ("http", "https"):
        return "scheme is not http or https"
    host = parts.hostname or ""
    if not host:
        return "has no host"
    if host.endswith("."):
        return f"host {host!r} ends with a dot"
    labels = host.split(".")
    if len(labels) < 2 or not all(LABEL.match(label) for label in labels):
        return f"host {host!r} is not a valid domain name"
    return None
