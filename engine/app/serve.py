"""Starting the app: bind a socket (loopback by default), serve it with uvicorn, in a thread or not."""
from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading

from ..errors import ModelError
from .server import BODY_TIMEOUT_S, create_app
from .service import RunService


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and 'localhost'."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A listening socket on ``host:port`` (port 0: a free one); a taken port is a clear error."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ModelError(f"cannot listen on {host}:{port}: {exc.strerror}",
                         hint="choose another --port, or leave it out for a free one") from None
    sock.listen(128)
    return sock


def url_of(sock: socket.socket) -> str:
    """The address of the page served on ``sock``."""
    host, port = sock.getsockname()[:2]
    return f"http://{f'[{host}]' if ':' in host else host}:{port}/"


def make_server(service: RunService, sock: socket.socket, body_timeout_s: float = BODY_TIMEOUT_S):
    """A uvicorn server for the app on an already bound socket (a request body that stalls for
    ``body_timeout_s`` seconds is refused and its connection closed)."""
    import uvicorn
    host = sock.getsockname()[0]
    app = create_app(service, () if is_loopback(host) else (host,), body_timeout_s)
    config = uvicorn.Config(app, http="h11", ws="none", loop="asyncio", lifespan="on",
                            log_level="warning", access_log=False, limit_concurrency=64,
                            timeout_graceful_shutdown=2)
    return uvicorn.Server(config)


@contextlib.contextmanager
def running(folder, *, host: str = "127.0.0.1", port: int = 0, service: RunService | None = None,
            body_timeout_s: float = BODY_TIMEOUT_S):
    """Serve the scenarios of ``folder`` in a background thread; yields the page's URL.

    The socket listens before this yields, so a request made at once waits for the server
    instead of failing.
    """
    service = service or RunService(folder)
    sock = bind(host, port)
    server = make_server(service, sock, body_timeout_s)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True,
                              name="carbonloop-app-server")
    thread.start()
    try:
        yield url_of(sock)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()
