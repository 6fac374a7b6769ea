"""Keeping finews from being turned against the user's own network (SSRF).

Sources and the pages they link to come from strangers. By default every request, and every
redirect it follows, must go to a public address: loopback, private ranges (10/8, 172.16/12,
192.168/16), link-local (169.254.169.254, the cloud metadata service), unique-local IPv6 and
other reserved ranges are refused. The host is resolved first, so a DNS name pointing inside and
IP literals in decimal or octal forms (``2130706433``, ``0177.0.0.1``, which the C resolver
accepts) are caught too. ``allow_private = true`` (for all sources, or one) lifts it, for feeds
on the user's own LAN. The connection then goes to one of the addresses checked, never to a
second answer of the resolver (DNS rebinding): see :mod:`finews.fetch.pinning`.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable

from ..errors import AddressRefused, HostNotResolved

Resolver = Callable[[str, int], list[str]]


def system_resolver(host: str, port: int) -> list[str]:
    return [str(info[4][0]) for info in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)]


def checked_addresses(host: str, port: int, resolve: Resolver = system_resolver) -> list[str]:
    """The addresses ``host`` resolves to, all public.

    Otherwise :class:`AddressRefused` or :class:`HostNotResolved`, reported for ``host`` alone: the caller
    knowing the URL reports it for the URL (:meth:`~finews.errors.FetchError.for_url`).
    """
    try:
        addresses = resolve(host.strip("[]"), port)
    except (OSError, UnicodeError) as exc:
        raise HostNotResolved(host, f"cannot resolve {host}: {exc}") from None
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        if not ip.is_global:
            raise AddressRefused(
                host,
                f"refused: {host} is {ip}, an address on a private, loopback or reserved network "
                "(set allow_private = true for this source to fetch it)",
            )
    return addresses


def check_public(url: str, host: str, port: int, resolve: Resolver = system_resolver) -> None:
    """:class:`AddressRefused` (or :class:`HostNotResolved`) for ``url`` unless every address of ``host`` is public."""
    try:
        checked_addresses(host, port, resolve)
    except (AddressRefused, HostNotResolved) as exc:
        raise exc.for_url(url) from None
