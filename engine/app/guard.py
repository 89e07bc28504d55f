"""An ASGI wrapper that refuses requests for other host names, refuses cross-site requests that
change something (POST), and adds protective headers."""
from __future__ import annotations

import json
from urllib.parse import urlsplit

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
SAME_SITE = ("same-origin", "none")     # Sec-Fetch-Site values of the page's own requests (and typed URLs)
HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
    (b"content-security-policy",
     (b"default-src 'self'; img-src 'self' data: blob:; style-src 'self'; object-src 'none'; "
      b"base-uri 'none'; frame-ancestors 'none'; form-action 'none'")),
]


def host_name(header: str) -> str:
    """The host of a Host header, without its port ('[::1]:8000' -> '::1')."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


class Guard:
    """Serves only requests addressed to the hosts the server was bound for.

    A page elsewhere on the web cannot reach the app through a name that resolves to this machine
    (DNS rebinding): its requests carry that name in their Host header and are refused. A request
    that is not a GET and that a browser marks as coming from another site (``Sec-Fetch-Site``,
    or an ``Origin`` other than the server's own) is refused too, whatever its Content-Type.
    """

    def __init__(self, app, allowed_hosts=()):
        self.app = app
        self.allowed = {h.lower().strip("[]") for h in (*LOOPBACK_HOSTS, *allowed_hosts)}

    async def __call__(self, scope, receive, send):
        """Answer 400 to a request whose Host header is not an allowed host; pass the rest on."""
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        host = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
        if host_name(host) not in self.allowed:
            return await _refuse(send, f"this server answers only for {', '.join(sorted(self.allowed))}")
        if scope.get("method", "GET") not in SAFE_METHODS and _cross_site(scope["headers"], host):
            return await _refuse(send, "a request from another site is refused", 403)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message = dict(message, headers=[*message.get("headers", []), *HEADERS])
            await send(message)
        await self.app(scope, receive, send_with_headers)


def _cross_site(headers, host: str) -> bool:
    """Whether a browser says the request comes from a page of another site: its Sec-Fetch-Site,
    or an Origin whose host:port is not the Host it was sent to. Clients that are not browsers
    send neither and pass."""
    h = dict(headers)
    site = h.get(b"sec-fetch-site", b"").decode("latin-1").strip().lower()
    if site and site not in SAME_SITE:
        return True
    origin = h.get(b"origin")
    if origin is None:
        return False
    try:
        netloc = urlsplit(origin.decode("latin-1").strip()).netloc.lower()
    except ValueError:
        return True
    return not netloc or netloc != host.strip().lower()


async def _refuse(send, message: str, status: int = 421):
    body = json.dumps({"error": message}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()), *HEADERS]})
    await send({"type": "http.response.body", "body": body})
