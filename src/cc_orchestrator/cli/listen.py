"""The dashboard's listening socket, bound before cco says it is up."""

from __future__ import annotations

import errno
import socket

from cc_orchestrator.domain.errors import ConfigError, Conflict


def bind_dashboard(host: str, port: int) -> socket.socket:
    """Bind host:port now, so a port in use is one clear error before anything starts (and
    no other program can take the port between this check and the server's start).

    The socket is handed to uvicorn (`server.run(sockets=[...])`), which listens on it."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise ConfigError(
            f"cannot listen on {host!r}: {exc.strerror}",
            hint="set web.host to an address of this machine, e.g. 127.0.0.1, or pass --host",
        ) from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        sock.bind(address)
    except OSError as exc:
        sock.close()
        where = f"{host}:{port}"
        if exc.errno == errno.EADDRINUSE:
            raise Conflict(
                f"port {port} is already in use on {host} (another cco, or another program)",
                hint=f"pick a free one with --port N, or set it: cco config set web.port N "
                f"(or stop whatever listens on {where})",
            ) from None
        if exc.errno == errno.EACCES:
            raise ConfigError(
                f"not allowed to listen on {where} (ports below 1024 need root)",
                hint="pick a port above 1024 with --port N, or cco config set web.port N",
            ) from None
        raise ConfigError(
            f"cannot listen on {where}: {exc.strerror}",
            hint="check web.host and web.port (cco config get web), or pass --host / --port",
        ) from None
    sock.set_inheritable(True)
    return sock
