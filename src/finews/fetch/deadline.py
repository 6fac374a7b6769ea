"""Every request ends by its deadline: each socket operation may take only the time left.

httpx bounds each wait on the network (``timeout``), never a whole request, so a server sending a
byte a second holds the fetch for as long as it likes. Here the connection pools' network backend
is wrapped: connecting, TLS, every read and write get at most the time left before the calling
thread's deadline, and fail at once past it.
"""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import httpcore
import httpx

# a socket option as httpcore's network backends take it: (level, name, value) or (level, name, None, length)
SocketOption = tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]


class Deadlines:
    """When this thread's request must be done, checked by every socket operation it makes.

    Per thread, because one connection pool serves all the fetch threads: a socket operation
    belongs to the request of the thread making it.
    """

    def __init__(self) -> None:
        self._local = threading.local()

    @contextmanager
    def within(self, seconds: float) -> Iterator[None]:
        outer = getattr(self._local, "end", None)  # a robots.txt fetch inside a page fetch keeps the outer end
        end = time.monotonic() + seconds
        self._local.end = end if outer is None else min(end, outer)
        self._local.cut = False
        try:
            yield
        finally:
            self._local.end = outer

    def bound(self, timeout: float | None) -> float | None:
        """The time the next socket operation may take: its own timeout, or less as the end nears."""
        end = getattr(self._local, "end", None)
        if end is None:
            return timeout
        left = end - time.monotonic()
        self._local.cut = timeout is None or left < timeout
        if left <= 0:
            raise httpcore.ReadTimeout("deadline reached")
        return left if self._local.cut else timeout

    def reached(self) -> bool:
        """Whether the timeout that just happened was the deadline's, not a single slow wait's."""
        return bool(getattr(self._local, "cut", False))


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream, deadlines: Deadlines) -> None:
        self._stream = stream
        self._deadlines = deadlines

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, self._deadlines.bound(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, self._deadlines.bound(timeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        tls = self._stream.start_tls(ssl_context, server_hostname, self._deadlines.bound(timeout))
        return _DeadlineStream(tls, self._deadlines)

    def get_extra_info(self, info: str) -> object:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """Wraps a connection pool's backend: every socket it opens obeys the calling thread's deadline."""

    def __init__(self, backend: httpcore.NetworkBackend, deadlines: Deadlines) -> None:
        self._backend = backend
        self._deadlines = deadlines

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._backend.connect_tcp(host, port, self._deadlines.bound(timeout), local_address, socket_options)
        return _DeadlineStream(stream, self._deadlines)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._backend.connect_unix_socket(path, self._deadlines.bound(timeout), socket_options)
        return _DeadlineStream(stream, self._deadlines)

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def bound_sockets(client: httpx.Client, deadlines: Deadlines) -> None:
    """Put the deadline under every connection pool of ``client`` (direct, pinned or through a proxy).

    httpx takes no network backend; its pools (httpcore's, proxies included) keep theirs in
    ``_network_backend`` and open every connection with it, so it is wrapped there.
    """
    for transport in [client._transport, *client._mounts.values()]:
        if transport is None:
            continue
        pool = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if backend is None:
            raise RuntimeError(f"cannot bound the requests of {type(transport).__name__}: no network backend")
        # httpx's transports keep their pool and its backend private: reached by name, checked above
        pool._network_backend = _DeadlineBackend(backend, deadlines)  # type: ignore[union-attr]
