"""Replicate statistics, one formula each, for every table, figure and the brief.

A simulated quantity is a mean over replicates (independent seeds) with a confidence interval
from the t distribution; a policy effect is a mean paired difference (same seed in both arms,
nsrsim.compare) with its t interval, p-value, minimum detectable effect at 80 % power and
Holm's correction across the outcomes of one level and year.
"""

import numpy as np
from scipy import stats

ALPHA = 0.05
POWER = 0.8


def half_width(sd: np.ndarray | float, n: int, level: float = 1 - ALPHA) -> np.ndarray | float:
    """Half width of the t confidence interval of a mean of ``n`` replicates with standard
    deviation ``sd`` (NaN below two replicates).
    """
    if n < 2:
        return np.nan * np.asarray(sd) if np.ndim(sd) else np.nan
    return stats.t.ppf(0.5 + level / 2, n - 1) * (np.asarray(sd) / np.sqrt(n))


def mean_ci(values: np.ndarray, level: float = 1 - ALPHA) -> tuple[float, float, float]:
    """Mean and t confidence interval of replicate values (NaN interval for one)."""
    values = np.asarray(values, float)
    values = values[np.isfinite(values)]
    mean = float(values.mean()) if values.size else np.nan
    if values.size < 2:
        return mean, np.nan, np.nan
    half = float(half_width(values.std(ddof=1), values.size, level))
    return mean, mean - half, mean + half


def paired_stats(diff: np.ndarray, base: np.ndarray) -> dict:
    """Mean paired difference, its 95 % CI, p-value and 80 %-power MDE over replicates (of
    one outcome alone; :func:`nsrsim.compare.effects` corrects it for the family tested).
    """
    diff = diff[np.isfinite(diff)]
    n = len(diff)
    mean = float(diff.mean()) if n else np.nan
    sd = float(diff.std(ddof=1)) if n > 1 else np.nan
    if n > 1:
        se = sd / np.sqrt(n)
        half = float(half_width(sd, n))
        p = float(2 * stats.t.sf(abs(mean) / se, n - 1)) if se > 0 else float(mean == 0)
    else:
        half = p = np.nan
    base_mean = float(np.nanmean(base)) if len(base) else np.nan
    return {
        "n": n,
        "base_mean": base_mean,
        "mean_difference": mean,
        "sd_difference": sd,
        "ci_low": mean - half,
        "ci_high": mean + half,
        "relative_effect": mean / base_mean if base_mean else np.nan,
        "p_value": p,
        "mde": float(mde(sd, n)) if n > 1 else np.nan,
    }


def mde(sd: np.ndarray | float, n: np.ndarray | int, family: np.ndarray | int = 1) -> np.ndarray:
    """Minimum detectable effect of a paired mean difference over ``n`` replicates at 80 %
    power, two-sided, with the level corrected for a ``family`` of outcomes tested together
    (Bonferroni's alpha / family, the bar Holm's correction sets for the strongest of them):
    an effect this large is detected, after the correction, 4 times in 5.
    """
    n = np.asarray(n, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        dof = np.where(n > 1, n - 1, np.nan)
        t = stats.t.ppf(1 - ALPHA / (2 * np.asarray(family, float)), dof) + stats.t.ppf(POWER, dof)
        return t * np.asarray(sd, float) / np.sqrt(n)


def replicates_needed(sd: float, effect: float, cap: int = 100_000) -> float:
    """Replicates for 80 % power to detect ``effect`` at 5 % (two-sided, paired t)."""
    if not np.isfinite(sd) or effect == 0 or not np.isfinite(effect):
        return np.nan
    if sd == 0:
        return 2.0
    for n in (*range(2, 1000), *np.unique(np.geomspace(1000, cap, 200).astype(int))):
        if (stats.t.ppf(1 - ALPHA / 2, n - 1) + stats.t.ppf(POWER, n - 1)) * sd / np.sqrt(n) <= abs(
            effect
        ):
            return float(n)
    return np.inf


def holm(p_values: np.ndarray) -> np.ndarray:
    """Holm's step-down adjusted p-values (controls the family-wise error rate)."""
    p = np.asarray(p_values, float)
    adjusted = np.full(len(p), np.nan)
    finite = np.flatnonzero(np.isfinite(p))
    if len(finite) == 0:
        return adjusted
    order = finite[np.argsort(p[finite], kind="stable")]
    m = len(order)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[index]))
        adjusted[index] = running
    return adjusted
