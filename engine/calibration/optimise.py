"""Estimation: a global, population-based search (differential evolution, Storn and Price 1997) in
which each generation is one batch of runs, then a local polish (Levenberg-Marquardt, lm.py).

The search state (population, objective values, random-generator state, generation) is plain data,
so a checkpoint written after any generation resumes to exactly the numbers of an uninterrupted run.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import ModelError


@dataclass
class SearchState:
    """Differential evolution between generations (positions in the unit cube)."""
    generation: int
    population: np.ndarray
    energies: np.ndarray
    rng_state: dict
    n_evals: int
    converged: bool = False
    history: list = field(default_factory=list)     # best objective after each generation

    @property
    def best(self) -> int:
        """Index of the best member of the population."""
        return int(np.argmin(self.energies))

    @property
    def best_z(self) -> np.ndarray:
        """The best member's position (in the search's scaled coordinates)."""
        return self.population[self.best].copy()

    @property
    def best_energy(self) -> float:
        """The best member's objective."""
        return float(self.energies[self.best])


def start_search(problem, opt, seed: int, start_z=None) -> SearchState:
    """The first generation: a Latin hypercube over the unit cube (plus ``start_z``, e.g. the
    model's current values), evaluated as one batch."""
    rng = np.random.default_rng(seed)
    n, d = opt.population * problem.dim, problem.dim
    pop = (np.argsort(rng.random((n, d)), axis=0) + rng.random((n, d))) / n
    if start_z is not None:
        pop[0] = np.clip(start_z, 0.0, 1.0)
    energies = problem.objective(pop)
    if not np.isfinite(energies).any():
        raise ModelError(f"the optimiser cannot start: none of the {n} runs of the first generation "
                         "gives a finite objective (every run failed or read a non-positive value "
                         "under a log-normal error)", file=problem.spec.file,
                         hint="narrow the bounds, or check the series' variables and readings")
    state = SearchState(0, pop, energies, dict(rng.bit_generator.state), n)
    state.history.append(state.best_energy)
    return state


def search_generation(problem, state: SearchState, opt) -> SearchState:
    """One generation of best/1/bin with dithered mutation; trials are one batch of runs."""
    rng = np.random.default_rng()
    rng.bit_generator.state = state.rng_state
    pop, energies = state.population, state.energies
    n, d = pop.shape
    f = rng.uniform(*opt.mutation)
    r1, r2 = _two_others(rng, n)
    mutant = pop[state.best] + f * (pop[r1] - pop[r2])
    cross = rng.random((n, d)) < opt.recombination
    cross[np.arange(n), rng.integers(0, d, n)] = True
    trial = np.where(cross, mutant, pop)
    outside = (trial < 0) | (trial > 1)
    trial[outside] = rng.random(int(outside.sum()))
    e = problem.objective(trial)
    better = e <= energies
    pop = np.where(better[:, None], trial, pop)
    energies = np.where(better, e, energies)
    finite = energies[np.isfinite(energies)]
    converged = (len(finite) == n and
                 np.std(finite) <= opt.tolerance * max(abs(float(np.mean(finite))), 1e-12))
    out = SearchState(state.generation + 1, pop, energies, rng.bit_generator.state,
                      state.n_evals + n, bool(converged), state.history + [float(energies.min())])
    return out


def _two_others(rng, n):
    """For each member i, two distinct other members (indices)."""
    i = np.arange(n)
    r1 = (i + rng.integers(1, n, n)) % n
    r2 = (i + rng.integers(1, n, n)) % n
    while (clash := r2 == r1).any():
        r2[clash] = (i[clash] + rng.integers(1, n, int(clash.sum()))) % n
    return r1, r2


def polish(problem, z0: np.ndarray, iterations: int):
    """Refine a point by Levenberg-Marquardt on the standardised residuals (each iteration: one
    batch for the Jacobian, one for three trial steps); returns (z, objective)."""
    from .lm import solve_many
    z, f = solve_many(problem, z0[None, :], np.array([-1]), iterations=iterations, tol=1e-12)
    return z[0], float(f[0])
