"""Which upstream hosts the gateway may call (``serve --allow-upstream HOST``, repeatable).

Without the flag every host is allowed. With it, an upstream is allowed when its host is listed or is the
host of an operator's ``--upstream PROVIDER=URL`` override. Refusals: an endpoint config naming another host
(``openai_api_base``, ``custom_provider_url``, ...) is a 400 naming the field and host; a call whose upstream
is not allowed (a config stored before the flag was set, or a provider's default host) is a 403 naming it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from ..payloads.upstream_urls import upstream_urls
from .errors import InvalidParameterValue, PermissionDenied

_HOST_RE = re.compile(r"[a-z0-9.-]+|\[[0-9a-f:.]+\]|[0-9a-f:.]+")


def host_problem(value: str) -> str | None:
    """Why ``value`` is not a host name or IP address (no scheme, port or path), or None."""
    host = value.strip().lower()
    if not host or not _HOST_RE.fullmatch(host) or len(host) > 253:
        return f"{value!r} is not a host name or IP address (give the host only, e.g. api.openai.com)"
    return None


def url_host(url: str) -> str:
    """The lower-case host of ``url`` ('' when it has none)."""
    try:
        return (urlsplit(url.strip()).hostname or "").lower()
    except ValueError:
        return ""


class Egress:
    def __init__(self, allowed_hosts: Iterable[str], upstream_overrides: Iterable[str] = ()):
        hosts = {h.strip().lower().strip("[]") for h in allowed_hosts}
        self.enabled = bool(hosts)
        self._allowed = hosts | {url_host(spec.partition("=")[2]) for spec in upstream_overrides}

    def allows(self, host: str) -> bool:
        return not self.enabled or host.strip("[]") in self._allowed

    def config_problems(self, entities: Iterable[Mapping[str, Any]], prefix: str) -> list[str]:
        """One line per URL in ``entities`` (API JSON served entities) whose host is not allowed."""
        problems = []
        for index, entity in enumerate(entities):
            for path, url in upstream_urls(entity.get("external_model") or {}).items():
                if not self.allows(host := url_host(url)):
                    where = f"{prefix}served_entities[{index}].external_model.{path}"
                    problems.append(
                        f"{where}: upstream host {host or url!r} is not allowed on this server (serve --allow-upstream)"
                    )
        return problems

    def check_config(self, entities: Iterable[Mapping[str, Any]], prefix: str) -> None:
        if problems := self.config_problems(entities, prefix):
            raise InvalidParameterValue("; ".join(problems))

    def check_call(self, endpoint: str, entity: str, urls: Iterable[str]) -> None:
        """403 unless every URL served entity ``entity`` will call (as the gateway tells) is allowed."""
        if not self.enabled:
            return
        for url in urls:
            if not self.allows(host := url_host(url)):
                raise PermissionDenied(
                    f"Endpoint '{endpoint}' served entity '{entity}': upstream host "
                    f"{host or url!r} is not allowed on this server (serve --allow-upstream)."
                )
