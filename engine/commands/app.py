"""The ``app`` subcommand: serve the interactive simulator of a folder of scenarios; ``export-app``:
write one scenario's simulator as a single HTML file that needs no server."""
from __future__ import annotations

import threading
import webbrowser
from pathlib import Path
from urllib.parse import quote

from ..api import DEFAULT_SCENARIO
from ..errors import ModelError
from . import add_backend


def register(sub):
    """Add the 'app' subcommand."""
    p = sub.add_parser("app", help="explore a scenario in the browser: levers, runs against the baseline",
                       description="Serve a page with sliders for the scenario's levers (its 'levers:' "
                                   "section); every move reruns the model and draws it over the "
                                   "scenario as written. The picker offers every scenario of the "
                                   "scenario's folder. Serves on 127.0.0.1 unless --host says "
                                   "otherwise. See docs/app.md.")
    p.add_argument("scenario", nargs="?", default=str(DEFAULT_SCENARIO),
                   help="scenario YAML file to open first (default scenarios/default.yaml)")
    p.add_argument("--port", type=int, default=0, help="port to listen on (default: a free one)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1, this machine only)")
    p.add_argument("--no-browser", action="store_true", help="print the address; open no browser")
    p.add_argument("--workers", type=int, default=4, help="runs that may go on at once (default 4)")
    p.add_argument("--in-page", action="store_true",
                   help="the page runs the model itself, compiled to JavaScript, so that a slider move "
                        "never waits for the server (the server still gives the baseline, data and "
                        "loop dominance)")
    add_backend(p)
    p.set_defaults(func=cmd_app)
    e = sub.add_parser("export-app", help="write a scenario's simulator as one HTML file that runs with no server",
                       description="Write one self-contained HTML file: the app's page with the model "
                                   "compiled to JavaScript, its levers, panels, baseline, data points "
                                   "and documentation. Opened from disk or any static host it reruns "
                                   "the model in the page on every slider move, with no server and no "
                                   "network. See docs/app.md.")
    e.add_argument("scenario", nargs="?", default=str(DEFAULT_SCENARIO),
                   help="scenario YAML file (default scenarios/default.yaml)")
    e.add_argument("-o", "--output", required=True, help="the HTML file to write")
    e.add_argument("--no-dominance", action="store_true",
                   help="leave out the baseline's loop dominance (it takes about a hundred runs to compute)")
    e.set_defaults(func=cmd_export_app)


def cmd_app(args) -> int:
    """Serve the app for a scenario until interrupted."""
    from ..app.serve import bind, is_loopback, make_server, url_of
    from ..app.service import RunService
    path = Path(args.scenario)
    if not path.is_file():
        raise ModelError("file not found", file=str(path))
    if not 0 <= args.port <= 65535 or args.workers < 1:
        raise ModelError("--port must be 0-65535 and --workers at least 1")
    if args.host in ("", "0.0.0.0", "::"):
        raise ModelError(f"--host {args.host!r} would listen on every address, and the app answers "
                         "only requests addressed to the host it listens on",
                         hint="give the address others will reach it by, e.g. this machine's IP")
    service = RunService(path.parent, workers=args.workers, backend=args.backend, in_page=args.in_page)
    if path.stem not in service.names():
        raise ModelError("not a scenario (a sweep specification?)", file=str(path))
    service.scenario(path.stem)             # load and run it now: a broken model stops here
    threading.Thread(target=service.preload, name="preload", daemon=True).start()   # the others, meanwhile
    sock = bind(args.host, args.port)
    url = f"{url_of(sock)}?scenario={quote(path.stem)}"
    print(f"carbonloop app: the scenarios of {path.parent}/ at {url}  (Ctrl+C stops)", flush=True)
    if not is_loopback(args.host):
        print(f"carbonloop: warning: listening on {args.host}: anyone who can reach it can run "
              "the models", flush=True)
    if not args.no_browser:
        webbrowser.open(url)
    try:
        make_server(service, sock).run(sockets=[sock])
    except KeyboardInterrupt:           # uvicorn stops gracefully, then passes Ctrl+C on
        pass
    print("carbonloop app: stopped", flush=True)
    return 0


def cmd_export_app(args) -> int:
    """Write the scenario's page as one HTML file."""
    from ..app.export import export_app
    out = Path(args.output)
    if out.suffix.lower() not in (".html", ".htm"):
        raise ModelError("the output must be an .html file", file=str(out))
    info = export_app(Path(args.scenario), out, dominance=not args.no_dominance)
    print(f"carbonloop export-app: {out} ({info['bytes'] / 1024:.0f} kB: the model in JavaScript "
          f"{info['model_bytes'] / 1024:.0f} kB, {info['variables']} variables, {info['levers']} levers, "
          f"loop dominance of {len(info['dominance'])} variables)")
    return 0
