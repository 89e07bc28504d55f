"""The app's page in a real headless browser (Debian's chromium driven by Playwright): sliders, numbers
against the engine's own runs, scenario switching, shared links, search, downloads, data points, dominance.

The same tests run against the server app and against the page exported as one file
(``carbonloop export-app``) opened from a file:// address, where the model runs in the page as
JavaScript: its numbers equal the engine's within 1e-9 relative (the server's exactly)."""
import functools
import shutil
from pathlib import Path

import numpy as np
import pytest
from app_support import calibrated_folder, sample_data, sample_dominance, write_folder
from conftest import ROOT

import engine
from engine.app.export import export_app
from engine.app.serve import running
from engine.app.service import RunService

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser"),    # one browser, servers and exports once
              pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed "
                                                          "(apt-get install chromium; .ci/run does it)")]
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
BOUND = 120_000                 # ms: an upper bound on waiting for the page, never a measurement


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


RTOL_FILE = 1e-9                # the page's JavaScript model against the engine's numpy run
LARGEST = {}                    # the largest difference seen, by test (printed at the end of the module)


class Served:
    """A folder served by the app: ``url(scenario)`` is the page of one of its scenarios. With
    ``in_page`` the page runs the model itself (carbonloop app --in-page)."""

    def __init__(self, base, in_page=False):
        self.base = base
        self.kind = "page" if in_page else "server"
        self.rtol = RTOL_FILE if in_page else 0.0

    def url(self, scenario, query=""):
        return f"{self.base}?scenario={scenario}{query}"


class Exported:
    """Scenarios of a folder exported as files (once each): ``url(scenario)`` opens one from disk."""

    kind = "file"
    rtol = RTOL_FILE

    def __init__(self, folder, out, service=None, dominance=True):
        self.folder, self.out, self.service, self.dominance = folder, out, service, dominance
        self.files: dict = {}

    def path(self, scenario):
        if scenario not in self.files:
            self.files[scenario] = self.out / f"{scenario}.html"
            export_app(self.folder / f"{scenario}.yaml", self.files[scenario], service=self.service,
                       dominance=self.dominance)
        return self.files[scenario]

    def url(self, scenario, query=""):
        return f"{self.path(scenario).as_uri()}?scenario={scenario}{query}"


@pytest.fixture(scope="module", params=["server", "page", "file"])
def flagship(request, tmp_path_factory):
    if request.param == "file":
        # the flagship's loop dominance (a hundred runs' time) is left out here; the cup's is drawn
        yield Exported(ROOT / "scenarios", tmp_path_factory.mktemp("exported"), dominance=False)
        return
    in_page = request.param == "page"
    with running(ROOT / "scenarios", service=RunService(ROOT / "scenarios", in_page=in_page)) as url:
        yield Served(url, in_page)


@pytest.fixture(scope="module", params=["server", "file"])
def cups(request, tmp_path_factory):
    folder = write_folder(tmp_path_factory.mktemp("cups"))
    service = RunService(folder, data_source=sample_data, dominance_source=sample_dominance,
                         has_dominance=lambda loaded: True)
    if request.param == "file":
        yield Exported(folder, tmp_path_factory.mktemp("cups-exported"), service), folder
        return
    with running(folder, service=service) as url:
        yield Served(url), folder


@pytest.fixture
def page(browser):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    problems = []
    pg.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    pg.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    yield pg
    context.close()
    assert problems == []           # no script error, no refused request, no policy violation


def runs(pg) -> int:
    return int(pg.get_attribute("#panels", "data-run"))


def wait_runs(pg, n):
    pg.wait_for_function("n => +document.getElementById('panels').dataset.run >= n", arg=n, timeout=BOUND)


def open_page(pg, target, scenario, query=""):
    pg.goto(target.url(scenario, query))
    wait_runs(pg, 1)


def cells(pg):
    """{(variable, year): (this run, baseline, text shown)} from the difference table."""
    rows = pg.eval_on_selector_all("#diff td.cell", """els => els.map(e => [e.dataset.var, +e.dataset.year,
        +e.dataset.current, +e.dataset.baseline, e.querySelector('.cur').textContent])""")
    return {(v, y): (c, b, t) for v, y, c, b, t in rows}


def canvas(pg, index=0):
    return pg.evaluate("i => window.carbonloop.panels[i].plot.ctx.canvas.toDataURL()", index)


@functools.cache
def loaded(path):
    return engine.load(path)


def close(a, b, rtol) -> float:
    """The difference of a from b relative to |b| (0 where both are 0); asserts it is within rtol."""
    diff = np.abs(np.asarray(a, float) - np.asarray(b, float)) / np.maximum(np.abs(b), 1e-300)
    diff = np.where(np.asarray(a) == np.asarray(b), 0.0, diff)
    worst = float(np.max(diff, initial=0.0))
    assert worst <= rtol, worst
    return worst


def check_against_engine(pg, path, params, rtol=0.0):
    """The numbers of the table, and every trajectory the panels draw, are those of the engine's
    own runs with the same parameters (exactly from the server; within rtol when the page runs
    the model); returns the largest relative difference."""
    shown = cells(pg)
    assert shown
    drawn = pg.evaluate("Object.fromEntries(window.carbonloop.panels.flatMap(p => p.spec.variables)"
                        ".map(n => [n, window.carbonloop.current[n]]))")
    keep = sorted({name for name, _ in shown} | set(drawn))
    run = loaded(path).run(params=params, keep=keep)
    base = loaded(path).run(keep=keep)
    worst = 0.0
    for (name, year), (current, baseline, text) in shown.items():
        worst = max(worst, close(current, float(run.at(name, year)[0]), rtol),
                    close(baseline, float(base.at(name, year)[0]), rtol))
        assert float(text.replace(",", "")) == pytest.approx(current, rel=5e-4, abs=1e-12)
    for name, values in drawn.items():
        worst = max(worst, close(values, run[name][:, 0], rtol))
    return worst


def test_moving_a_slider_redraws_the_chart_with_the_engines_numbers(page, flagship):
    open_page(page, flagship, "default")
    before = canvas(page)
    n = runs(page)
    page.fill("#lever-price_floor", "150")
    wait_runs(page, n + 1)
    assert canvas(page) != before
    assert "price_floor=150" in page.url
    assert page.is_visible(".lever.moved[data-parameter='price_floor']")
    LARGEST[f"one lever ({flagship.kind})"] = check_against_engine(
        page, ROOT / "scenarios" / "default.yaml", {"price_floor": 150}, flagship.rtol)
    c = cells(page)[("carbon_price", 2025)]
    assert c[0] != c[1]                                     # the floor changes the 2025 price
    timing = page.evaluate("window.carbonloop.timings.at(-1)")
    assert timing["where"] == flagship.kind and timing["ms"] >= 0
    assert timing["server_run"] > 0 if flagship.kind == "server" else timing["server_run"] >= 0    # ms in the page

    page.click("#reset")
    wait_runs(page, n + 2)
    assert all(cur == base for cur, base, _ in cells(page).values())
    assert "price_floor" not in page.url


@pytest.mark.parametrize("flagship", ["file"], indirect=True)     # the drawing is the same whatever runs the model
def test_a_panel_out_of_view_draws_the_latest_run_when_it_comes_into_view(page, flagship):
    """A move draws only the panels in view; one below the window keeps the new numbers and draws
    them, the engine's, once scrolled to (the page's drawing is the same whatever runs the model)."""
    path = ROOT / "scenarios" / "default.yaml"
    open_page(page, flagship, "default")
    last = page.evaluate("window.carbonloop.panels.length - 1")
    drawn = f"+window.carbonloop.panels[{last}].chartBox.dataset.run"
    assert page.evaluate(f"window.carbonloop.panels[{last}].chartBox.getBoundingClientRect().top") > 1000
    before = page.evaluate(drawn)
    n = runs(page)
    page.fill("#lever-price_floor", "150")
    wait_runs(page, n + 1)
    assert page.evaluate(drawn) == before and page.evaluate(f"window.carbonloop.panels[{last}].stale")
    page.locator("#panels .panel").nth(last).scroll_into_view_if_needed()
    page.wait_for_function(f"() => {drawn} > {before}", timeout=BOUND)
    plotted = page.evaluate(f"""() => {{ const p = window.carbonloop.panels[{last}];
        return Object.fromEntries(p.spec.variables.map((n, i) => [n, p.plot.data[1 + 2 * i]])); }}""")
    run = loaded(path).run(params={"price_floor": 150}, keep=sorted(plotted))
    for name, values in plotted.items():
        close(values, run[name][:, 0], flagship.rtol)


def random_levers(levers, rng) -> dict:
    """A value for every lever: a switch on or off, a slider anywhere in its range (4 digits)."""
    return {lv.parameter: float(rng.choice([lv.low, lv.high])) if lv.is_switch else
            float(f"{rng.uniform(lv.low, lv.high):.4g}") for lv in levers}


@pytest.mark.parametrize("flagship", ["file"], indirect=True)     # --in-page runs the same module
def test_twenty_random_lever_settings_give_the_engines_numbers(page, flagship):
    """Every variable of the report's panels over the whole run, and every cell of the table, for
    20 random settings of all the flagship's levers (seeded), in the exported file: the JavaScript
    model against the engine (the server's runs are the engine's; the page with --in-page runs the
    same module as the file)."""
    path = ROOT / "scenarios" / "default.yaml"
    open_page(page, flagship, "default")
    levers = list(loaded(path).model.levers)
    rng = np.random.default_rng(20)
    settings = [random_levers(levers, rng) for _ in range(20)]
    keep = sorted({v for p in page.evaluate("window.carbonloop.meta.panels") for v in p["variables"]})
    batch = loaded(path).run(params={k: [s[k] for s in settings] for k in settings[0]}, keep=keep)
    rtol = flagship.rtol
    worst = 0.0
    for i, values in enumerate(settings):
        n = runs(page)
        page.evaluate("v => window.carbonloop.setLevers(v)", values)
        wait_runs(page, n + 1)
        shown = page.evaluate("n => Object.fromEntries(n.map(k => [k, window.carbonloop.current[k]]))", keep)
        for name in keep:
            worst = max(worst, close(shown[name], batch[name][:, i], rtol))
        for (name, year), (current, _, _) in cells(page).items():
            worst = max(worst, close(current, float(batch.at(name, year)[i]), rtol))
    LARGEST[f"20 random settings ({flagship.kind})"] = worst
    print(f"\nlargest relative difference from the engine, 20 random lever settings ({flagship.kind}): {worst:.3g}")


@pytest.mark.parametrize("flagship", ["file"], indirect=True)     # the server app's page asks its server
def test_the_exported_page_makes_no_request_and_its_policy_forbids_them(browser, flagship):
    context = browser.new_context()
    pg = context.new_page()
    requests, violations = [], []
    pg.on("request", lambda r: requests.append(r.url))
    pg.on("console", lambda m: m.type == "error" and violations.append(m.text))
    pg.goto(flagship.url("default"))
    wait_runs(pg, 1)
    n = runs(pg)
    pg.fill("#lever-special_rd_fund", "6")
    wait_runs(pg, n + 1)
    assert [u for u in requests if not u.startswith(("file:", "data:", "blob:"))] == []
    csp = pg.get_attribute("meta[http-equiv='Content-Security-Policy']", "content")
    for rule in ("default-src 'none'", "connect-src 'none'", "img-src data: blob:", "form-action 'none'"):
        assert rule in csp
    assert "http" not in csp and "unsafe" not in csp
    # a request the page's script tried would be refused by the policy
    refused = pg.evaluate("""() => fetch('https://example.com/').then(() => 'sent', () => 'refused')""")
    assert refused == "refused" and any("Content Security Policy" in v for v in violations)
    assert [u for u in requests if u.startswith("http")] == []
    assert "runs the model itself" in pg.inner_text("#file-note")
    context.close()


# an exported file holds one scenario; its shared view is tested with the cup
@pytest.mark.parametrize("flagship", ["server", "page"], indirect=True)
def test_switching_scenario_and_sharing_the_view(page, browser, flagship):
    open_page(page, flagship, "default", "&show=nev_fleet")
    n = runs(page)
    page.select_option("#scenario", "no-coupling")
    wait_runs(page, n + 1)
    page.wait_for_function("() => location.search.includes('scenario=no-coupling')", timeout=BOUND)
    assert not page.is_checked("#lever-coupling_price_to_ev")      # the scenario's own switches
    assert "cuts every link" in page.inner_text("#description")
    assert page.locator("#panels .panel[data-variables='nev_fleet']").count() == 1
    n = runs(page)
    page.fill("#lever-special_rd_fund", "6")
    wait_runs(page, n + 1)
    page.fill("#years", "2035 2050")
    page.dispatch_event("#years", "change")
    shared = page.url
    assert "special_rd_fund=6" in shared and "show=nev_fleet" in shared and "years=2035,2050" in shared
    state = cells(page)
    assert {y for _, y in state} == {2035, 2050} and ("nev_fleet", 2050) in state
    check_against_engine(page, ROOT / "scenarios" / "no-coupling.yaml", {"special_rd_fund": 6}, flagship.rtol)
    assert page.evaluate("window.carbonloop.timings.at(-1).where") == flagship.kind

    other = browser.new_page()
    other.goto(shared)
    wait_runs(other, 1)
    assert other.input_value("#scenario") == "no-coupling"
    assert other.input_value("#lever-special_rd_fund") == "6"
    assert other.locator("#panels .panel[data-variables='nev_fleet']").count() == 1
    assert cells(other) == state and other.url == shared
    other.close()


def test_search_downloads_shared_links_and_an_address_with_unknown_levers(page, browser, cups):
    target, folder = cups
    open_page(page, target, "cup", "&tau=99&nope=1")
    assert "ignored in the address" in page.inner_text("#status") and "tau, nope" in page.inner_text("#status")
    assert page.input_value("#lever-tau") == "10"
    n = runs(page)
    page.fill("#find", "lost")
    assert page.inner_text("#found li") .startswith("heat_loss")
    page.keyboard.press("Enter")
    wait_runs(page, n + 1)
    assert page.locator("#panels .panel").count() == 2
    with page.expect_download() as dl:
        page.click("#csv")
    lines = Path(dl.value.path()).read_text().splitlines()
    assert lines[0] == "# carbonloop app: scenario cup (cup.yaml)" and lines[1] == "# levers: none moved"
    head = lines[3].split(",")
    assert head[:3] == ["minute", "temperature", "temperature (baseline)"] and "heat_loss" in head
    assert "temperature (data low)" in head
    base = engine.load(folder / "cup.yaml").run()
    row = dict(zip(head, lines[4 + 8].split(",")))           # t = 1 minute (dt 0.125)
    assert float(row["minute"]) == 1
    close(float(row["heat_loss"]), float(base.at("heat_loss", 1)[0]), target.rtol)
    with page.expect_download() as dl:
        page.click("#panels .panel:first-child .png")
    assert Path(dl.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page.click("#panels .panel:nth-child(2) .remove")
    assert page.locator("#panels .panel").count() == 1 and "show=" not in page.url
    # the state in the address: a link opens the same view
    n = runs(page)
    page.fill("#lever-room", "55")
    wait_runs(page, n + 1)
    page.fill("#years", "3 12")
    page.dispatch_event("#years", "change")
    shared, state = page.url, cells(page)
    assert "room=55" in shared and "years=3,12" in shared and {y for _, y in state} == {3, 12}
    other = browser.new_page()
    other.goto(shared)
    wait_runs(other, 1)
    assert other.input_value("#lever-room") == "55" and cells(other) == state
    other.close()


def test_data_points_with_error_bars_and_the_loop_dominance_panel(page, cups):
    target, _ = cups
    open_page(page, target, "cup")
    page.wait_for_function("() => window.carbonloop.panels[0].points.size === 1", timeout=BOUND)
    assert "measured: data (degF), kitchen log" in page.inner_text(".panel .note")
    # the centre of the data point at t = 10 is drawn in the variable's colour
    rgb = page.evaluate("""() => { const p = window.carbonloop.panels[0], u = p.plot, s = p.points.get('temperature');
        const x = Math.round(u.valToPos(s.times[1], 'x', true)), y = Math.round(u.valToPos(s.values[1], 'y', true));
        return Array.from(u.ctx.getImageData(x, y, 1, 1).data.slice(0, 3)); }""")
    assert rgb == pytest.approx([0x1f, 0x6f, 0xb4], abs=12)
    assert page.is_visible("#dominance")
    page.wait_for_function("() => +document.getElementById('dominance-chart').dataset.run >= 1", timeout=BOUND)
    assert page.inner_text("#dominance-legend").split("\n") == ["B1 cooling (B)", "R1 steam (R)"]
    if target.kind == "file":           # the baseline's shares, computed when the file was exported
        assert page.evaluate("window.carbonloop.dominance.payload.loops.map(l => l.share[0])") == [0.25, -0.75]
        assert "computed when the file was exported" in page.inner_text("#dominance-title")
        return
    page.fill("#lever-tau", "30")
    page.wait_for_function("() => +document.getElementById('dominance-chart').dataset.run >= 2", timeout=BOUND)
    shares = page.evaluate("window.carbonloop.dominance.payload.loops.map(l => l.share[0])")
    assert shares == [0.75, -0.25]


def test_a_scenario_without_levers_says_how_to_add_them_and_documents_its_parameters(page, cups):
    target, _ = cups
    open_page(page, target, "plain")
    assert "declares no levers" in page.inner_text("#levers")
    assert page.locator("#panels .panel[data-variables='water']").count() == 1
    assert cells(page)[("water", 10)][:2] == (25, 25)
    open_page(page, target, "cup")
    page.click("#documentation summary")
    rows = page.eval_on_selector_all("#parameters tbody tr", "els => els.map(e => e.innerText.split('\\t'))")
    assert ["room", "70", "degF", "0 to 100", "room temperature", ""] in rows


@pytest.mark.parametrize("cups", ["file"], indirect=True)   # the server's answer is tested in test_app_api
def test_a_run_that_fails_in_the_page_says_why_and_the_next_one_draws(page, cups):
    target, _ = cups
    open_page(page, target, "fragile")
    n = runs(page)
    page.fill("#lever-k", "5")                      # f = 1 / (k - 5): infinite
    page.wait_for_function("() => document.getElementById('status').className === 'error'", timeout=BOUND)
    assert page.inner_text("#status") == "in 'f': value became infinite at time 0"
    assert runs(page) == n
    page.fill("#lever-k", "7")
    wait_runs(page, n + 1)
    assert cells(page)[("s", 5)][0] == pytest.approx(1 + 5 / 2, rel=1e-12)


def test_a_calibrations_predictive_band_is_drawn_and_labelled_in_the_exported_page(page, tmp_path):
    """The band travels in the exported file (read from the calibration's results when it is written),
    and the panel's legend says what it is, what it assumes and that a lever move leaves it."""
    folder, outputs = calibrated_folder(tmp_path)
    service = RunService(folder, workers=1, backend="numpy", outputs=outputs)
    try:
        export_app(folder / "adopt.yaml", tmp_path / "adopt.html", dominance=False, service=service)
    finally:
        service.close()
    page.goto((tmp_path / "adopt.html").as_uri())
    wait_runs(page, 1)
    assert page.inner_text(".panel .band-key") == (
        "adopters: 90 % predictive band (parameters, model error, measurement) from calibration small, "
        "assumes: the market stays as it is; darker: 90 % band of the parameters alone from calibration small; "
        "dotted: its median. It belongs to the scenario as written, with the calibration's estimated "
        "parameters: a lever move leaves it in place.")
