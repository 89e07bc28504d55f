"""The app's page in a real headless browser (Debian's chromium driven by Playwright): sliders, numbers
against the engine's own runs, scenario switching, shared links, search, downloads, data points, dominance."""
import functools
import shutil
from pathlib import Path

import pytest
from app_support import sample_data, sample_dominance, write_folder
from conftest import ROOT

import engine
from engine.app.serve import running
from engine.app.service import RunService

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
pytestmark = [pytest.mark.slow,
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


@pytest.fixture(scope="module")
def flagship():
    with running(ROOT / "scenarios") as url:
        yield url


@pytest.fixture(scope="module")
def cups(tmp_path_factory):
    folder = write_folder(tmp_path_factory.mktemp("cups"))
    service = RunService(folder, data_source=sample_data, dominance_source=sample_dominance,
                         has_dominance=lambda loaded: True)
    with running(folder, service=service) as url:
        yield url, folder


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


def open_page(pg, url, query):
    pg.goto(url + query)
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


def check_against_engine(pg, path, params):
    """The numbers of the table are those of the engine's own runs with the same parameters."""
    shown = cells(pg)
    assert shown
    keep = sorted({name for name, _ in shown})
    run = loaded(path).run(params=params, keep=keep)
    base = loaded(path).run(keep=keep)
    for (name, year), (current, baseline, text) in shown.items():
        assert current == float(run.at(name, year)[0]), (name, year)
        assert baseline == float(base.at(name, year)[0]), (name, year)
        assert float(text.replace(",", "")) == pytest.approx(current, rel=5e-4, abs=1e-12)


def test_moving_a_slider_redraws_the_chart_with_the_engines_numbers(page, flagship):
    open_page(page, flagship, "?scenario=default")
    before = canvas(page)
    n = runs(page)
    page.fill("#lever-price_floor", "150")
    wait_runs(page, n + 1)
    assert canvas(page) != before
    assert "price_floor=150" in page.url
    assert page.is_visible(".lever.moved[data-parameter='price_floor']")
    check_against_engine(page, ROOT / "scenarios" / "default.yaml", {"price_floor": 150})
    c = cells(page)[("carbon_price", 2025)]
    assert c[0] != c[1]                                     # the floor changes the 2025 price
    timing = page.evaluate("window.carbonloop.timings.at(-1)")
    assert timing["server_run"] > 0 and timing["ms"] >= 0

    page.click("#reset")
    wait_runs(page, n + 2)
    assert all(cur == base for cur, base, _ in cells(page).values())
    assert "price_floor" not in page.url


def test_switching_scenario_and_sharing_the_view(page, browser, flagship):
    open_page(page, flagship, "?scenario=default&show=nev_fleet")
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
    check_against_engine(page, ROOT / "scenarios" / "no-coupling.yaml", {"special_rd_fund": 6})

    other = browser.new_page()
    other.goto(shared)
    wait_runs(other, 1)
    assert other.input_value("#scenario") == "no-coupling"
    assert other.input_value("#lever-special_rd_fund") == "6"
    assert other.locator("#panels .panel[data-variables='nev_fleet']").count() == 1
    assert cells(other) == state and other.url == shared
    other.close()


def test_search_downloads_and_an_address_with_unknown_levers(page, cups):
    url, folder = cups
    open_page(page, url, "?scenario=cup&tau=99&nope=1")
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
    assert float(row["minute"]) == 1 and float(row["heat_loss"]) == float(base.at("heat_loss", 1)[0])
    with page.expect_download() as dl:
        page.click("#panels .panel:first-child .png")
    assert Path(dl.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page.click("#panels .panel:nth-child(2) .remove")
    assert page.locator("#panels .panel").count() == 1 and "show=" not in page.url


def test_data_points_with_error_bars_and_the_loop_dominance_panel(page, cups):
    url, _ = cups
    open_page(page, url, "?scenario=cup")
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
    page.fill("#lever-tau", "30")
    page.wait_for_function("() => +document.getElementById('dominance-chart').dataset.run >= 2", timeout=BOUND)
    shares = page.evaluate("window.carbonloop.dominance.payload.loops.map(l => l.share[0])")
    assert shares == [0.75, -0.25]


def test_a_scenario_without_levers_says_how_to_add_them(page, cups):
    url, _ = cups
    open_page(page, url, "?scenario=plain")
    assert "declares no levers" in page.inner_text("#levers")
    assert page.locator("#panels .panel[data-variables='water']").count() == 1
    assert cells(page)[("water", 10)][:2] == (25, 25)
