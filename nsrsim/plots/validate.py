"""Figures of a validation (gravity, firm sizes, innovation ranks, Theil) and a calibration
(the posterior).
"""

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter

from nsrsim.columns import column, outputs
from nsrsim.plots.style import CROSS, WITHIN
from nsrsim.stats import half_width


def validation_figures(runs: pd.DataFrame, folder: Path, out_dir: Path) -> list[Path]:
    """Figures of a validation: gravity of links, firm-size tail, regional innovation ranks
    against the Regional Innovation Scoreboard, and the Theil trajectory against its band.
    """
    from nsrsim.validate import PATTERN_BY_NAME, TAIL_MIN_JOBS, data_theil, gravity
    from nsrsim.world import facts

    out_dir.mkdir(parents=True, exist_ok=True)
    ids = runs["run_id"].tolist()
    pairs = pd.concat(pd.read_parquet(folder / "pairs" / f"{i}.parquet") for i in ids)
    sizes = pd.concat(pd.read_parquet(folder / "sizes" / f"{i}.parquet") for i in ids)
    paths = []

    fig = Figure(figsize=(7.5, 6), dpi=110)
    ax = fig.subplots()
    data = pairs[(pairs["links"] > 0) & (pairs["distance_km"] > 0)]
    intensity = data["links"] / (data["mass_a"] * data["mass_b"])
    for cross, colour, name in ((False, WITHIN, "same country"), (True, CROSS, "cross-border")):
        mine = data["cross_border"] == cross
        ax.scatter(
            data["distance_km"][mine], intensity[mine], s=8, alpha=0.4, color=colour, label=name
        )
    slope, border = gravity(pairs)
    x = np.geomspace(data["distance_km"].min(), data["distance_km"].max(), 50)
    anchor = np.exp(np.mean(np.log(intensity[data["cross_border"] == False])))  # noqa: E712
    middle = np.exp(np.mean(np.log(data["distance_km"][data["cross_border"] == False])))  # noqa: E712
    ax.plot(x, anchor * (x / middle) ** slope, color="#333333", label=f"PPML slope {slope:.2f}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("mean road-equivalent distance between the regions' targeted firms (km)")
    ax.set_ylabel("partner relations / (targeted firms_a x targeted firms_b)")
    pattern = PATTERN_BY_NAME["distance_elasticity"]
    ax.set_title(
        f"Gravity of links: elasticity {slope:.2f} (target {pattern.low:g} to {pattern.high:g}), "
        f"border effect {border:.2f}",
        fontsize=10,
    )
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    paths.append(out_dir / "gravity.png")
    fig.savefig(paths[-1])

    fig = Figure(figsize=(7.5, 6), dpi=110)
    ax = fig.subplots()
    order = np.argsort(-sizes["jobs"].to_numpy())
    jobs = sizes["jobs"].to_numpy()[order]
    weight = sizes["real_firms"].to_numpy()[order]
    ccdf = np.cumsum(weight) / weight.sum()
    ax.loglog(jobs, ccdf, color=WITHIN, linewidth=1.5, label="simulated firms (real, pooled)")
    at = np.searchsorted(-jobs, -TAIL_MIN_JOBS)
    for alpha, style in ((0.8, ":"), (1.3, "--")):
        x = np.geomspace(TAIL_MIN_JOBS, jobs.max(), 20)
        ax.loglog(
            x,
            ccdf[min(at, len(ccdf) - 1)] * (x / TAIL_MIN_JOBS) ** -alpha,
            style,
            color="#333333",
            label=f"slope -{alpha:g}",
        )
    ax.set_xlabel("jobs per firm")
    ax.set_ylabel("share of firms at least this large")
    ax.set_title("Firm sizes: complementary CDF and the target tail", fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    paths.append(out_dir / "firm_sizes.png")
    fig.savefig(paths[-1])

    scores = facts.ris_scores()["ris_2019_rii"]
    columns = outputs(runs.columns, "innovations", area=True)
    rates = {}
    for out in columns:
        if out.year > 0:
            jobs = runs[column("employment", out.year, out.area)]
            per_job = runs[column("innovations", out.year, out.area)] / jobs
            rates.setdefault(out.area, []).append(1000.0 * per_job.mean())
    simulated = pd.Series({r: np.mean(v) for r, v in rates.items()})
    common = simulated.index.intersection(scores.index)
    fig = Figure(figsize=(7.5, 6), dpi=110)
    ax = fig.subplots()
    ax.scatter(scores[common], simulated[common], color=WITHIN)
    for code in common:
        ax.annotate(
            code,
            (scores[code], simulated[code]),
            fontsize=8,
            xytext=(3, 3),
            textcoords="offset points",
        )
    rho = pd.Series(scores[common]).corr(simulated[common], method="spearman")
    ax.set_xlabel("Regional Innovation Scoreboard 2019 index")
    ax.set_ylabel("simulated innovations per 1,000 jobs and year")
    ax.set_title(f"Regional innovation: Spearman {rho:.2f} (target >= 0.6)", fontsize=10)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    paths.append(out_dir / "innovation_ranks.png")
    fig.savefig(paths[-1])

    theil_columns = [
        (c.year, c.name) for c in outputs(runs.columns, "theil_gdp_per_head", area=False)
    ]
    years = np.array([y for y, _ in theil_columns])
    values = runs[[c for _, c in theil_columns]]
    mean = values.mean().to_numpy()
    half = half_width(values.std(ddof=1).to_numpy(), len(values))
    regions = sorted({c.area for c in columns})
    level = data_theil(regions)
    trend = PATTERN_BY_NAME["theil_trend"]
    fig = Figure(figsize=(7.5, 5.5), dpi=110)
    ax = fig.subplots()
    ax.plot(years, mean, color=WITHIN, label="simulated (mean, 95 % band)")
    ax.fill_between(years, mean - half, mean + half, color=WITHIN, alpha=0.2)
    ax.fill_between(
        years,
        mean[0] + trend.low * years / 10,
        mean[0] + trend.high * years / 10,
        color="#999999",
        alpha=0.25,
        label="target trend band from the start",
    )
    ax.errorbar(
        [0],
        [level],
        yerr=[[0.3 * level], [0.3 * level]],
        fmt="s",
        color=CROSS,
        capsize=4,
        label="data level +-30 %",
    )
    ax.set_xlabel("simulated year")
    ax.set_ylabel("Theil T of GDP per head")
    ax.set_title("Regional inequality over the run against the observed band", fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    paths.append(out_dir / "theil.png")
    fig.savefig(paths[-1])
    return paths


def posterior_figure(sets: pd.DataFrame, accepted: pd.DataFrame, calibration, out: Path) -> Path:
    """Each calibrated parameter: the prior sample and the accepted (posterior) sets."""
    out.parent.mkdir(parents=True, exist_ok=True)
    names = list(calibration.parameters)
    columns = min(3, len(names))
    rows = int(np.ceil(len(names) / columns))
    fig = Figure(figsize=(4.6 * columns, 3.4 * rows), dpi=110)
    axes = np.atleast_1d(fig.subplots(rows, columns)).ravel()
    for ax, name in zip(axes, names, strict=False):
        prior = calibration.priors()[name]
        log = prior.scale == "log"
        edges = (
            np.geomspace(prior.min, prior.max, 16) if log else np.linspace(prior.min, prior.max, 16)
        )
        ax.hist(sets[name], bins=edges, color="#cccccc", label="sampled (every round)")
        ax.hist(accepted[name], bins=edges, color=WITHIN, label="accepted")
        ax.axvline(accepted[name].median(), color=CROSS, label="posterior median")
        if log:
            ax.set_xscale("log")
            ax.xaxis.set_minor_formatter(NullFormatter())  # minor labels overlap
        ax.set_title(name, fontsize=9)
        ax.tick_params(labelsize=8)
    for ax in axes[len(names) :]:
        ax.set_visible(False)
    axes[0].legend(fontsize=7)
    fig.suptitle(
        f"ABC rejection: {len(accepted)} sets accepted in the last round, {len(sets)} sampled"
    )
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    fig.savefig(out)
    return out
