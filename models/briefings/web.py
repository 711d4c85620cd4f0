"""Web requests made on someone else's say-so: vetted addresses, one total deadline, a size cap, redirects in hand.

A calendar address a member types, or a file a Slack payload names, is fetched through `get`. The host is
looked up once; every address it resolves to is vetted by the caller's rule before any connection; the
connection goes to that vetted address (the Host header and the TLS certificate check still use the host
name, so a second lookup cannot lead elsewhere); each redirect is vetted the same way and decides its own
headers; and one deadline covers the lookup, the connections, every redirect, the headers and the body.
"""

from __future__ import annotations

import contextlib
import functools
import socket
import ssl
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from http.client import HTTPConnection, HTTPException, HTTPResponse
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from urllib.parse import SplitResult, urljoin, urlsplit

IPAddress = IPv4Address | IPv6Address
#: Looks a host name up: the addresses (as text) it resolves to for that port.
Resolve = Callable[[str, int], Sequence[str]]

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024
#: Cloud metadata services inside ranges a private network may use: AWS's IPv6 one (the IPv4 ones,
#: 169.254.169.254 and 169.254.170.2, are link-local) and Alibaba Cloud's 100.100.100.200.
_METADATA: tuple[IPv4Network | IPv6Network, ...] = (ip_network("fd00:ec2::254/128"), ip_network("100.100.0.0/16"))
_THIS_NETWORK = ip_network("0.0.0.0/8")
_NAT64 = ip_network("64:ff9b::/96")
_IPV4_COMPATIBLE = ip_network("::/96")


class Refused(Exception):
    """The request was not made, or not finished; `reason` is for logs and names at most the host."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TooLarge(Refused):
    """The answer was larger than the request may take."""


@dataclass(frozen=True)
class Page:
    """A complete 200 answer."""

    content_type: str
    body: bytes


@dataclass(frozen=True)
class Rules:
    """What one `get` may reach and take.

    `headers` is called for the first address and for each redirect: it returns the headers to send
    there, or raises Refused if that place must not be asked at all. `address_allowed` vets every
    address a host resolves to (one refused address refuses the host).
    """

    address_allowed: Callable[[IPAddress], bool]
    headers: Callable[[SplitResult], Mapping[str, str]]
    seconds: float = 20.0
    max_redirects: int = 5
    max_bytes: int = 5_000_000


def get(url: str, rules: Rules, resolve: Resolve | None = None) -> Page:
    """The body of an http(s) `url` answered 200, within `rules`; Refused otherwise."""
    deadline = _Deadline(rules.seconds)
    try:
        for _ in range(rules.max_redirects + 1):
            parts = _web_address(url)
            headers = {**rules.headers(parts), "Accept-Encoding": "identity"}
            connection = _connect(parts, rules.address_allowed, deadline, resolve or system_resolve)
            try:
                connection.request("GET", _target(parts), headers=headers)
                response = connection.getresponse()
                if response.status in _REDIRECTS:
                    location = (response.getheader("Location") or "").strip()
                    if not location:
                        raise Refused(f"{parts.hostname} redirected without saying where")
                    url = urljoin(url, location)
                    continue
                if response.status != HTTPStatus.OK:
                    raise Refused(f"{parts.hostname} answered {response.status}")
                body = _read(response, rules.max_bytes, deadline, parts.hostname or "")
                return Page(content_type=response.headers.get_content_type(), body=body)
            finally:
                connection.close()
        raise Refused(f"more than {rules.max_redirects} redirects")
    except (OSError, HTTPException, ValueError) as error:
        if deadline.expired:
            raise Refused(deadline.reason) from None
        raise Refused(f"the connection failed ({type(error).__name__})") from None
    finally:
        deadline.cancel()


def system_resolve(host: str, port: int) -> list[str]:
    """The addresses the system's resolver gives for `host` (numeric forms such as 2130706433 included)."""
    return [str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


# --- Which addresses may be reached -------------------------------------------------------------------


def public_address(address: IPAddress) -> bool:
    """An address on the public internet: not loopback, private, link-local, multicast, reserved or unspecified.

    An IPv6 address that carries an IPv4 one (IPv4-mapped or -compatible, 6to4, NAT64, Teredo) is judged
    by the IPv4 address it leads to.
    """
    address = _carried(address)
    return address.is_global and not (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or (isinstance(address, IPv6Address) and address.is_site_local)
    )


def public_or_on_premises_address(address: IPAddress) -> bool:
    """A public address, or one a private network uses: RFC 1918, unique-local IPv6 (fc00::/7), the shared
    space 100.64/10 (carrier-grade NAT, overlay networks) and the other ranges not routed on the internet.

    Never the app's own machine (loopback, 0.0.0.0/8, unspecified), link-local addresses (169.254.169.254
    is the metadata service of AWS, Google Cloud, Azure and others), AWS's and Alibaba Cloud's other
    metadata addresses, multicast or reserved ones (240/4, broadcast).
    """
    carried = _carried(address)
    if public_address(carried):
        return True
    return not (
        carried.is_loopback
        or carried.is_link_local
        or carried.is_multicast
        or carried.is_reserved
        or carried.is_unspecified
        or carried in _THIS_NETWORK
        or any(carried in network for network in _METADATA)
        or (isinstance(carried, IPv6Address) and carried.is_site_local)
    )


def _carried(address: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 address leads to, if it carries one; else the address itself."""
    if isinstance(address, IPv4Address):
        return address
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64 or (address in _IPV4_COMPATIBLE and int(address) > 1):
        return IPv4Address(int(address) & 0xFFFF_FFFF)
    return address


# --- One request --------------------------------------------------------------------------------------


def _web_address(url: str) -> SplitResult:
    parts = urlsplit(url)
    if parts.scheme.lower() not in {"http", "https"}:
        raise Refused(f"not a web address ({parts.scheme or 'no scheme'})")
    if not parts.hostname:
        raise Refused("no host name")
    return parts


def _target(parts: SplitResult) -> str:
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _connect(
    parts: SplitResult, allowed: Callable[[IPAddress], bool], deadline: _Deadline, resolve: Resolve
) -> HTTPConnection:
    host = parts.hostname or ""
    tls = parts.scheme.lower() == "https"
    port = parts.port or (443 if tls else 80)
    addresses = _addresses(host, port, resolve, deadline)
    refused = [address for address in addresses if not allowed(address)]
    if refused or not addresses:
        raise Refused(f"{host} resolves to {refused[0] if refused else 'nothing'}, which Rapport does not reach")
    problem: Exception | None = None
    for address in addresses:
        connection = _PinnedConnection(host, port, address, deadline, tls)
        try:
            connection.connect()
            return connection
        except OSError as error:
            connection.close()
            problem = error
            if deadline.expired:
                break
    raise Refused(f"could not connect to {host} ({type(problem).__name__})")


def _addresses(host: str, port: int, resolve: Resolve, deadline: _Deadline) -> list[IPAddress]:
    """The host's addresses, looked up once; the lookup runs aside so that a stalled resolver meets the deadline."""
    try:
        return [ip_address(host)]
    except ValueError:
        pass
    answer: list[Sequence[str] | OSError] = []
    done = threading.Event()

    def lookup() -> None:
        try:
            answer.append(resolve(host, port))
        except OSError as error:
            answer.append(error)
        finally:
            done.set()

    threading.Thread(target=lookup, name="web-lookup", daemon=True).start()
    if not done.wait(deadline.remaining()):
        raise Refused(f"looking {host} up took longer than {deadline.seconds:g} s")
    found = answer[0]
    if isinstance(found, OSError):
        raise Refused(f"{host} could not be looked up ({type(found).__name__})")
    return [ip_address(text.partition("%")[0]) for text in found]


class _PinnedConnection(HTTPConnection):
    """HTTP or HTTPS to an address already vetted: the connection makes no lookup of its own."""

    def __init__(self, host: str, port: int, address: IPAddress, deadline: _Deadline, tls: bool) -> None:
        super().__init__(host, port, timeout=deadline.remaining())
        self._address, self._deadline, self._tls = address, deadline, tls

    def connect(self) -> None:
        sock = socket.create_connection((str(self._address), self.port), timeout=self._deadline.remaining())
        self._deadline.watch(sock)
        if self._tls:
            sock = _tls_context().wrap_socket(sock, server_hostname=self.host, do_handshake_on_connect=False)
            self._deadline.watch(sock)
            sock.do_handshake()
        self.sock = sock


@functools.cache
def _tls_context() -> ssl.SSLContext:
    return ssl.create_default_context()


def _read(response: HTTPResponse, max_bytes: int, deadline: _Deadline, host: str) -> bytes:
    declared = response.getheader("Content-Length") or ""
    if declared.isdigit() and int(declared) > max_bytes:
        raise TooLarge(f"{host} announced {int(declared):,} bytes, over the {max_bytes:,} read")
    chunks: list[bytes] = []
    received = 0
    # read1 returns what has arrived, so the deadline is checked as bytes trickle in.
    while chunk := response.read1(_CHUNK):
        received += len(chunk)
        if received > max_bytes:
            raise TooLarge(f"{host} sent more than the {max_bytes:,} bytes read")
        deadline.remaining()
        chunks.append(chunk)
    if deadline.expired:  # the watchdog closed the connection: what arrived may be cut short
        raise Refused(deadline.reason)
    return b"".join(chunks)


class _Deadline:
    """One deadline for a whole request: each wait gets what is left, and a watchdog closes the connections
    when it passes, since a server sending a byte a second never lets a single wait time out."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._ends = time.monotonic() + seconds
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    @property
    def reason(self) -> str:
        return f"no complete answer within {self.seconds:g} s"

    def remaining(self) -> float:
        left = self._ends - time.monotonic()
        if left <= 0 or self.expired:
            raise Refused(self.reason)
        return left

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shut(sock)

    def cancel(self) -> None:
        self._timer.cancel()

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    """Wake whatever waits on the socket: shut down at the system level (TLS state is left to its owner)."""
    with contextlib.suppress(OSError):  # already closed, or never connected
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
