"""Which service URLs Blend will call back. The reply address comes from the activity, so an
unchecked one would let a crafted request make Blend post (with its token) anywhere."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from fnmatch import fnmatch
from urllib.parse import urlsplit

# Teams' Bot Connector hosts: public cloud, GCC, GCC High / DoD, and the Bot Framework's own.
TEAMS_SERVICE_HOSTS = (
    "smba.trafficmanager.net",
    "*.teams.microsoft.com",
    "*.teams.microsoft.us",
    "*.botframework.com",
)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class ServiceUrlPolicy:
    hosts: tuple[str, ...] = TEAMS_SERVICE_HOSTS
    loopback_only: bool = False  # local mode: the Playground and tests, nothing else

    def allows(self, url: object) -> bool:
        if not isinstance(url, str) or not url:
            return False
        try:
            parts = urlsplit(url)
            host = (parts.hostname or "").lower()
        except ValueError:
            return False
        if parts.username is not None or parts.password is not None:
            return False  # credentials in a callback URL: never legitimate, and parsers disagree on them
        if self.loopback_only:
            return parts.scheme in ("http", "https") and _is_loopback(host)
        return parts.scheme == "https" and any(fnmatch(host, pattern) for pattern in self.hosts)
