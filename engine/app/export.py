"""``carbonloop export-app``: one scenario as one self-contained HTML file that runs in any browser
with no server and no network.

The file holds the app's own page (``static/index.html``, its style sheet and its script modules
joined into one script), the vendored uPlot, the model as JavaScript (the JavaScript backend's
module), and the scenario as the page needs it: levers, panels, years, variables, the parameters'
documentation, the engine's baseline of the report's variables, the measured data points with their
sources, the predictive bands of the folder's calibrations of the scenario (read from their results when
the file is written) and the baseline's loop dominance, computed here. A Content-Security-Policy in the page
allows its own inline scripts and style (by hash) and nothing else: no request can leave it.
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import numpy as np

from ..backends.javascript import module_source
from ..errors import ModelError
from . import extras
from .describe import describe
from .service import RunService

STATIC = Path(__file__).parent / "static"
MODULES = STATIC / "js"
ENTRY = "app.js"
TOP_LOOPS = 8                   # loops of a dominance panel kept by name; the rest are summed
IMPORT = re.compile(r'^import \{([^}]*)\} from "\./([\w-]+)\.js";\n', re.M)
EXPORT = re.compile(r"^export (async function\*?|function\*?|class|const|let) ([\w$]+)", re.M)


def bundle_modules(folder: Path = MODULES, entry: str = ENTRY) -> str:
    """The page's ES modules joined into one script: each module becomes a function scope returning
    its exports, in the order their imports need (the page's modules import by name only)."""
    order: list = []

    def visit(name, stack=()):
        if name in order:
            return
        if name in stack:
            raise ValueError(f"the page's modules import each other in a circle: {' -> '.join((*stack, name))}")
        text = (folder / f"{name}.js").read_text()
        for _, dep in IMPORT.findall(text):
            visit(dep, (*stack, name))
        order.append(name)
    visit(entry.removesuffix(".js"))
    parts = []
    for name in order:
        text = (folder / f"{name}.js").read_text()
        body = IMPORT.sub(lambda m: f"const {{{m.group(1)}}} = _m_{_ident(m.group(2))};\n", text)
        exports = [m.group(2) for m in EXPORT.finditer(body)]
        body = EXPORT.sub(lambda m: f"{m.group(1)} {m.group(2)}", body)
        parts.append(f"// ---- {name}.js\nconst _m_{_ident(name)} = (() => {{\n{body}\n"
                     f"return {{ {', '.join(exports)} }};\n}})();\n")
    return "".join(parts)


def _ident(name: str) -> str:
    return name.replace("-", "_")


def _base64(x) -> str:
    return base64.b64encode(np.ascontiguousarray(x, dtype="<f8").tobytes()).decode("ascii")


def _json(x) -> str:
    """JSON safe inside an HTML script element."""
    return json.dumps(x, allow_nan=False, separators=(",", ":")).replace("<", "\\u003c")


def _sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def trim_dominance(payload: dict, top: int = TOP_LOOPS) -> dict:
    """A loop-dominance payload with the ``top`` loops of largest mean share by name, the others
    summed as one ('other loops'), shares to 4 significant digits (what a bar chart shows)."""
    loops = payload["loops"]
    order = sorted(range(len(loops)), key=lambda i: -float(np.mean(np.abs(loops[i]["share"]))))
    chosen = set(order[:top])
    kept = [lp for i, lp in enumerate(loops) if i in chosen]        # in the analysis's order
    rest = [lp for i, lp in enumerate(loops) if i not in chosen]
    out = [dict(lp, share=[float(f"{s:.4g}") for s in lp["share"]]) for lp in kept]
    if rest:
        total = np.sum([np.abs(lp["share"]) for lp in rest], axis=0)
        out.append({"name": f"{len(rest)} other loops", "polarity": "",
                    "share": [float(f"{s:.4g}") for s in total]})
    return {"times": payload["times"], "loops": out}


def scenario_bundle(sc, service: RunService, dominance: bool = True) -> dict:
    """What the page needs of a scenario, as JSON: its description, the engine's baseline of the
    report's variables (base64 float64, exact), data points and the baseline's loop dominance of
    those variables (from the service's source of loop shares)."""
    meta = describe(sc, dominance=False)
    shown = list(dict.fromkeys(v for p in meta["panels"] for v in p["variables"]))
    shares: dict = {}
    if dominance and service.has_dominance(sc.loaded):
        if service.dominance_source is extras.dominance:          # the engine's: one analysis for all
            result = sc.loaded.dominance(verify=False)
            found = {v: extras.dominance_of(result, v) for v in shown}
        else:
            found = {v: service.dominance_source(sc.loaded, {}, v) for v in shown}
        shares = {v: trim_dominance(payload) for v, payload in found.items() if payload is not None}
    meta["dominance"] = bool(shares)
    meta["bands"], meta["bands_error"] = service.bands(sc.name)
    return {"scenario": meta, "baseline": {v: _base64(sc.baseline[v][:, 0]) for v in shown},
            "data": sc.data, "dominance": shares}


def page(bundle: dict, model_js: str) -> str:
    """The self-contained HTML text of the page."""
    html = (STATIC / "index.html").read_text()
    css = (STATIC / "vendor" / "uPlot.min.css").read_text() + "\n" + (STATIC / "app.css").read_text()
    uplot = (STATIC / "vendor" / "uPlot.iife.min.js").read_text()
    app = bundle_modules()
    scripts = [uplot, model_js, app]
    csp = ("default-src 'none'; script-src " + " ".join(_sha(s) for s in scripts) + "; style-src " + _sha(css) +
           "; img-src data: blob:; connect-src 'none'; font-src 'none'; media-src 'none'; object-src 'none'; "
           "frame-src 'none'; worker-src 'none'; manifest-src 'none'; base-uri 'none'; form-action 'none'")
    head = (f'<meta http-equiv="Content-Security-Policy" content="{csp}">\n'
            f"  <style>{css}</style>\n  <script>{uplot}</script>\n  <script>{model_js}</script>\n"
            f'  <script type="application/json" id="carbonloop-bundle">{_json(bundle)}</script>\n'
            f'  <script type="module">{app}</script>')
    start = html.index('  <link rel="stylesheet" href="/static/vendor/uPlot.min.css">')
    end = html.index("</head>")
    if "</script" in model_js.lower() or "</script" in app.lower() or "</style" in css.lower():
        raise ValueError("a script or style of the page holds an end tag")
    return html[:start] + "  " + head + "\n" + html[end:]


def export_app(scenario: Path, out: Path, dominance: bool = True, service: RunService | None = None) -> dict:
    """Write the page of ``scenario`` to ``out``; returns what it holds (sizes, variables). The
    scenario is loaded by a run service of its folder (``service``, or a new one), as the app does."""
    scenario = Path(scenario)
    if not scenario.is_file():
        raise ModelError("file not found", file=str(scenario))
    own = service is None
    service = service or RunService(scenario.parent, workers=1, backend="numpy")
    try:
        if scenario.stem not in service.names():
            raise ModelError("not a scenario (a sweep specification?)", file=str(scenario))
        sc = service.scenario(scenario.stem)
        plan = sc.loaded.plan(keep=list(sc.variables))
        model_js = module_source(plan)
        bundle = scenario_bundle(sc, service, dominance)
    finally:
        if own:
            service.close()
    text = page(bundle, model_js)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return {"bytes": len(text.encode()), "model_bytes": len(model_js.encode()), "variables": len(plan.saved),
            "levers": sum(len(g["levers"]) for g in bundle["scenario"]["groups"]),
            "dominance": sorted(bundle["dominance"])}
