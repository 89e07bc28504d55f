"""The settings of a calibration spec: the optimiser and its budget, the interval level, the MCMC."""
from __future__ import annotations

from dataclasses import dataclass

from ..model.check import is_finite_number, suggest

OPTIMIZER_KEYS = ("method", "population", "generations", "tolerance", "mutation", "recombination",
                  "polish", "polish_iterations")
MCMC_KEYS = ("walkers", "steps", "burn", "thin", "band_draws")
HINDCAST_KEYS = ("origins", "series", "draws")


@dataclass(frozen=True)
class OptimizerSpec:
    """Differential evolution (population = multiplier x parameters) and a local polish."""
    method: str = "differential_evolution"
    population: int = 10
    generations: int = 200
    tolerance: float = 1e-7
    mutation: tuple = (0.5, 1.0)
    recombination: float = 0.7
    polish: bool = True
    polish_iterations: int = 30


@dataclass(frozen=True)
class McmcSpec:
    """Affine-invariant ensemble sampling (emcee); ``steps`` = 0 switches it off."""
    walkers: int = 0                # 0: 8 x parameters (at least 32)
    steps: int = 0
    burn: int = 0
    thin: int = 1
    band_draws: int = 200


@dataclass(frozen=True)
class HindcastSpec:
    """Rolling-origin hindcasts: the origins (times; empty: every one the data allow), the series
    scored (empty: every fitted one) and the predictive draws per origin."""
    origins: tuple = ()
    series: tuple = ()
    draws: int = 400


def hindcast_settings(block, c, data) -> HindcastSpec:
    """The hindcast's settings ('hindcast: {origins: [2023, 2024], series: [...], draws: 400}')."""
    if block is None:
        return HindcastSpec()
    if not isinstance(block, dict):
        raise c.err("'hindcast' is a mapping (origins:, series:, draws:)", data, "hindcast")
    unknown = [k for k in block if k not in HINDCAST_KEYS]
    if unknown:
        raise c.err(f"unknown hindcast field '{unknown[0]}'", block, unknown[0],
                    hint=suggest(unknown[0], HINDCAST_KEYS))
    origins = block.get("origins", [])
    if not isinstance(origins, list) or not all(is_number(t) for t in origins):
        raise c.err("hindcast 'origins' is a list of times, e.g. [2023, 2024]", block, "origins")
    series = block.get("series", [])
    if not isinstance(series, list) or not all(isinstance(s, str) for s in series):
        raise c.err("hindcast 'series' is a list of series names", block, "series")
    draws = block.get("draws", 400)
    if not isinstance(draws, int) or isinstance(draws, bool) or draws < 10:
        raise c.err("hindcast 'draws' must be a whole number >= 10", block, "draws")
    return HindcastSpec(tuple(sorted(float(t) for t in origins)), tuple(series), draws)


def uncertainty_level(block, c, data) -> float:
    """The confidence level of the intervals ('uncertainty: {level: 0.9}'), checked."""
    if block is None:
        return 0.9
    if not isinstance(block, dict) or any(k not in ("level", "method") for k in block):
        raise c.err("'uncertainty' takes level: (0-1) and method: profile", data, "uncertainty")
    if block.get("method", "profile") != "profile":
        raise c.err(f"unknown uncertainty method '{block['method']}'", data, "uncertainty", hint="profile")
    level = block.get("level", 0.9)
    if not is_number(level) or not 0 < level < 1:
        raise c.err("'level' must lie between 0 and 1 (e.g. 0.9)", data, "uncertainty")
    return float(level)


def optimizer_settings(block, c, data, n_params) -> OptimizerSpec:
    """The optimiser's settings ('optimizer:'), checked against the number of parameters."""
    block = block or {}
    if not isinstance(block, dict):
        raise c.err("'optimizer' is a mapping (population:, generations:, ...)", data, "optimizer")
    unknown = [k for k in block if k not in OPTIMIZER_KEYS]
    if unknown:
        raise c.err(f"unknown optimizer field '{unknown[0]}'", block, unknown[0],
                    hint=suggest(unknown[0], OPTIMIZER_KEYS))
    o = OptimizerSpec()
    method = str(block.get("method", o.method))
    if method != "differential_evolution":
        raise c.err(f"the optimiser '{method}' cannot start: unknown method", block, "method",
                    hint="differential_evolution")
    pop = block.get("population", o.population)
    if not isinstance(pop, int) or pop * n_params < 5:
        raise c.err(f"the optimiser cannot start: a population of {pop} x {n_params} parameter(s) is "
                    "below the 5 members differential evolution needs", block, "population")
    gens = block.get("generations", o.generations)
    if not isinstance(gens, int) or gens < 1:
        raise c.err("the optimiser cannot start: 'generations' must be a whole number >= 1", block, "generations")
    mut = block.get("mutation", list(o.mutation))
    mut = [mut, mut] if is_number(mut) else mut
    rec = block.get("recombination", o.recombination)
    tol = block.get("tolerance", o.tolerance)
    iters = block.get("polish_iterations", o.polish_iterations)
    if not (isinstance(mut, list) and len(mut) == 2 and all(is_number(m) and 0 < m <= 2 for m in mut)
            and is_number(rec) and 0 <= rec <= 1 and is_number(tol) and tol >= 0
            and isinstance(iters, int) and iters >= 0):
        raise c.err("the optimiser cannot start: mutation must lie in (0, 2], recombination in [0, 1], "
                    "tolerance >= 0, polish_iterations a whole number", block)
    return OptimizerSpec(method, pop, gens, float(tol), (float(mut[0]), float(mut[1])), float(rec),
                         bool(block.get("polish", True)), iters)


def mcmc_settings(block, c, data) -> McmcSpec:
    """The posterior sampler's settings ('mcmc:'), checked; ``false`` turns it off."""
    if block is None or block is False:
        return McmcSpec()
    if not isinstance(block, dict):
        raise c.err("'mcmc' is a mapping (walkers:, steps:, burn:, thin:)", data, "mcmc")
    unknown = [k for k in block if k not in MCMC_KEYS]
    if unknown:
        raise c.err(f"unknown mcmc field '{unknown[0]}'", block, unknown[0], hint=suggest(unknown[0], MCMC_KEYS))
    vals = {k: block.get(k, getattr(McmcSpec(), k)) for k in MCMC_KEYS}
    if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in vals.values()):
        raise c.err("mcmc walkers, steps, burn, thin and band_draws are whole numbers >= 0", data, "mcmc")
    if vals["steps"] and vals["burn"] >= vals["steps"]:
        raise c.err("mcmc 'burn' must be smaller than 'steps'", data, "mcmc")
    if vals["thin"] < 1:
        raise c.err("mcmc 'thin' must be at least 1", data, "mcmc")
    return McmcSpec(**vals)


def is_number(x) -> bool:
    """A finite int or float (not a bool)."""
    return is_finite_number(x)
