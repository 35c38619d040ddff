"""What keeps the local lab local: every request is checked before any route sees it.

* Host: only the loopback names and the host the server was bound to (DNS rebinding) -> 400.
* Query strings are bounded (414) and bodies are bounded (413), by Content-Length and by counting
  the bytes of a chunked body as they arrive.
* State-changing requests (POST, PUT, PATCH, DELETE) must come from the lab's own pages: a foreign
  ``Origin`` or ``Sec-Fetch-Site: cross-site`` -> 403. POST, PUT and PATCH bodies must be JSON
  (``Content-Type: application/json``, else 415) and may hold no NaN or infinity (``1e400``) -> 422.

Every refusal and every error is JSON ``{"error": "one line"}``; responses never carry NaN or
infinity (written as null), so the browser's ``JSON.parse`` always succeeds.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from llmlab.schema import finite_json

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
MAX_BODY_BYTES = 4 * 1024 * 1024
MAX_QUERY_BYTES = 8 * 1024
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
JSON_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
SAME_SITE_FETCHES = frozenset({"same-origin", "none"})
DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


class FiniteJSONResponse(JSONResponse):
    """JSON with every NaN or infinity written as null (Starlette's own answers 500 on them)."""

    def render(self, content: Any) -> bytes:
        return finite_json(content, indent=None).encode("utf-8")


def error_response(status: int, message: str, headers: Mapping[str, str] | None = None) -> FiniteJSONResponse:
    return FiniteJSONResponse({"error": " ".join(message.split())}, status_code=status, headers=headers)


def normalize_host(name: str) -> str:
    """``[::1]`` -> ``::1``, ``LocalHost.`` -> ``localhost``: the form hosts are compared in."""
    return name.strip().lower().removeprefix("[").removesuffix("]").rstrip(".")


def split_host(value: str) -> tuple[str, int | None] | None:
    """A Host header's name and port (``[::1]:8000`` -> ``('::1', 8000)``), or None if malformed."""
    value = value.strip()
    if value.startswith("["):
        name, bracket, rest = value[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            return None
        port_text = rest[1:] if rest else None
    else:
        if value.count(":") > 1:  # an IPv6 address must be bracketed in a Host header
            return None
        name, colon, port_text = value.partition(":")
        port_text = port_text if colon else None
    if not name:
        return None
    if port_text is None:
        return normalize_host(name), None
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        return None
    return normalize_host(name), int(port_text)


class _NonFinite(ValueError):
    pass


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise _NonFinite(text)
    return value


def _refuse_constant(text: str) -> Any:
    raise _NonFinite(text)


def check_json(body: bytes) -> str | None:
    """Why a JSON body is refused (not JSON, NaN, infinity, ``1e400``), or None if it is fine."""
    try:
        json.loads(body, parse_float=_finite_float, parse_constant=_refuse_constant)
    except _NonFinite as error:
        return f"request body holds the non-finite number {str(error)[:40]}: numbers must be finite"
    except RecursionError:
        return "request body is nested too deeply"
    except ValueError as error:  # JSONDecodeError, bad UTF-8, integers of thousands of digits
        return f"request body is not valid JSON: {error}"
    return None


class RequestGuard:
    """ASGI middleware applying the checks above before the app sees a request."""

    def __init__(self, app: ASGIApp, allowed_hosts: Iterable[str] = LOOPBACK_HOSTS,
                 max_body_bytes: int = MAX_BODY_BYTES, max_query_bytes: int = MAX_QUERY_BYTES) -> None:
        self.app = app
        self.allowed_hosts = frozenset(normalize_host(host) for host in allowed_hosts)
        self.max_body_bytes = max_body_bytes
        self.max_query_bytes = max_query_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {key.decode("latin-1").lower(): value.decode("latin-1") for key, value in scope["headers"]}
        refusal = self._check_host(headers)
        if scope["type"] == "websocket":
            if refusal:
                await send({"type": "websocket.close", "code": 1008})
            else:
                await self.app(scope, receive, send)
            return
        if refusal is None:
            refusal = self._check_request(scope, headers)
        if refusal is None:
            body, refusal = await self._read_body(receive)
            if body is None and refusal is None:
                return  # the client left before sending its body
        if refusal is None and scope["method"] in JSON_BODY_METHODS and body:
            problem = check_json(body)
            refusal = (422, problem) if problem else None
        if refusal is not None:
            status, message = refusal
            await error_response(status, message)(scope, receive, send)
            return

        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _check_host(self, headers: dict[str, str]) -> tuple[int, str] | None:
        host = split_host(headers.get("host", ""))
        if host is None:
            return 400, "missing or malformed Host header"
        if host[0] not in self.allowed_hosts:
            return 400, (f"host {host[0][:80]!r} is not served here: open the lab as "
                         f"http://127.0.0.1 or another address the server was started on")
        return None

    def _check_request(self, scope: Scope, headers: dict[str, str]) -> tuple[int, str] | None:
        if len(scope.get("query_string", b"")) > self.max_query_bytes:
            return 414, f"query string longer than {self.max_query_bytes} bytes"
        method = scope["method"]
        if method in UNSAFE_METHODS:
            refusal = self._check_origin(scope, headers)
            if refusal:
                return refusal
        if method in JSON_BODY_METHODS:
            media_type = headers.get("content-type", "").split(";")[0].strip().lower()
            if media_type != "application/json":
                return 415, "send the request body as JSON with Content-Type: application/json"
        length = headers.get("content-length")
        if length is not None:
            if not length.strip().isdigit():
                return 400, "malformed Content-Length header"
            if int(length) > self.max_body_bytes:
                return 413, f"request body larger than {self.max_body_bytes} bytes"
        return None

    def _check_origin(self, scope: Scope, headers: dict[str, str]) -> tuple[int, str] | None:
        fetch_site = headers.get("sec-fetch-site", "").strip().lower()
        if fetch_site and fetch_site not in SAME_SITE_FETCHES:
            return 403, f"cross-site {scope['method']} refused: use the lab's own pages or a local client"
        origin = headers.get("origin")
        if origin is None:
            return None  # not from a browser (curl, scripts) or a same-origin GET-like request
        host = split_host(headers.get("host", ""))
        request_port = host[1] if host and host[1] else DEFAULT_PORTS.get(scope.get("scheme", "http"), 80)
        try:
            parts = urlsplit(origin.strip())
            origin_host = normalize_host(parts.hostname or "")
            origin_port = parts.port or DEFAULT_PORTS.get(parts.scheme.lower(), 0)
        except ValueError:
            origin_host, origin_port = "", 0
        if host is None or (origin_host, origin_port) != (host[0], request_port):
            return 403, f"cross-origin {scope['method']} from {origin.strip()[:80]!r} refused: use the lab's own pages"
        return None

    async def _read_body(self, receive: Receive) -> tuple[bytes | None, tuple[int, str] | None]:
        """The whole body, counted as it arrives, or a 413 as soon as it grows past the limit."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None, None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                return None, (413, f"request body larger than {self.max_body_bytes} bytes")
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks), None
