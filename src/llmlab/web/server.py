"""Serving the lab: bind the socket first (so a bad host or a busy port is one clear error), then
hand that socket to uvicorn with an app that answers only to the names it was bound to."""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import socket
import sys

from llmlab.errors import LlmlabError
from llmlab.web.security import LOOPBACK_HOSTS, normalize_host

WILDCARD_HOSTS = ("0.0.0.0", "::")
MAX_CONNECTIONS = 128  # uvicorn answers 503 beyond this many concurrent connections


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port``, or an LlmlabError saying what to change."""
    if not 1 <= port <= 65535:
        raise LlmlabError(f"port {port} is outside 1-65535: pick another with --port")
    name = host.strip().removeprefix("[").removesuffix("]")
    if not name:
        raise LlmlabError("cannot bind host '': give an address such as 127.0.0.1 or a name this machine resolves")
    try:
        found = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as error:
        raise LlmlabError(f"cannot bind host {host!r}: {error.strerror}: give an address such as 127.0.0.1 "
                          "or a name this machine resolves") from None
    except (UnicodeError, ValueError) as error:
        raise LlmlabError(f"cannot bind host {host!r}: {error}") from None
    if not found:
        raise LlmlabError(f"cannot bind host {host!r}: it resolves to no address")
    family, kind, proto, _, address = sorted(found, key=lambda entry: entry[0] != socket.AF_INET)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: restart over TIME_WAIT
        sock.bind(address)
        sock.listen(2048)
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise LlmlabError(f"port {port} on {host} is in use: pick another with --port") from None
        if error.errno == errno.EACCES:
            raise LlmlabError(f"cannot listen on port {port} on {host}: permission denied "
                              "(ports below 1024 need root): pick another with --port") from None
        if error.errno == errno.EADDRNOTAVAIL:
            raise LlmlabError(f"cannot bind host {host!r}: that address does not belong to this machine") from None
        raise LlmlabError(f"cannot bind host {host!r} on port {port}: {error.strerror or error}") from None
    sock.set_inheritable(True)
    return sock


def allowed_hosts(host: str, sock: socket.socket) -> list[str]:
    """The Host names the lab answers to: loopback, the name it was started with and its address;
    for a wildcard address (0.0.0.0, ::) also this machine's name and addresses."""
    names = [*LOOPBACK_HOSTS, normalize_host(host), normalize_host(str(sock.getsockname()[0]))]
    if normalize_host(host) in WILDCARD_HOSTS:
        machine = socket.gethostname()
        names += [machine, socket.getfqdn()]
        with contextlib.suppress(OSError):
            names += [str(entry[4][0]) for entry in socket.getaddrinfo(machine, None)]
    return list(dict.fromkeys(normalize_host(name) for name in names if name))


def is_loopback(sock: socket.socket) -> bool:
    try:
        return ipaddress.ip_address(str(sock.getsockname()[0]).split("%")[0]).is_loopback
    except ValueError:
        return False


def serve(host: str, port: int) -> None:
    """Serve the lab on ``host:port`` until Ctrl+C. Anything but loopback is warned about: no login."""
    sock = bind(host, port)
    # A CPU-bound thread (a @heavy route, training) holds the GIL for up to the switch interval each time
    # the event loop asks for it: 1 ms instead of 5 keeps pages and cheap endpoints quick meanwhile.
    sys.setswitchinterval(0.001)
    shown = _url_host(host.strip().removeprefix("[").removesuffix("]"))
    try:
        import uvicorn

        from llmlab.web.app import create_app

        app = create_app(allowed_hosts=allowed_hosts(host, sock))
        config = uvicorn.Config(app, log_level="warning", proxy_headers=False, server_header=False,
                                limit_concurrency=MAX_CONNECTIONS, timeout_keep_alive=5, timeout_graceful_shutdown=3)
        server = uvicorn.Server(config)
    except BaseException:
        sock.close()
        raise
    if not is_loopback(sock):
        print(f"llmlab serve: warning: the lab has no authentication: anyone who can reach {shown}:{port} "
              "can use it and start training runs", file=sys.stderr)
    print(f"llmlab lab on http://{shown}:{port} (Ctrl+C stops it)", file=sys.stderr, flush=True)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn re-raises the Ctrl+C it handled: stopping is the normal way out
        pass
    finally:
        sock.close()
