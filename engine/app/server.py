"""The app's web server: the page, its static files and a small JSON API over the run service."""
from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import time
from pathlib import Path

import numpy as np
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..errors import ModelError
from . import validate as v
from .describe import describe
from .guard import Guard
from .service import RunService

STATIC = Path(__file__).parent / "static"


def _base64(x) -> str:
    """An array as the base64 text of its little-endian float64 bytes (exact, and quick to make)."""
    return base64.b64encode(np.ascontiguousarray(x, dtype="<f8").tobytes()).decode("ascii")


# how /api/run writes its arrays: lists of numbers (default), or base64 float64 (what the page asks)
ENCODINGS = {"json": lambda x: x.tolist(), "base64": _base64}


def _encode(payload) -> bytes:
    return json.dumps(payload, allow_nan=False, separators=(",", ":")).encode()


def _json(payload, status=200, headers=None) -> Response:
    body = payload if isinstance(payload, bytes) else _encode(payload)
    return Response(body, status_code=status, media_type="application/json", headers=headers)


BODY_TIMEOUT_S = 30.0      # a request body that stops arriving for this long is refused


async def _body(request: Request, timeout_s: float = BODY_TIMEOUT_S):
    """The request's JSON body, refused when too large, not JSON, not sent as JSON or stalled
    (no part of it for ``timeout_s`` seconds: the connection is closed)."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise v.RequestError("send the request body as JSON (Content-Type: application/json)", 415)
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > v.MAX_BODY_BYTES):
        raise v.RequestError(f"the request body is larger than {v.MAX_BODY_BYTES} bytes", 413)
    body = b""
    parts = request.stream().__aiter__()
    while True:
        try:
            chunk = await asyncio.wait_for(parts.__anext__(), timeout_s)
        except StopAsyncIteration:
            break
        except TimeoutError:
            raise HTTPException(408, f"the request body stopped arriving for {timeout_s:g} s",
                                headers={"connection": "close"}) from None
        body += chunk
        if len(body) > v.MAX_BODY_BYTES:
            raise v.RequestError(f"the request body is larger than {v.MAX_BODY_BYTES} bytes", 413)
    return v.parse_json(body)


class Api:
    """The routes of the JSON API, bound to one run service."""

    def __init__(self, service: RunService, body_timeout_s: float = BODY_TIMEOUT_S):
        self.service = service
        self.body_timeout_s = body_timeout_s

    async def health(self, request):
        """Answers as soon as the server serves: for readiness checks."""
        return _json({"status": "ok"})

    async def scenarios(self, request):
        """The folder's scenarios (listed afresh)."""
        return _json({"scenarios": await self.service.call(self.service.listing)})

    async def scenario(self, request):
        """One scenario as the page needs it (reloaded if its files changed)."""
        name = v.scenario_name(request.path_params["name"], self.service.names())
        sc = await self.service.call(self.service.scenario, name, True)
        meta = describe(sc, self.service.has_dominance(sc.loaded))
        meta["bands"], meta["bands_error"] = await self.service.call(self.service.bands, name)
        if self.service.in_page and await self.service.call(self.service.model_source, name):
            meta["model"] = f"/api/model/{name}.js"
        return _json(meta)

    async def model(self, request):
        """The scenario's model as JavaScript, for the page to run itself (404 when not offered)."""
        name = v.scenario_name(request.path_params["name"], self.service.names())
        js = await self.service.call(self.service.model_source, name)
        if not js:
            raise v.RequestError("this app does not offer the model to run in the page "
                                 "(carbonloop app --in-page offers it where the model can be written)", 404)
        return Response(js, media_type="text/javascript")

    async def _scenario_of(self, body):
        name = v.scenario_name(body["scenario"], self.service.names())
        return await self.service.call(self.service.scenario, name)

    async def run(self, request):
        """Trajectories under lever settings, with the server's run time as a Server-Timing header."""
        t0 = time.perf_counter()
        body = v.fields(await _body(request, self.body_timeout_s), ("scenario",),
                        ("params", "variables", "baseline", "encoding"))
        sc = await self._scenario_of(body)
        params = v.lever_values(body.get("params"), sc.levers)
        shown = v.variable_names(body.get("variables"), sc.variables)
        base = v.variable_names(body.get("baseline"), sc.variables, "baseline")
        encoding = v.choice(body.get("encoding", "json"), ENCODINGS, "encoding")
        body, run_ms, encode_ms = await self.service.call(self._run, sc.name, params, shown, base,
                                                          ENCODINGS[encoding])
        timing = (f"run;dur={run_ms:.2f}, encode;dur={encode_ms:.2f}, "
                  f"total;dur={(time.perf_counter() - t0) * 1000:.2f}")
        return _json(body, headers={"Server-Timing": timing})

    def _run(self, name, params, shown, base, array):
        """The run and its JSON text, both on the thread pool (a large answer blocks no one)."""
        payload, run_ms = self.service.run(name, params, shown, base)
        t0 = time.perf_counter()
        payload.update(times=array(payload["times"]), run_ms=run_ms,
                       values={k: array(x) for k, x in payload["values"].items()},
                       baseline={k: array(x) for k, x in payload["baseline"].items()})
        body = _encode(payload)
        return body, run_ms, (time.perf_counter() - t0) * 1000

    async def data(self, request):
        """The measured data points of one variable (``series`` is null when there are none)."""
        name = v.scenario_name(request.path_params["name"], self.service.names())
        sc = await self.service.call(self.service.scenario, name)
        variable = v.variable_name(request.path_params["variable"], sc.variables)
        return _json({"variable": variable, "series": sc.data.get(variable)})

    async def dominance(self, request):
        """Loop shares of one variable under lever settings (``dominance`` is null when none)."""
        body = v.fields(await _body(request, self.body_timeout_s), ("scenario", "variable"), ("params",))
        sc = await self._scenario_of(body)
        params = v.lever_values(body.get("params"), sc.levers)
        variable = v.variable_name(body["variable"], sc.variables)
        out = await self.service.call(self.service.dominance, sc.name, params, variable)
        return _json({"variable": variable, "dominance": out})


async def _index(request):
    return FileResponse(STATIC / "index.html", media_type="text/html")


async def _request_error(request, exc: v.RequestError):
    return _json({"error": exc.message}, exc.status)


async def _http_error(request, exc: HTTPException):
    return _json({"error": exc.detail}, exc.status_code, headers=getattr(exc, "headers", None))


async def _model_error(request, exc: ModelError):
    return _json({"error": str(exc)}, 422)


async def _value_error(request, exc: ValueError):      # e.g. a run that gives no finite number
    return _json({"error": f"the request could not be answered: {exc}"}, 422)


async def _client_gone(request, exc: ClientDisconnect):     # nobody to answer; nothing to log
    return Response(status_code=400)


async def _server_error(request, exc: Exception):      # a fault of the app's own: logged by uvicorn
    return _json({"error": f"internal error ({type(exc).__name__}): {exc}"}, 500)


def create_app(service: RunService, allowed_hosts=(), body_timeout_s: float = BODY_TIMEOUT_S) -> Guard:
    """The ASGI application: the page at ``/``, static files, the API under ``/api``."""
    api = Api(service, body_timeout_s)
    routes = [
        Route("/", _index),
        Route("/api/health", api.health),
        Route("/api/scenarios", api.scenarios),
        Route("/api/scenario/{name}", api.scenario),
        Route("/api/run", api.run, methods=["POST"]),
        Route("/api/data/{name}/{variable}", api.data),
        Route("/api/model/{name}.js", api.model),
        Route("/api/dominance", api.dominance, methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    handlers: dict = {v.RequestError: _request_error, HTTPException: _http_error, ClientDisconnect: _client_gone,
                      ModelError: _model_error, ValueError: _value_error, Exception: _server_error}
    app = Starlette(routes=routes, exception_handlers=handlers, lifespan=_lifespan(service))
    return Guard(app, allowed_hosts)


def _lifespan(service):
    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        service.close()
    return lifespan
