"""Default provider base URLs and ``serve --upstream PROVIDER=URL`` overrides (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

DEFAULT_BASES: Mapping[str, str] = {
    "openai": "https://api.openai.com/v1",
    "anthropic": "https://api.anthropic.com/v1",
    "cohere": "https://api.cohere.ai/v1",
    "entra": "https://login.microsoftonline.com",
}


def parse_upstream(spec: str) -> tuple[str, str]:
    """``PROVIDER=URL`` -> (provider, base URL). A URL without a path keeps the default path (``/v1``)."""
    provider, sep, url = spec.partition("=")
    provider = provider.strip().lower()
    if not sep or provider not in DEFAULT_BASES:
        raise ValueError(f"--upstream {spec!r}: expected PROVIDER=URL with PROVIDER one of {', '.join(DEFAULT_BASES)}")
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"--upstream {spec!r}: URL must be http(s)://host[:port][/path]")
    path = parts.path.rstrip("/") or urlsplit(DEFAULT_BASES[provider]).path
    return provider, f"{parts.scheme}://{parts.netloc}{path}"


def upstream_bases(specs: Iterable[str]) -> dict[str, str]:
    """Default bases with every override applied (the last one for a provider wins)."""
    bases = dict(DEFAULT_BASES)
    for spec in specs:
        provider, url = parse_upstream(spec)
        bases[provider] = url
    return bases
