"""Random functions: their distributions (moments and Kolmogorov-Smirnov tests against scipy and
against the SDXorg suite's tables of Vensim's functions), truncation, and the stream's promise:
a run draws the same numbers alone, in a batch, in any chunk of a sweep and on either backend."""
import math

import numpy as np
import pytest
from conftest import BACKENDS, ROOT
from scipy import stats

import engine
from engine.builtins import rng
from engine.errors import ModelError, SimulationError

SUITE = ROOT.parent / "shared" / "test-models" / "random"
needs_numba = pytest.mark.skipif("numba" not in BACKENDS, reason="numba is not installed")
RUNS, STOP = 4000, 4            # 4,000 runs x 5 steps: 20,000 draws per call


def scenario(equations: dict, stop=STOP, dt=1, method="euler", seed=0, extra="") -> str:
    lines = [f"scenario: r\ntime: {{start: 0, stop: {stop}, dt: {dt}, method: {method}, noise_seed: {seed}}}",
             "auxiliaries:"]
    lines += [f'  {k}: "{v}"' for k, v in equations.items()]
    return "\n".join(lines) + "\n" + extra


def draws(build, equations: dict, runs=RUNS, **kw) -> dict:
    """Every draw of each auxiliary, over runs and steps."""
    res = build(scenario(equations, **kw)).run(n_runs=runs, backend="numpy")
    return {k: np.ravel(res[k]) for k in equations}


def truncated(dist, lo, hi):
    """The distribution function of ``dist`` truncated to [lo, hi]."""
    a, b = dist.cdf(lo), dist.cdf(hi)
    return lambda x: np.clip((dist.cdf(x) - a) / (b - a), 0.0, 1.0)


# (equation, scipy distribution function of the draw)
CASES = {
    "v_uniform": ("RANDOM UNIFORM(-3, 10, 0)", stats.uniform(-3, 13).cdf),
    "vnormal": ("RANDOM NORMAL(-1, 4, 2, 1.5, 0)", stats.truncnorm(-2, 4 / 3, loc=2, scale=1.5).cdf),
    "v_normal_far_tail": ("RANDOM NORMAL(10, 11, 0, 1, 0)", stats.truncnorm(10, 11).cdf),
    "v_exponential": ("RANDOM EXPONENTIAL(3, 6.9, 2, 1.5, 0)",
                    stats.truncexpon((6.9 - 3) / 1.5, loc=3, scale=1.5).cdf),
    "v_triangular": ("RANDOM TRIANGULAR(1, 4, 0, 1.5, 5, 0)",
                   truncated(stats.triang(0.3, loc=0, scale=5), 1, 4)),
    "v_lognormal": ("RANDOM LOGNORMAL(0, 8, 2, 1, 1, 1.5, 0)",
                  truncated(stats.lognorm(math.sqrt(math.log(1.25)), loc=1,
                                          scale=1.5 * 2 / math.sqrt(1.25)), 0, 8)),
    "xmile_normal": ("NORMAL(5, 2)", stats.norm(5, 2).cdf),
    "xmile_random": ("RANDOM(2, 3)", stats.uniform(2, 1).cdf),
    "xmile_exprnd": ("EXPRND(4)", stats.expon(scale=4).cdf),
    "xmile_lognormal": ("LOGNORMAL(3, 1)",
                        stats.lognorm(math.sqrt(math.log(1 + 1 / 9)), scale=3 / math.sqrt(1 + 1 / 9)).cdf),
    "zero_one": ("RANDOM 0 1()", stats.uniform(0, 1).cdf),
    "stella_triangular": ("TRIANGULAR(1, 2, 5)", stats.triang(0.25, loc=1, scale=4).cdf),
    "stella_weibull": ("WEIBULL(1.5, 2)", stats.weibull_min(1.5, scale=2).cdf),
    "stella_logistic": ("logistic_random(1, 0.5)", stats.logistic(1, 0.5).cdf),
    "stella_pareto": ("PARETO(3, 2)", stats.pareto(3, scale=2).cdf),
}


def test_each_distribution_passes_kolmogorov_smirnov_and_its_moments(build):
    got = draws(build, {k: eq for k, (eq, _) in CASES.items()})
    for name, (_, cdf) in CASES.items():
        x = got[name]
        assert len(x) == RUNS * (STOP + 1)
        p = stats.kstest(x, cdf).pvalue
        assert p > 1e-3, (name, p)
    # moments of one case against closed forms, within 5 standard errors
    x, n = got["vnormal"], len(got["vnormal"])
    ref = stats.truncnorm(-2, 4 / 3, loc=2, scale=1.5)
    assert abs(x.mean() - ref.mean()) < 5 * ref.std() / math.sqrt(n)
    assert abs(x.std() - ref.std()) < 5 * ref.std() / math.sqrt(2 * n)
    assert abs(got["zero_one"].mean() - 0.5) < 5 * math.sqrt(1 / 12 / n)


def test_poisson_matches_its_distribution_by_chi_square(build):
    got = draws(build, {"p": "RANDOM POISSON(0, 1000, 4, 0, 1, 0)", "q": "POISSON(30)",
                        "t": "RANDOM POISSON(2, 6, 4, 0, 1, 0)", "s": "RANDOM POISSON(0, 100, 3, 10, 2, 0)"})
    for name, mean, lo, hi in (("p", 4, 0, 20), ("q", 30, 0, 80), ("t", 4, 2, 6)):
        x = got[name]
        assert np.all(x == np.round(x)) and x.min() >= lo and x.max() <= hi
        ks = np.arange(lo, hi + 1)
        pmf = stats.poisson(mean).pmf(ks)
        pmf = pmf / pmf.sum()
        counts = np.array([(x == k).sum() for k in ks])
        keep = pmf * len(x) >= 5             # chi-square needs expected counts of at least 5
        observed = np.append(counts[keep], counts[~keep].sum())
        expected = np.append(pmf[keep], pmf[~keep].sum()) * len(x)
        if expected[-1] == 0:
            observed, expected = observed[:-1], expected[:-1]
        assert stats.chisquare(observed, expected).pvalue > 1e-3, name
    big = draws(build, {"b": "POISSON(5000)"}, runs=2000)["b"]     # far from 0: the search starts near the mean
    assert abs(big.mean() - 5000) < 5 * math.sqrt(5000 / len(big))
    assert abs(big.var() / 5000 - 1) < 5 * math.sqrt(2 / len(big))
    assert stats.kstest(big, stats.norm(5000, math.sqrt(5000)).cdf).pvalue > 1e-3      # near normal there
    s = got["s"]                              # stretched by 2 and shifted by 10: 10 + 2 N
    assert np.all((s - 10) % 2 == 0)
    assert abs(s.mean() - 16) < 5 * 2 * math.sqrt(3 / len(s))


def test_stellas_binomial_matches_its_distribution_by_chi_square(build):
    got = draws(build, {"a": "BINOMIAL(20, 0.3)", "b": "BINOMIAL(1000, 0.5)", "c": "BINOMIAL(5000, 0.999)",
                        "d": "BINOMIAL(7, 1)", "e": "BINOMIAL(0, 0.4)"})
    for name, n, p in (("a", 20, 0.3), ("b", 1000, 0.5), ("c", 5000, 0.999)):
        x = got[name]
        assert np.all(x == np.round(x)) and x.min() >= 0 and x.max() <= n
        ks = np.arange(0, n + 1)
        pmf = stats.binom(n, p).pmf(ks)
        counts = np.bincount(x.astype(int), minlength=n + 1)
        keep = pmf * len(x) >= 5
        observed = np.append(counts[keep], counts[~keep].sum())
        expected = np.append(pmf[keep], pmf[~keep].sum()) * len(x)
        observed, expected = observed[expected > 0], expected[expected > 0]
        expected *= observed.sum() / expected.sum()
        assert stats.chisquare(observed, expected).pvalue > 1e-3, name
    assert np.all(got["d"] == 7) and np.all(got["e"] == 0)


def test_truncation_bounds_hold_and_an_empty_window_stops_the_run(build):
    got = draws(build, {"n": "RANDOM NORMAL(3, 6.9, 5, 5, 0)", "e": "RANDOM EXPONENTIAL(0, 7.2, 5, 5, 0)",
                        "l": "RANDOM LOGNORMAL(2.5, 3, 2, 1, 0, 1, 0)", "t": "RANDOM TRIANGULAR(0.5, 0.6, 0, 1, 2, 0)",
                        "r": "RANDOM NORMAL(-1, 1, 0, -3, 0)"}, runs=500)
    for name, lo, hi in (("n", 3, 6.9), ("e", 5, 7.2), ("l", 2.5, 3), ("t", 0.5, 0.6), ("r", -1, 1)):
        assert got[name].min() >= lo and got[name].max() <= hi, name
    m = build(scenario({"e": "RANDOM EXPONENTIAL(0, 1, 5, 1, 0)"}))
    with pytest.raises(SimulationError, match="NaN"):
        m.run(backend="numpy")


@pytest.mark.skipif(not SUITE.is_dir(), reason="the SDXorg test models are not beside the repository "
                                              "(../shared/test-models)")
@pytest.mark.parametrize("table", ["random_uniform/uniform_expected.tab", "random_normal/normal_expected.tab",
                                   "random_exponential/exponential_expected.tab"])
def test_moments_match_the_suites_tables_of_vensims_functions(build, table):
    """Each column of the table is a Vensim call and its distribution's min, max, mean, variance
    and kurtosis: the draws' mean and variance must lie within 5 standard errors of them."""
    lines = [ln.split("\t") for ln in (SUITE / table).read_text().splitlines() if ln.strip()]
    calls = [c.strip() for c in lines[0][1:]]
    rows = {r[0].strip(): [float(v) for v in r[1:]] for r in lines[1:]}
    got = draws(build, {f"c{i}": c for i, c in enumerate(calls)})
    for i, call in enumerate(calls):
        x = got[f"c{i}"]
        n = len(x)
        mean, var, kurt = rows["mean"][i], rows["variance"][i], rows["kurtosis"][i]
        assert rows["min"][i] <= x.min() and x.max() <= rows["max"][i], call
        assert abs(x.mean() - mean) < 5 * math.sqrt(var / n), (call, x.mean(), mean)
        var_se = math.sqrt(max((kurt + 2) * var * var, 1e-300) / n)      # (mu4 - var^2) / n
        assert abs(x.var() - var) < 5 * var_se, (call, x.var(), var)


EVERY = {"u": "RANDOM UNIFORM(0, 1, 0)", "n": "RANDOM NORMAL(-10, 10, 2, 1, 0)",
         "e": "RANDOM EXPONENTIAL(0, 100, 1, 2, 0)", "p": "RANDOM POISSON(0, 100, 4, 0, 1, 0)",
         "t": "RANDOM TRIANGULAR(0, 10, 1, 2, 5, 0)", "l": "RANDOM LOGNORMAL(0, 100, 2, 1, 0, 1, 0)",
         "z": "RANDOM 0 1()", "x": "NORMAL(5, 1) + RANDOM(0, 1) + POISSON(3) + EXPRND(2) + LOGNORMAL(1, 0.5)",
         "s": "RANDOM UNIFORM(0, 1, 7)"}
STOCK = "stocks:\n  S: {initial: 'RANDOM UNIFORM(0, 1, 0)', inflows: [f]}\nflows:\n  f: 'n * S / 10'\n"


def test_a_run_draws_the_same_alone_in_a_batch_and_in_other_chunks(build):
    m = build(scenario(EVERY, stop=10, dt=0.5, seed=3, extra=STOCK))
    batch = m.run(n_runs=50)
    assert batch.n_runs == 50
    alone = m.run(params={"run_id": 17})
    halves = [m.run(params={"run_id": np.arange(a, b, dtype=float)}) for a, b in ((0, 25), (25, 50))]
    for v in list(EVERY) + ["S", "f"]:
        assert np.array_equal(batch[v][:, 17], np.ravel(alone[v])), v
        assert np.array_equal(batch[v], np.concatenate([h[v] for h in halves], axis=1)), v
        assert len(np.unique(batch[v][3])) > 5 or v == "s", v     # runs draw differently...
    assert np.all(batch["s"] == batch["s"][:, :1])                   # ...but a stream id of its own does not


def test_the_noise_seed_changes_the_draws_and_a_stream_id_keeps_them(build):
    m = build(scenario({"a": "RANDOM NORMAL(-5, 5, 0, 1, 0)", "b": "RANDOM NORMAL(-5, 5, 0, 1, 0)",
                        "c": "RANDOM NORMAL(-5, 5, 0, 1, 4)"}, seed=1))
    one = m.run()
    two = m.run(params={"noise_seed": 2})
    assert not np.array_equal(one["a"], two["a"])
    assert not np.array_equal(one["a"], one["b"])       # two call sites, two streams
    assert np.array_equal(one["c"], two["c"])           # its own stream: the noise seed does not reach it
    again = build(scenario({"a": "RANDOM NORMAL(-5, 5, 0, 1, 0)"}, seed=2)).run()
    assert np.array_equal(again["a"], two["a"])         # the time setting and the parameter agree


def test_rk4_holds_the_draw_through_the_step(build):
    eqs = {"n": "RANDOM NORMAL(-10, 10, 2, 1, 0)"}
    extra = "stocks:\n  S: {initial: 0, inflows: [f]}\nflows:\n  f: n\n"
    euler = build(scenario(eqs, stop=20, dt=0.25, extra=extra)).run()
    rk4 = build(scenario(eqs, stop=20, dt=0.25, method="rk4", extra=extra)).run()
    assert np.array_equal(euler["f"], rk4["f"])
    # a flow constant through each step: RK4's four stages agree, so it integrates as Euler does
    assert np.allclose(euler["S"], rk4["S"], rtol=1e-12, atol=1e-12)


@needs_numba
@pytest.mark.slow                   # compiles the random functions and a kernel with numba
@pytest.mark.parametrize("method", ["euler", "rk4"])
def test_numpy_and_numba_draw_the_same_bits(build, method):
    m = build(scenario(EVERY, stop=3, dt=0.5, method=method, seed=11, extra=STOCK))
    for n in (1, 8):
        a, b = m.run(n_runs=n, backend="numpy"), m.run(n_runs=n, backend="numba")
        assert np.array_equal(a.data, b.data, equal_nan=True)


@needs_numba
@pytest.mark.slow
def test_scalar_and_vector_forms_agree_bit_for_bit_over_odd_arguments():
    from engine.backends.numba_lib import HELPERS
    g = np.random.default_rng(5)
    n = 300
    key = dict(t0=0.0, dt=0.5, seed=3.0, run=g.integers(0, 1000, n).astype(float), site=12345.0, elem=0.0)
    ts = 0.5 * g.integers(0, 100, n) + 1e-7
    pick = lambda *v: g.choice(np.array(v, float), n)  # noqa: E731
    m, x = pick(-np.inf, -2, 0, 1, 3), pick(np.inf, 2, 5, 0.5, 1e3)
    args = {"random_uniform": (m, x), "random_normal": (m, x, pick(0, 2, -1), pick(1, 0, -2, 0.1)),
            "random_exponential": (m, x, pick(0, 2, -1), pick(1, 0, -2, 3)),
            "random_poisson": (m, x, pick(0, 4, 30, 800, -1), pick(0, 2), pick(1, 0, -1, 2)),
            "random_triangular": (m, x, pick(0, -1), pick(0, 0.5, 1), pick(1, 2)),
            "random_lognormal": (m, x, pick(2, 0, 0.5), pick(1, 0, 3), pick(0, 1), pick(1, 0, -1)),
            "random_weibull": (pick(1.5, 0.3, 0, -1, 8), pick(2, 0.01, 0, 1e3)),
            "random_logistic": (pick(0, -3, 1e3), pick(1, 0, -1, 0.01)),
            "random_pareto": (pick(3, 0.5, 0, -2), pick(2, 1e-3, 0, 50)),
            "random_binomial": (pick(0, 1, 20, 1000, 5000, 2.5, -1), pick(0, 0.3, 0.5, 0.999, 1, 1.2))}
    for name, dist in args.items():
        vec = rng.VECTOR[name](ts, *dist, key["t0"], key["dt"], key["seed"], key["run"], key["site"], key["elem"])
        one = HELPERS[f"_fn_{name}"]
        for i in range(n):
            s = one(ts[i], *[d[i] for d in dist], key["t0"], key["dt"], key["seed"], key["run"][i],
                    key["site"], key["elem"])
            assert s == vec[i] or (math.isnan(s) and math.isnan(vec[i])), (name, i, s, vec[i])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")      # branches not taken divide by zero
def test_own_log_exp_and_normal_functions_are_accurate():
    from scipy import special
    x = np.concatenate([np.linspace(-700, 700, 4001), np.geomspace(1e-300, 1e300, 2001)])
    assert np.allclose(rng.v_exp(x[x < 700]), np.exp(x[x < 700]), rtol=4e-16, atol=0)
    pos = x[x > 0]
    assert np.allclose(rng.v_log(pos), np.log(pos), rtol=4e-16, atol=0)
    z = np.linspace(-37, 8, 9001)
    assert np.allclose(rng.v_phi(z), special.ndtr(z), rtol=1e-12, atol=0)
    p = np.concatenate([np.geomspace(1e-300, 0.5, 3001), 1 - np.geomspace(1e-16, 0.5, 2001)])
    assert np.allclose(rng.v_ndtri(p), special.ndtri(p), rtol=1.2e-9, atol=0)        # Acklam's bound


@pytest.mark.parametrize("workers", [None, pytest.param(2, marks=pytest.mark.slow)])
def test_a_sweep_varies_the_seed_and_each_run_can_be_repeated_alone(tmp_path, workers):
    (tmp_path / "m.yaml").write_text(scenario({"a": "RANDOM NORMAL(-5, 5, 0, 1, 0)"}, stop=10)
                                     + "stocks:\n  S: {initial: 0, inflows: [f]}\nflows:\n  f: a\n")
    (tmp_path / "s.yaml").write_text(
        "sweep: seeds\nscenario: m.yaml\nmethod: grid\nsamples: 2\n"
        "parameters:\n  noise_seed: {levels: [1, 2, 3, 4, 5, 6]}\n"
        "outputs:\n  trajectories: [S]\n  metrics:\n    end: {variable: S, at: 10}\nmemory_mb: 0.001\n")
    res = engine.sweep(tmp_path / "s.yaml", output=tmp_path / "out.h5", progress=False, backend="numpy",
                       workers=workers)
    assert res.n_runs == 6 and res.attrs["chunk_size"] < 6      # several chunks
    m = engine.load(tmp_path / "m.yaml")
    traj = res.trajectory("S")
    for k, seed in enumerate(res.samples()["noise_seed"]):
        alone = m.run(params={"noise_seed": seed, "run_id": k})
        assert np.array_equal(traj[:, k], np.ravel(alone["S"])), k
    assert len(np.unique(res.metrics()["end"])) == 6


def test_random_calls_are_refused_where_no_step_is_drawn(build, write):
    with pytest.raises(ModelError, match="draws a new number every step"):
        build(scenario({"a": "1"}) + "parameters:\n  k: 1\nevents:\n  - name: e\n    at: 2\n"
              "    set: {k: 'RANDOM NORMAL(0, 1, 0, 1, 0)'}\n")
    m = build(scenario({"a": "RANDOM NORMAL(0, 1, 0, 1, a0)"}) + "parameters:\n  a0: 0\n")
    with pytest.raises(ModelError, match="stream id"):
        m.run()
    with pytest.raises(ModelError, match="noise_seed must be a whole number"):
        build(scenario({"a": "RANDOM 0 1()"}, seed=1.5))
    with pytest.raises(ModelError, match="must be a parameter"):
        build(scenario({"a": "RANDOM 0 1()", "run_id": "2"}))
    extra = "stocks:\n  S: {initial: 1, inflows: [f]}\nflows:\n  f: S * a\n"
    build(scenario({"a": "RANDOM NORMAL(-1, 1, 0, 0.1, 0)"}, extra=extra)).dominance()   # a is an input
    inline = build(scenario({"a": "1"}, extra=extra.replace("S * a", "S * RANDOM NORMAL(-1, 1, 0, 0.1, 0)")))
    with pytest.raises(ModelError, match="RANDOM NORMAL draws from a run's random streams"):
        inline.dominance()


def xmile_auxiliaries(path, equations: dict):
    """Load an XMILE model of the auxiliaries ``equations`` (name -> equation), 0..4 in steps of 1."""
    body = "".join(f'<aux name="{k}"><eqn>{v}</eqn></aux>' for k, v in equations.items())
    path.write_text(
        '<xmile version="1.0" xmlns="http://docs.oasis-open.org/xmile/ns/XMILE/v1.0"><header><name>r</name>'
        '</header><sim_specs><start>0</start><stop>4</stop><dt>1</dt></sim_specs><model><variables>'
        f"{body}</variables></model></xmile>")
    return engine.load(path)


def test_xmile_random_builtins_import_and_run(tmp_path):
    m = xmile_auxiliaries(tmp_path / "r.xmile", {"a": "NORMAL(5, 2)", "b": "RANDOM(0, 1, 3)", "c": "POISSON(2)",
                                                 "d": "EXPRND(1)", "e": "LOGNORMAL(2, 1)"})
    res = m.run(n_runs=2000)
    assert abs(res["a"].mean() - 5) < 5 * 2 / math.sqrt(10000)
    assert np.all(res["b"] == res["b"][:, :1])           # a seed: the same numbers in every run
    assert abs(res["c"].mean() - 2) < 5 * math.sqrt(2 / 10000)
    assert res["e"].min() > 0


def test_stellas_distributions_import_and_run(tmp_path):
    """Stella's UNIFORM(min, max, [seed]) is RANDOM; TRIANGULAR(lower, mode, upper, [seed]) draws as
    Vensim's RANDOM TRIANGULAR over the whole line; WEIBULL(shape, scale), LOGISTIC(mean, scale) and
    PARETO(shape, scale) by inversion (their distributions: the Kolmogorov-Smirnov test above)."""
    m = xmile_auxiliaries(tmp_path / "s.xmile", {
        "u": "UNIFORM(2, 3)", "r": "RANDOM(2, 3)", "t": "TRIANGULAR(1, 2, 5, 7)", "ln": "GAMMALN(3)",
        "w": "WEIBULL(2, 3)", "lg": "LOGISTIC(0, 1, 4)", "p": "PARETO(2, 1)", "bn": "BINOMIAL(10, 0.5)"})
    res = m.run(n_runs=500)
    u, r, t = res["u"], res["r"], res["t"]
    assert u.min() >= 2 and u.max() <= 3 and not np.array_equal(u, r)      # two call sites, two streams
    assert stats.kstest(np.ravel(u), stats.uniform(2, 1).cdf).pvalue > 1e-3
    assert np.all(t == t[:, :1]) and t.min() >= 1 and t.max() <= 5            # a seed: one stream for all runs
    assert res["w"].min() > 0 and res["p"].min() >= 1 and np.all(res["lg"] == res["lg"][:, :1])
    assert abs(res["bn"].mean() - 5) < 5 * math.sqrt(2.5 / res["bn"].size)
    assert abs(res["w"].mean() - 3 * math.gamma(1.5)) < 5 * 3 * math.sqrt(1 - math.pi / 4) / math.sqrt(res["w"].size)
    ln = res["ln"] if "ln" in res.names else m.parameters["ln"].value
    assert np.allclose(ln, math.log(2), rtol=1e-14)


def test_calibration_candidates_share_one_noise_wherever_they_sit_in_a_batch(tmp_path):
    from engine.calibration.check import check_against
    from engine.calibration.objective import Problem
    from engine.calibration.spec import load_spec
    (tmp_path / "m.yaml").write_text(
        scenario({"noise": "RANDOM NORMAL(-1, 1, 0, 0.2, 0)"}, stop=10)
        + "parameters:\n  r: 0.5\nstocks:\n  S: {initial: 1, inflows: [f]}\nflows:\n  f: 'r * S * (1 + noise) / 10'\n")
    (tmp_path / "d.csv").write_text("time,value\n" + "".join(f"{t},{1 + 0.05 * t}\n" for t in range(1, 11)))
    loaded = engine.load(tmp_path / "m.yaml")
    spec = check_against(load_spec({"calibration": "c", "scenario": str(tmp_path / "m.yaml"),
                                    "parameters": {"r": {"bounds": [0.1, 1]}},
                                    "series": {"s": {"file": str(tmp_path / "d.csv"), "variable": "S", "units": "dmnl",
                                                     "error": "normal", "scale": 0.1}}}), loaded)
    problem = Problem(spec, loaded)
    theta = np.array([[0.3], [0.5], [0.7], [0.5]])
    nll = problem.evaluate(problem.to_z(theta)).nll
    assert nll[1] == nll[3]                              # the same candidate, the same objective
    alone = problem.evaluate(problem.to_z(theta[1:2])).nll
    assert alone[0] == nll[1]


def test_an_exported_xmile_model_draws_the_numbers_of_its_yaml(build, tmp_path):
    from engine.outputs.xmile import write
    m = build(scenario({"a": "NORMAL(5, 1)", "b": "RANDOM UNIFORM(0, 2, 0)", "c": "RANDOM 0 1()",
                        "d": "POISSON(3) + EXPRND(2) + LOGNORMAL(1, 0.5)"}, stop=5, seed=4,
                       extra="stocks:\n  S: {initial: 0, inflows: [f]}\nflows:\n  f: a + b + c + d\n"))
    assert write(m.model, tmp_path / "x.xmile") == []
    back = engine.load(tmp_path / "x.xmile")
    a, b = m.run(n_runs=4), back.run(n_runs=4)
    for v in ("a", "b", "c", "d", "S"):
        assert np.array_equal(a[v], b[v]), v           # same names, same call sites, same seed


def test_neighbouring_runs_steps_sites_and_seeds_draw_independently(build):
    """Keys that differ by one (run, step, call site, seed) give uncorrelated uniforms."""
    m = build(scenario({"a": "RANDOM UNIFORM(0, 1, 0)", "b": "RANDOM UNIFORM(0, 1, 0)"}, stop=199))
    res, other = m.run(n_runs=200), m.run(n_runs=200, params={"noise_seed": 1})
    a, b, c = res["a"], res["b"], other["a"]              # 200 steps x 200 runs each
    n = a.size
    limit = 5 / math.sqrt(n)

    def corr(x, y):
        return float(np.corrcoef(np.ravel(x), np.ravel(y))[0, 1])
    assert abs(corr(a[:, :-1], a[:, 1:])) < 5 / math.sqrt(a[:, 1:].size)       # run k, k + 1
    assert abs(corr(a[:-1], a[1:])) < 5 / math.sqrt(a[1:].size)                # step k, k + 1
    assert abs(corr(a, b)) < limit                                             # two call sites
    assert abs(corr(a, c)) < limit                                             # seeds 0 and 1
    assert stats.kstest(np.ravel(a), "uniform").pvalue > 1e-3
    counts = np.histogram(np.ravel(a), bins=20, range=(0, 1))[0]               # evenly spread
    assert stats.chisquare(counts).pvalue > 1e-3


def test_the_cells_of_an_arrayed_element_draw_independently(build):
    m = build("scenario: r\ntime: {start: 0, stop: 200, dt: 1}\ndimensions:\n  region: [north, south, east]\n"
              "auxiliaries:\n  shock[region]: RANDOM NORMAL(-5, 5, 0, 1, 0)\n")
    x = np.asarray(m.run()["shock"]).reshape(201, 3)           # time x cell
    c = np.corrcoef(x.T)
    assert np.all(np.abs(c[np.triu_indices(3, 1)]) < 5 / math.sqrt(201))
    assert all(abs(x[:, i].mean()) < 5 / math.sqrt(201) for i in range(3))
