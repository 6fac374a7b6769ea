"""Connecting to the very address that was checked, closing the DNS-rebinding gap.

Checking a name and then letting the HTTP library resolve it again leaves a window: a hostile DNS
server answers a public address to the check and 127.0.0.1 (or the cloud metadata address) to the
connection. Here the name is resolved once, every answer is checked, and the socket is opened to
one of those checked addresses. httpcore still knows the request by its name, so the Host header,
the TLS server name (SNI) and the certificate check are for the name, not the address.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterable

import httpcore
import httpx
from httpcore._backends.sync import SyncBackend, SyncStream

from .addresses import Resolver, checked_addresses
from .deadline import SocketOption

# (address, port), timeout -> a connected socket: socket.create_connection, or a test's own router
Connector = Callable[[tuple[str, int], float | None], socket.socket]


def direct_connect(address: tuple[str, int], timeout: float | None) -> socket.socket:
    return socket.create_connection(address, timeout)


class PinnedBackend(SyncBackend):
    """httpcore's blocking backend, resolving each name once and connecting only to its checked answers."""

    def __init__(self, resolve: Resolver, connect: Connector = direct_connect) -> None:
        self.resolve = resolve
        self.connect = connect

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.NetworkStream:
        # AddressRefused or HostNotResolved: httpx passes errors that are not httpcore's through untouched
        addresses = checked_addresses(host, port, self.resolve)
        last: OSError | None = None
        for address in addresses:  # as create_connection does: the next answer when one is unreachable
            try:
                sock = self.connect((address.split("%", 1)[0], port), timeout)
            except TimeoutError:
                raise httpcore.ConnectTimeout(f"timed out connecting to {host} ({address})") from None
            except OSError as exc:
                last = exc
                continue
            for option in socket_options or ():
                sock.setsockopt(*option)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return SyncStream(sock)
        raise httpcore.ConnectError(f"{host}: {last or 'no address'}")


class PinnedTransport(httpx.HTTPTransport):
    """httpx's transport with :class:`PinnedBackend` under its connection pool (direct connections only)."""

    def __init__(self, resolve: Resolver, connect: Connector, *, limits: httpx.Limits) -> None:
        super().__init__(limits=limits)
        # httpx offers no network_backend argument; the pool it built is replaced by the same one with ours
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=PinnedBackend(resolve, connect),
        )
