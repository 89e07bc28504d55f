"""The app's server: its numbers equal the engine's, every bad request is refused and changes nothing,
and a slow run does not hold up the others."""
import base64
import http.client
import signal
import subprocess
import sys
import threading

import numpy as np
import pytest
from app_support import call, sample_data, sample_dominance, write_folder
from conftest import ROOT

import engine
from engine.app.guard import host_name
from engine.app.serve import bind, is_loopback, running
from engine.app.service import RunService
from engine.app.validate import MAX_BODY_BYTES, MAX_VARIABLES
from engine.cli import main
from engine.errors import ModelError


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return write_folder(tmp_path_factory.mktemp("scenarios"))


@pytest.fixture(scope="module")
def app(folder):
    service = RunService(folder, workers=2)
    with running(folder, service=service) as url:
        yield url, service


def test_the_folder_lists_scenarios_but_not_sweeps_or_calibrations(app):
    url, _ = app
    status, _, body = call(url, "/api/scenarios")
    assert status == 200
    names = [s["name"] for s in body["scenarios"]]
    assert names == ["broken", "cup", "fragile", "plain", "slow"]
    assert body["scenarios"][1]["description"].startswith("A cup of tea")
    status, _, body = call(url, "/api/scenario/fit")        # a calibration spec is not a scenario
    assert status == 404 or (status == 400 and "unknown scenario" in body["error"])


def test_a_scenario_without_levers_or_figures_gets_a_panel_per_stock(app):
    url, _ = app
    _, _, d = call(url, "/api/scenario/plain")
    assert d["groups"] == [] and d["years"] == [0, 5, 10]
    assert d["panels"] == [{"title": "water in the butt", "variables": ["water"], "units": "mm", "ylabel": ""}]


def test_a_scenario_describes_its_levers_panels_years_and_variables(app):
    url, _ = app
    status, _, d = call(url, "/api/scenario/cup")
    assert status == 200
    assert [g["name"] for g in d["groups"]] == ["Room", "Cup"]
    tau = d["groups"][1]["levers"][0]
    assert (tau["parameter"], tau["low"], tau["high"], tau["step"], tau["value"]) == ("tau", 1, 40, 0.5, 10)
    assert d["panels"] == [{"title": "Tea temperature", "variables": ["temperature", "excess"],
                            "units": "degF", "ylabel": "degF"}]
    assert d["years"] == [5, 10, 20] and d["time"]["units"] == "minute"
    assert {v["name"] for v in d["variables"]} == {"temperature", "heat_loss", "excess"}
    assert d["data"] == [] and d["dominance"] is True and d["max_variables"] == MAX_VARIABLES


def test_a_run_gives_the_engines_numbers_and_its_time(app, folder):
    url, _ = app
    status, headers, body = call(url, "/api/run", {"scenario": "cup", "params": {"tau": 4.5, "room": 20},
                                                   "variables": ["temperature", "excess"],
                                                   "baseline": ["temperature"]})
    assert status == 200
    engine_run = engine.load(folder / "cup.yaml").run(params={"tau": 4.5, "room": 20})
    baseline = engine.load(folder / "cup.yaml").run()
    assert np.array_equal(body["times"], engine_run.times)
    assert np.array_equal(body["values"]["temperature"], engine_run["temperature"][:, 0])
    assert np.array_equal(body["values"]["excess"], engine_run["excess"][:, 0])
    assert np.array_equal(body["baseline"]["temperature"], baseline["temperature"][:, 0])
    assert body["params"] == {"tau": 4.5, "room": 20} and body["is_baseline"] is False
    timing = dict(part.strip().split(";dur=") for part in headers["server-timing"].split(","))
    assert float(timing["run"]) > 0 and float(timing["total"]) >= float(timing["run"])


def test_arrays_sent_as_base64_are_the_same_numbers(app):
    url, _ = app
    ask = {"scenario": "cup", "params": {"tau": 3}, "variables": ["temperature"], "baseline": ["excess"]}
    _, _, plain = call(url, "/api/run", ask)
    _, _, packed = call(url, "/api/run", dict(ask, encoding="base64"))

    def unpack(text):
        return np.frombuffer(base64.b64decode(text), dtype="<f8").tolist()
    assert unpack(packed["times"]) == plain["times"]
    assert unpack(packed["values"]["temperature"]) == plain["values"]["temperature"]
    assert unpack(packed["baseline"]["excess"]) == plain["baseline"]["excess"]


def test_the_scenarios_own_settings_are_its_cached_baseline(app):
    url, service = app
    status, _, body = call(url, "/api/run", {"scenario": "cup", "params": {"tau": 10},
                                                   "variables": ["temperature"]})
    assert status == 200 and body["is_baseline"] and body["params"] == {} and body["run_ms"] == 0
    assert body["values"]["temperature"] == service.scenario("cup").baseline["temperature"][:, 0].tolist()


def test_a_scenario_extending_another_has_its_levers_at_its_own_values(app):
    url, _ = app
    _, _, d = call(url, "/api/scenario/slow")
    assert {lv["parameter"]: lv["value"] for g in d["groups"] for lv in g["levers"]} == {"room": 70, "tau": 20}


BAD_RUNS = [
    ({"scenario": "../cup"}, 400, "no path"),
    ({"scenario": "/etc/passwd"}, 400, "no path"),
    ({"scenario": "tea"}, 404, "no scenario 'tea'"),
    ({"scenario": "study"}, 404, "no scenario 'study'"),
    ({"scenario": 3}, 400, "'scenario' must be the name"),
    ({}, 400, "missing field 'scenario'"),
    ({"scenario": "cup", "extra": 1}, 400, "unknown field 'extra'"),
    ({"scenario": "cup", "params": {"tauu": 3}}, 400, "'tauu' is not a lever of this scenario (did you mean 'tau'?)"),
    ({"scenario": "cup", "params": {"heat_loss": 3}}, 400, "'heat_loss' is not a lever"),
    ({"scenario": "cup", "params": {"tau": 0.5}}, 400, "0.5 is outside the range of 'tau' [1, 40]"),
    ({"scenario": "cup", "params": {"tau": 41}}, 400, "41 is outside the range of 'tau' [1, 40]"),
    ({"scenario": "cup", "params": {"tau": "5"}}, 400, "must be a finite number, not \"5\""),
    ({"scenario": "cup", "params": {"tau": True}}, 400, "must be a finite number, not true"),
    ({"scenario": "cup", "params": {"tau": [5]}}, 400, "must be a finite number"),
    ({"scenario": "cup", "params": [5]}, 400, "'params' must be an object"),
    ({"scenario": "cup", "variables": "temperature"}, 400, "'variables' must be a list"),
    ({"scenario": "cup", "variables": ["nope"]}, 400, "'nope' is not a variable of this scenario"),
    ({"scenario": "cup", "variables": ["tau"]}, 400, "'tau' is not a variable"),
    ({"scenario": "cup", "variables": ["temperature", "temperature"]}, 400, "names a variable twice"),
    ({"scenario": "cup", "variables": ["a b"]}, 400, "is not a variable name"),
    ({"scenario": "cup", "variables": ["temperature"] * (MAX_VARIABLES + 1)}, 400, f"at most {MAX_VARIABLES}"),
    ({"scenario": "cup", "baseline": [{"x": 1}]}, 400, "is not a variable name"),
    ({"scenario": "cup", "encoding": "xml"}, 400, "'encoding' must be one of: json, base64"),
    ([1, 2], 400, "must be a JSON object"),
]


def test_bad_requests_are_refused_clearly_and_change_nothing(app):
    url, service = app
    good = {"scenario": "cup", "params": {"tau": 7}, "variables": ["temperature"]}
    _, _, before = call(url, "/api/run", good)
    before.pop("run_ms")
    state = service.cache_state()
    for body, status, message in BAD_RUNS:
        got, headers, answer = call(url, "/api/run", body)
        assert (got, message in answer["error"]) == (status, True), (body, answer)
        assert headers["content-type"] == "application/json"
    raw = [(b'{"scenario": "cup", "params": {"tau": NaN}}', "not a number JSON allows"),
           (b'{"scenario": "cup", "params": {"tau": Infinity}}', "not a number JSON allows"),
           (b'{"scenario": "cup", "params": {"tau": 1e999}}', "must be a finite number"),
           (b"{\"scenario\": ", "not valid JSON"), (b"\xff\xfe", "not UTF-8"),
           (b"[" * 20000 + b"]" * 20000, "not valid JSON")]
    for data, message in raw:
        got, _, answer = call(url, "/api/run", raw=data)
        assert got == 400 and message in answer["error"], (data[:40], answer)
    got, _, answer = call(url, "/api/run", good, headers={"Content-Type": "text/plain"})
    assert got == 415 and "Content-Type: application/json" in answer["error"]
    got, _, answer = call(url, "/api/run", raw=b" " * (MAX_BODY_BYTES + 1))
    assert got == 413 and f"larger than {MAX_BODY_BYTES} bytes" in answer["error"]
    assert service.cache_state() == state
    after = call(url, "/api/run", good)[2]
    after.pop("run_ms")
    assert after == before


def test_an_oversized_body_sent_in_chunks_is_cut_off(app):
    url, _ = app
    host, port = url.split("//")[1].strip("/").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    chunks = (b'{"scenario": "cup", "pad": "' + b"x" * 1000 for _ in range(100))
    conn.request("POST", "/api/run", body=chunks, headers={"Content-Type": "application/json"},
                 encode_chunked=True)
    res = conn.getresponse()
    assert res.status == 413 and b"larger than" in res.read()
    conn.close()


@pytest.mark.parametrize("method, path, status, message", [
    ("GET", "/api/run", 405, "Method Not Allowed"),
    ("PUT", "/api/run", 405, "Method Not Allowed"),
    ("GET", "/api/nothing", 404, "Not Found"),
    ("GET", "/api/scenario/..%2F..%2Fetc%2Fpasswd", 404, "Not Found"),
    ("GET", "/api/scenario/..cup", 400, "no path"),
    ("GET", "/api/scenario/tea", 404, "no scenario 'tea'"),
    ("GET", "/api/data/cup/nope", 400, "'nope' is not a variable"),
    ("GET", "/static/../service.py", 404, "Not Found"),
    ("GET", "/static/..%2Fservice.py", 404, "Not Found"),
])
def test_unknown_paths_and_methods_answer_in_json(app, method, path, status, message):
    url, _ = app
    got, _, body = call(url, path, method=method)
    assert got == status and message in body["error"]


def test_a_failing_run_and_a_broken_scenario_are_reported(app):
    url, _ = app
    got, _, body = call(url, "/api/run", {"scenario": "fragile", "params": {"k": 5}, "variables": ["s"]})
    assert got == 422 and "fragile.yaml:5: in 's': value became infinite" in body["error"]
    got, _, body = call(url, "/api/scenario/broken")
    assert got == 422 and "broken.yaml" in body["error"] and "unknown name 'nowhere'" in body["error"]


def test_requests_for_another_host_name_are_refused(app):
    url, _ = app
    got, _, body = call(url, "/api/health", headers={"Host": "attacker.example:8000"})
    assert got == 421 and "answers only for 127.0.0.1" in body["error"]
    got, headers, _ = call(url, "/api/health", headers={"Host": "localhost:1234"})
    assert got == 200
    assert headers["x-frame-options"] == "DENY" and "default-src 'self'" in headers["content-security-policy"]


def test_the_page_and_its_chart_library_are_served_from_the_package(app):
    url, _ = app
    parts = url.split("//")[1].strip("/").split(":")
    conn = http.client.HTTPConnection(parts[0], int(parts[1]), timeout=60)
    for path, kind in [("/", "text/html"), ("/static/js/app.js", "javascript"),
                       ("/static/vendor/uPlot.iife.min.js", "javascript"), ("/static/app.css", "text/css")]:
        conn.request("GET", path)
        res = conn.getresponse()
        text = res.read().decode()
        assert res.status == 200 and kind in res.getheader("content-type"), path
        assert "https://" not in text.replace("https://github.com/leeoniya/uPlot", ""), path   # no CDN
    conn.close()


def test_an_edited_scenario_is_read_again_when_the_page_asks_for_it(tmp_path):
    import os
    folder = write_folder(tmp_path)
    service = RunService(folder, workers=1)
    assert service.scenario("slow").levers["tau"].value == 20
    path = folder / "slow.yaml"
    path.write_text(path.read_text().replace("tau: 20", "tau: 30"))
    stat = os.stat(path)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert service.scenario("slow").levers["tau"].value == 20          # runs use what is loaded
    assert service.scenario("slow", fresh=True).levers["tau"].value == 30
    service.close()


class Gated(RunService):
    """Runs of scenario 'slow' wait until released: a deliberately slow request."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.slow_started = threading.Event()
        self.release = threading.Event()
        self.finished = []

    def simulate(self, sc, params, keep):
        if sc.name == "slow":
            self.slow_started.set()
            self.release.wait(timeout=120)
        result = super().simulate(sc, params, keep)
        self.finished.append(sc.name)
        return result


def test_a_slow_run_does_not_hold_up_a_fast_one(folder):
    service = Gated(folder, workers=2)
    answers = []
    with running(folder, service=service) as url:
        call(url, "/api/scenario/slow"), call(url, "/api/scenario/cup")      # both loaded first
        slow = threading.Thread(target=lambda: answers.append(("slow", call(url, "/api/run", {
            "scenario": "slow", "params": {"tau": 3}, "variables": ["temperature"]})[0])))
        slow.start()
        assert service.slow_started.wait(timeout=120)
        status, _, _ = call(url, "/api/run", {"scenario": "cup", "params": {"tau": 3}, "variables": ["temperature"]})
        answers.append(("fast", status))
        assert service.finished == ["cup"]          # the slow run is still waiting
        service.release.set()
        slow.join(timeout=120)
    assert answers == [("fast", 200), ("slow", 200)] and service.finished == ["cup", "slow"]


def test_data_points_and_loop_dominance_come_from_their_sources(folder):
    service = RunService(folder, workers=2, data_source=sample_data, dominance_source=sample_dominance,
                         has_dominance=lambda loaded: True)
    with running(folder, service=service) as url:
        _, _, d = call(url, "/api/scenario/cup")
        assert d["data"] == ["temperature"] and d["dominance"] is True
        _, _, body = call(url, "/api/data/cup/temperature")
        assert body["series"]["values"] == [181, 128, 110, 90] and body["series"]["low"][0] == 176
        assert call(url, "/api/data/cup/excess")[2]["series"] is None
        _, _, body = call(url, "/api/dominance", {"scenario": "cup", "variable": "temperature",
                                                  "params": {"tau": 30}})
        loops = body["dominance"]["loops"]
        assert [lp["name"] for lp in loops] == ["B1 cooling", "R1 steam"] and loops[0]["share"][0] == 0.75
        got, _, body = call(url, "/api/dominance", {"scenario": "cup", "variable": "temperature",
                                                    "params": {"tau": 99}})
        assert got == 400 and "outside the range" in body["error"]


def test_a_fault_in_a_feature_is_an_answer_in_json_not_a_dead_server(folder):
    def broken(loaded, params, variable):
        raise RuntimeError("the loop scores are not there")
    service = RunService(folder, workers=1, dominance_source=broken, has_dominance=lambda loaded: True)
    with running(folder, service=service) as url:
        got, _, body = call(url, "/api/dominance", {"scenario": "cup", "variable": "temperature"})
        assert got == 500 and body["error"] == "internal error (RuntimeError): the loop scores are not there"
        assert call(url, "/api/health")[0] == 200


def test_the_dominance_panel_scores_the_loops_of_the_variable(app):
    url, _ = app
    assert call(url, "/api/data/cup/temperature")[2] == {"variable": "temperature", "series": None}
    got, _, body = call(url, "/api/dominance", {"scenario": "cup", "variable": "temperature"})
    assert got == 200
    loops = body["dominance"]["loops"]
    # one stock, one (cooling) loop: balancing, and all of the behaviour after the first step
    assert len(loops) == 1 and loops[0]["polarity"] == "B"
    assert all(abs(s + 1) < 1e-9 for s in loops[0]["share"][1:])


def test_the_server_listens_on_loopback_and_a_taken_port_is_a_clear_error():
    sock = bind()
    try:
        assert sock.getsockname()[0] == "127.0.0.1"
        with pytest.raises(ModelError, match="cannot listen on 127.0.0.1"):
            bind("127.0.0.1", sock.getsockname()[1])
    finally:
        sock.close()
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.4")
    assert [host_name(h) for h in ("127.0.0.1:80", "[::1]:8000", "localhost", "::1")] == \
        ["127.0.0.1", "::1", "localhost", "::1"]


def test_the_app_command_refuses_what_it_cannot_serve(folder, capsys):
    assert main(["app", str(folder / "missing.yaml"), "--no-browser"]) == 2
    assert "missing.yaml: file not found" in capsys.readouterr().err
    assert main(["app", str(folder / "study.yaml"), "--no-browser"]) == 2
    assert "not a scenario" in capsys.readouterr().err
    assert main(["app", str(folder / "broken.yaml"), "--no-browser"]) == 2
    assert "unknown name 'nowhere'" in capsys.readouterr().err
    assert main(["app", str(folder / "cup.yaml"), "--host", "0.0.0.0", "--no-browser"]) == 2
    assert "would listen on every address" in capsys.readouterr().err


def test_the_app_command_serves_until_interrupted(folder):
    proc = subprocess.Popen([sys.executable, "-m", "engine", "app", str(folder / "cup.yaml"), "--no-browser"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    bound = threading.Timer(120, proc.kill)     # a hung command fails the test instead of hanging it
    bound.start()
    try:
        line = proc.stdout.readline()            # printed once the socket listens
        assert "carbonloop app: the scenarios of" in line, proc.stderr.read() if not line else line
        url = line.split(" at ")[1].split()[0]
        assert url.startswith("http://127.0.0.1:") and url.endswith("/?scenario=cup")
        assert call(url, "/api/health")[::2] == (200, {"status": "ok"})
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 0 and proc.stdout.read().strip() == "carbonloop app: stopped"
    finally:
        bound.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_every_file_of_the_page_is_in_the_package_data():
    import fnmatch
    import tomllib
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["engine"]
    static = ROOT / "engine" / "app" / "static"
    files = [p.relative_to(ROOT / "engine").as_posix() for p in static.rglob("*") if p.is_file()]
    assert {"app/static/index.html", "app/static/js/app.js", "app/static/vendor/uPlot.LICENSE"} <= set(files)
    assert [f for f in files if not any(fnmatch.fnmatch(f, p) for p in patterns)] == []


def test_the_model_as_javascript_only_where_the_app_offers_it(folder):
    import urllib.request
    with running(folder, service=RunService(folder, workers=1)) as url:
        status, _, d = call(url, "/api/scenario/cup")
        assert status == 200 and "model" not in d
        status, _, body = call(url, "/api/model/cup.js")
        assert status == 404 and "--in-page" in body["error"]
    with running(folder, service=RunService(folder, workers=1, in_page=True)) as url:
        _, _, d = call(url, "/api/scenario/cup")
        assert d["model"] == "/api/model/cup.js"
        with urllib.request.urlopen(url + "api/model/cup.js", timeout=60) as res:
            assert res.headers["content-type"].startswith("text/javascript")
            text = res.read().decode()
        assert text.startswith("// cup: generated by carbonloop") and "globalThis.carbonloopModel" in text
        status, _, body = call(url, "/api/model/nowhere.js")
        assert status == 404 and "no scenario 'nowhere'" in body["error"]


def test_the_dominance_legend_names_the_dominating_loops_and_groups_the_others(write):
    from engine.app.extras import LEGEND_MOST, dominance
    flows = "".join(f"  i{k}: x * {0.01 * k:g}\n  o{k}: x * {0.011 * k:g}\n" for k in range(1, 7))
    m = engine.load(write("scenario: many\ntime: {start: 0, stop: 10, dt: 0.25}\nstocks:\n"
                          "  x: {initial: 100, inflows: [i1, i2, i3, i4, i5, i6], outflows: [o1, o2, o3, o4, o5, o6]}\n"
                          "flows:\n" + flows))
    payload = dominance(m, {}, "x")
    names = [lp["name"] for lp in payload["loops"]]
    assert len(names) == len(set(names)) and 2 <= len(names) <= LEGEND_MOST + 1
    assert names[-1].startswith("other loops (") and payload["loops"][-1]["other"]
    assert not any(lp["other"] for lp in payload["loops"][:-1])
    d = m.dominance().through("x")
    dominating = {lp.label for lp in d.loops if d.dominant[lp.index, :, 0].any()}
    assert dominating <= set(names)
    total = np.abs([lp["share"] for lp in payload["loops"]]).sum(axis=0)
    np.testing.assert_allclose(total[1:], 1.0)          # the legend's entries still share the whole


def _raw_request(url, head: bytes, body_part: bytes):
    """A socket that has sent the headers of a POST to /api/run and part of its body."""
    import socket
    from urllib.parse import urlsplit
    parts = urlsplit(url)
    s = socket.create_connection((parts.hostname, parts.port), timeout=120)
    s.sendall(b"POST /api/run HTTP/1.1\r\nHost: " + f"{parts.hostname}:{parts.port}".encode()
              + b"\r\nContent-Type: application/json\r\nContent-Length: 100\r\n" + head + b"\r\n" + body_part)
    return s


def test_a_stalled_request_body_is_refused_and_its_connection_closed(folder):
    """The client sends 6 of the 100 bytes it announced and stops: the server answers 408 and
    closes the connection (the test waits for the close, which a 0.2 s limit brings soon)."""
    with running(folder, service=RunService(folder, workers=1), body_timeout_s=0.2) as url:
        s = _raw_request(url, b"", b'{"scen')
        got = b""
        while chunk := s.recv(4096):           # until the server closes the connection
            got += chunk
        s.close()
        assert got.startswith(b"HTTP/1.1 408 "), got[:80]
        assert b"stopped arriving" in got
        assert call(url, "/api/health")[0] == 200


def test_a_client_leaving_mid_body_logs_no_traceback(folder):
    """The server says it reads the body (100 Continue); the client then leaves."""
    import logging
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)
    keep = Keep(level=logging.DEBUG)
    log = logging.getLogger("uvicorn.error")
    try:
        with running(folder, service=RunService(folder, workers=1)) as url:
            log.addHandler(keep)            # after the server configured its logging
            s = _raw_request(url, b"Expect: 100-continue\r\n", b"")
            assert s.recv(4096).startswith(b"HTTP/1.1 100 ")    # the app is reading the body
            s.sendall(b'{"scen')
            s.close()
        # the server has stopped: every request it had was handled
    finally:
        log.removeHandler(keep)
    assert not [r for r in records if r.exc_info or "Exception" in r.getMessage()], \
        [r.getMessage() for r in records]


@pytest.mark.parametrize("headers, status", [
    ({"Sec-Fetch-Site": "cross-site"}, 403),
    ({"Sec-Fetch-Site": "same-site"}, 403),
    ({"Origin": "http://evil.example"}, 403),
    ({"Origin": "null"}, 403),
    ({"Sec-Fetch-Site": "same-origin"}, 200),
    ({}, 200),
])
def test_a_post_from_another_site_is_refused(app, headers, status):
    url, _ = app
    got, _, body = call(url, "/api/run", {"scenario": "cup", "variables": ["temperature"]}, headers=headers)
    assert got == status, body
    if status == 403:
        assert body["error"] == "a request from another site is refused"


def test_a_post_from_the_page_itself_passes_the_origin_check(app):
    url, _ = app
    origin = url.rstrip("/")
    got, _, _ = call(url, "/api/run", {"scenario": "cup", "variables": ["temperature"]},
                     headers={"Origin": origin, "Sec-Fetch-Site": "same-origin"})
    assert got == 200
