"""Global sensitivity analysis of any function of named parameters (SALib sampling and analysis).

The layer knows nothing of the model: ``run(function, problem, ...)`` samples ``problem`` with
SALib, evaluates ``function`` (a dict of parameter values to a dict of outputs) at every point,
averages replicates, and analyses each output with SALib. Next to the indices it reports the
share of the analysed output's variance that is replicate noise, so that nobody reads noise as
sensitivity: with R replicates per point, noise share = (mean within-point variance / R) /
variance of the point means, about 0 for a deterministic function and about 1 for pure noise.

``problem`` is SALib's problem dict: ``names``, ``bounds`` and optionally ``dists``. Methods:
Sobol (Saltelli sampling; N a power of 2), Morris (N trajectories) and FAST (a quick first look;
its bootstrap confidence intervals are indicative only, SALib issue #649).
"""

import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd
from SALib.analyze import fast as fast_analysis
from SALib.analyze import morris as morris_analysis
from SALib.analyze import sobol as sobol_analysis
from SALib.sample import fast_sampler, morris, sobol

METHODS = ("sobol", "morris", "fast")
Function = Callable[..., dict[str, float]]


def check_problem(problem: dict, method: str, n: int) -> dict:
    """The problem as SALib wants it (with ``num_vars``); ValueError naming what is wrong with
    the problem, method or sample size.
    """
    if method not in METHODS:
        raise ValueError(f"method '{method}' is not one of {', '.join(METHODS)}")
    names, bounds = problem.get("names", []), problem.get("bounds", [])
    if not names or len(names) != len(bounds):
        raise ValueError("problem needs 'names' and one [lower, upper] bound per name")
    for name, (low, high) in zip(names, bounds, strict=True):
        if not low < high:
            raise ValueError(f"parameter '{name}': lower bound {low} must be below upper {high}")
    if method == "sobol" and (n < 2 or n & (n - 1)):
        raise ValueError(f"Sobol needs N a power of 2 (Saltelli sampling), got {n}")
    if method == "fast" and n <= 64:
        raise ValueError(f"FAST needs N > 64 (4 x M^2 with M = 4), got {n}")
    return {**problem, "num_vars": len(names)}


def sample(problem: dict, method: str, n: int, seed: int, second_order: bool = False) -> np.ndarray:
    """The SALib design of ``method``: one row per model evaluation."""
    problem = check_problem(problem, method, n)
    if method == "sobol":
        return sobol.sample(problem, n, calc_second_order=second_order, seed=seed)
    if method == "morris":
        return morris.sample(problem, n, seed=seed)
    return fast_sampler.sample(problem, n, seed=seed)


def noise_share(values: np.ndarray) -> float:
    """Share of the variance of the point means that is replicate noise (``values``: points x
    replicates); NaN with one replicate, where it cannot be told.

    Replicate r of every point runs with the same seed (common random numbers), so what a seed
    does to every point alike shifts every point mean alike and changes no index: the noise is
    the points' disagreement between replicates, the residual of a two-way layout (value minus
    its point's and its replicate's means plus the grand mean), over the replicates averaged.
    The within-point variance alone counted the seeds' common shift as noise (the framework
    file's productivity growth: 86 % "noise", 24 % of it disagreement).
    """
    points, replicates = values.shape
    if replicates < 2 or points < 2:
        return np.nan
    residual = (
        values - values.mean(axis=1, keepdims=True) - values.mean(axis=0, keepdims=True)
    ) + values.mean()
    noise = (residual**2).sum() / ((points - 1) * (replicates - 1)) / replicates
    total = values.mean(axis=1).var(ddof=1)
    return float(min(noise / total, 1.0)) if total > 0 else 1.0


def _variance_shares(names: list[str], result: dict) -> pd.DataFrame:
    """First-order and total indices with their CI half widths, a row per parameter."""
    columns = ("S1", "S1_conf", "ST", "ST_conf")
    return pd.DataFrame({"parameter": names, **{c: result[c] for c in columns}})


def analyse(
    problem: dict,
    method: str,
    x: np.ndarray,
    y: np.ndarray,
    seed: int,
    second_order: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Indices of one output ``y`` (one value per row of ``x``): a frame with a row per
    parameter (Sobol and FAST: S1, S1_conf, ST, ST_conf; Morris: mu, mu_star, mu_star_conf,
    sigma) and, for Sobol with ``second_order``, the S2 pairs.
    """
    names = problem["names"]
    problem = {**problem, "num_vars": len(names)}
    if method == "sobol":
        result = sobol_analysis.analyze(problem, y, calc_second_order=second_order, seed=seed)
        frame = _variance_shares(names, result)
        pairs = None
        if second_order:
            i, j = np.triu_indices(len(names), k=1)
            pairs = pd.DataFrame(
                {
                    "parameter_a": np.asarray(names)[i],
                    "parameter_b": np.asarray(names)[j],
                    "S2": result["S2"][i, j],
                    "S2_conf": result["S2_conf"][i, j],
                }
            )
        return frame, pairs
    if method == "morris":
        result = morris_analysis.analyze(problem, x, y, seed=seed)
        return pd.DataFrame(
            {
                "parameter": names,
                "mu": result["mu"],
                "mu_star": result["mu_star"],
                "mu_star_conf": result["mu_star_conf"],
                "sigma": result["sigma"],
            }
        ), None
    with warnings.catch_warnings():  # said once, in this module's docstring (SALib #649)
        warnings.filterwarnings("ignore", message="FAST confidence intervals")
        result = fast_analysis.analyze(problem, y, seed=seed)
    return _variance_shares(names, result), None


def rows_per_sample(method: str, n_parameters: int, second_order: bool = False) -> int:
    """Model evaluations per unit of N: a Saltelli block or a Morris trajectory."""
    if method == "sobol":
        return (2 * n_parameters + 2) if second_order else (n_parameters + 2)
    if method == "morris":
        return n_parameters + 1
    raise ValueError(
        f"'{method}' samples are not nested: no convergence check (use sobol or morris)"
    )


def convergence(
    problem: dict,
    method: str,
    x: np.ndarray,
    y: np.ndarray,
    seed: int,
    second_order: bool = False,
    fractions: tuple[float, ...] = (0.125, 0.25, 0.5, 1.0),
) -> pd.DataFrame:
    """The indices reanalysed on nested subsamples: the first N/8, N/4, N/2 and N Saltelli
    blocks or Morris trajectories (a Sobol sequence's prefix is itself a Sobol design), one
    block of rows per subsample with its ``n``. Indices that still move, or CIs still wide at
    N, say the sample is too small.
    """
    block = rows_per_sample(method, len(problem["names"]), second_order)
    n = len(x) // block
    frames = []
    for size in sorted({max(int(n * fraction), 2) for fraction in fractions}):
        rows = size * block
        frame, _ = analyse(problem, method, x[:rows], y[:rows], seed, second_order)
        frames.append(frame.assign(n=size))
    return pd.concat(frames, ignore_index=True)


def evaluate(
    function: Function, names: list[str], x: np.ndarray, replicates: int, seed: int
) -> dict[str, np.ndarray]:
    """Each output at every point and replicate (points x replicates). With replicates the
    function is called as ``function(params, seed=s)``, replicate r of every point with the
    same seed (common random numbers across points).
    """
    outputs: dict[str, np.ndarray] = {}
    seeds = np.random.SeedSequence(seed).generate_state(replicates).tolist()
    for row, values in enumerate(x):
        params = dict(zip(names, values.tolist(), strict=True))
        for r in range(replicates):
            result = function(params) if replicates == 1 else function(params, seed=seeds[r])
            for key, value in result.items():
                outputs.setdefault(key, np.full((len(x), replicates), np.nan))[row, r] = value
    return outputs


def run(
    function: Function,
    problem: dict,
    method: str = "sobol",
    n: int = 1024,
    seed: int = 1,
    replicates: int = 1,
    second_order: bool = False,
) -> pd.DataFrame:
    """Sample, evaluate and analyse: one row per output and parameter with the method's
    indices and the output's replicate-noise share (NaN with one replicate).
    """
    x = sample(problem, method, n, seed, second_order)
    frames = []
    for output, values in evaluate(function, problem["names"], x, replicates, seed).items():
        frame, _ = analyse(problem, method, x, values.mean(axis=1), seed, second_order)
        frame.insert(0, "output", output)
        frame["noise_share"] = noise_share(values)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)
