"""The app's web server: the page, its static files and a small JSON API over the run service."""
from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..errors import ModelError
from . import validate as v
from .describe import describe
from .guard import Guard
from .service import RunService

STATIC = Path(__file__).parent / "static"


def _json(payload, status=200, headers=None) -> Response:
    body = json.dumps(payload, allow_nan=False, separators=(",", ":"))
    return Response(body, status_code=status, media_type="application/json", headers=headers)


async def _body(request: Request):
    """The request's JSON body, refused when too large, not JSON or not sent as JSON."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise v.RequestError("send the request body as JSON (Content-Type: application/json)", 415)
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > v.MAX_BODY_BYTES):
        raise v.RequestError(f"the request body is larger than {v.MAX_BODY_BYTES} bytes", 413)
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > v.MAX_BODY_BYTES:
            raise v.RequestError(f"the request body is larger than {v.MAX_BODY_BYTES} bytes", 413)
    return v.parse_json(body)


class Api:
    """The routes of the JSON API, bound to one run service."""

    def __init__(self, service: RunService):
        self.service = service

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
        return _json(describe(sc, self.service.has_dominance(sc.loaded)))

    async def _scenario_of(self, body):
        name = v.scenario_name(body["scenario"], self.service.names())
        return await self.service.call(self.service.scenario, name)

    async def run(self, request):
        """Trajectories under lever settings, with the server's run time as a Server-Timing header."""
        t0 = time.perf_counter()
        body = v.fields(await _body(request), ("scenario",), ("params", "variables", "baseline"))
        sc = await self._scenario_of(body)
        params = v.lever_values(body.get("params"), sc.levers)
        shown = v.variable_names(body.get("variables"), sc.variables)
        base = v.variable_names(body.get("baseline"), sc.variables, "baseline")
        payload, run_ms = await self.service.call(self.service.run, sc.name, params, shown, base)
        payload["run_ms"] = run_ms
        timing = f"run;dur={run_ms:.2f}, total;dur={(time.perf_counter() - t0) * 1000:.2f}"
        return _json(payload, headers={"Server-Timing": timing})

    async def data(self, request):
        """The measured data points of one variable (``series`` is null when there are none)."""
        name = v.scenario_name(request.path_params["name"], self.service.names())
        sc = await self.service.call(self.service.scenario, name)
        variable = v.variable_name(request.path_params["variable"], sc.variables)
        return _json({"variable": variable, "series": sc.data.get(variable)})

    async def dominance(self, request):
        """Loop shares of one variable under lever settings (``dominance`` is null when none)."""
        body = v.fields(await _body(request), ("scenario", "variable"), ("params",))
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
    return _json({"error": f"the result cannot be sent: {exc}"}, 422)


def create_app(service: RunService, allowed_hosts=()) -> Guard:
    """The ASGI application: the page at ``/``, static files, the API under ``/api``."""
    api = Api(service)
    routes = [
        Route("/", _index),
        Route("/api/health", api.health),
        Route("/api/scenarios", api.scenarios),
        Route("/api/scenario/{name}", api.scenario),
        Route("/api/run", api.run, methods=["POST"]),
        Route("/api/data/{name}/{variable}", api.data),
        Route("/api/dominance", api.dominance, methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    handlers = {v.RequestError: _request_error, HTTPException: _http_error,
                ModelError: _model_error, ValueError: _value_error}
    app = Starlette(routes=routes, exception_handlers=handlers, lifespan=_lifespan(service))
    return Guard(app, allowed_hosts)


def _lifespan(service):
    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        service.close()
    return lifespan
