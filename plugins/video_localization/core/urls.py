"""Which hosts a user's URL may point at: public ones, unless the operator allows more.

A run's `source` URL is fetched by a vendor and its notification target is called by our worker. A URL
naming loopback (`127.0.0.1:22`, `[::1]`, `localhost`), link-local (`169.254.169.254`, the cloud
metadata service), a private or shared range, or a name that does not resolve, is at best a paid job
that fails and at worst a request into a network the user should not reach. Such URLs are refused at
plan time unless `[video_localization] allow_private_urls` is true or the host is on
`allowed_url_hosts` (names, `host:port`, IPs or CIDR networks). The sandbox, the stack and the tests
allow their own host that way: production code has no other path around the check.

Host names are resolved (within `url_resolve_timeout`) and every address they resolve to must be public.
Numeric shorthands a fetcher would read as an address (`2130706433`, `0x7f.1`, `127.1`) are read as one.
This is a plan-time check: it does not stop a name that later re-resolves elsewhere (DNS rebinding).
"""

from __future__ import annotations

import ipaddress
import socket
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any
from urllib.parse import urlparse

from video_localization.core import trust_settings
from video_localization.core.errors import InvalidInputError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
_RESOLVER = ThreadPoolExecutor(max_workers=2, thread_name_prefix="vloc-resolve")


def _as_address(host: str) -> IPAddress | None:
    """An IP literal, or a numeric shorthand `inet_aton` (and so most fetchers) reads as IPv4."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is None and host and all(c in "0123456789abcdefx." for c in host.lower()):
        try:
            address = ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_public(address: IPAddress) -> bool:
    """Globally routable unicast: not private, loopback, link-local, shared, reserved or multicast."""
    return address.is_global and not address.is_multicast and not address.is_unspecified


def _resolve(host: str, port: int | None) -> list[IPAddress]:
    """Every address `host` resolves to; empty when it does not (or not in time)."""
    future = _RESOLVER.submit(socket.getaddrinfo, host, port or 443, 0, socket.SOCK_STREAM)
    try:
        infos = future.result(timeout=trust_settings.url_resolve_timeout())
    except (OSError, UnicodeError, FutureTimeout):
        return []
    found = []
    for info in infos:
        address = _as_address(str(info[4][0]).split("%", 1)[0])
        if address is not None:
            found.append(address)
    return found


def host_is_allowed(host: str, port: int | None, entries: list[str] | None = None) -> bool:
    """True when `allowed_url_hosts` names this host, host:port, address or a network holding it."""
    entries = trust_settings.allowed_url_hosts() if entries is None else entries
    host = host.lower().strip("[]")
    address = _as_address(host)
    for entry in (item.strip().lower() for item in entries):
        if not entry:
            continue
        name, _, wanted_port = entry.rpartition(":") if _has_port(entry) else (entry, "", "")
        name = name.strip("[]")
        if wanted_port and str(port) != wanted_port:
            continue
        if name == host:
            return True
        if address is not None and "/" in name:
            try:
                if address in ipaddress.ip_network(name, strict=False):
                    return True
            except ValueError:
                continue
        elif address is not None and _as_address(name) == address:
            return True
    return False


def _has_port(entry: str) -> bool:
    """`host:port` or `[v6]:port` (a bare IPv6 address has colons but no port)."""
    if entry.startswith("["):
        return "]:" in entry
    return entry.count(":") == 1


def refusal_reason(host: str, port: int | None) -> str | None:
    """Why a URL to `host` is refused (None: it may be used)."""
    host = host.lower().strip("[]").rstrip(".")
    if not host:
        return "it has no host"
    if trust_settings.allow_private_urls() or host_is_allowed(host, port):
        return None
    if host in _LOCAL_NAMES or host.endswith(".localhost"):
        return f"{host} is this machine"
    address = _as_address(host)
    if address is not None:
        return None if is_public(address) else f"{address} is {_kind(address)}"
    addresses = _resolve(host, port)
    if not addresses:
        return f"the host name {host} does not resolve"
    private = [address for address in addresses if not is_public(address)]
    if private:
        return f"{host} resolves to {private[0]}, {_kind(private[0])}"
    return None


def _kind(address: IPAddress) -> str:
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address (e.g. a cloud metadata service)"
    if address.is_private:
        return "a private-network address"
    if address.is_multicast:
        return "a multicast address"
    return "not a public address"


ALLOWED_HOSTS_TEXT = (
    "a public host (loopback, link-local, private and unresolvable hosts need "
    "[video_localization] allowed_url_hosts or allow_private_urls)"
)


def check_public_url(field: str, url: str, *, shown: Any = None) -> None:
    """Refuse `url` (already a syntactically valid http(s) URL) when its host is not public."""
    parsed = urlparse(url)
    try:
        port = parsed.port
    except ValueError:
        raise InvalidInputError(field, shown or url, "a URL with a port from 1 to 65535") from None
    reason = refusal_reason(parsed.hostname or "", port)
    if reason:
        raise InvalidInputError(field, shown if shown is not None else url, ALLOWED_HOSTS_TEXT, reason)


def check_public_host(field: str, value: Any, host: str, port: int | None) -> None:
    """Like `check_public_url`, for a connection's host (which may itself be a URL)."""
    if "://" in host:
        parsed = urlparse(host)
        host, port = parsed.hostname or "", port or _port_or_none(parsed)
    reason = refusal_reason(host, port)
    if reason:
        raise InvalidInputError(field, value, ALLOWED_HOSTS_TEXT, reason)


def _port_or_none(parsed: Any) -> int | None:
    try:
        return parsed.port
    except ValueError:
        return None
