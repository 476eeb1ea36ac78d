"""Figures of one run: indicator time series, the final partner network over the NSR, and a
regional innovation map. Figures read result tables and the world, never a model.
"""

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.colors import ListedColormap, Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import NullFormatter

from nsrsim.columns import column, outputs
from nsrsim.indicators import OUTCOME_BY_NAME
from nsrsim.maps import (
    OTHER_LAND,
    SEA,
    choropleth,
    frame,
    graticule,
    region_labels,
    region_raster,
)
from nsrsim.stats import half_width
from nsrsim.world.projection import to_xy
from nsrsim.world.world import World

PANELS = (
    "output_eur",
    "productivity_eur",
    "employment",
    "innovations",
    "skilled_workers",
    "investment_eur",
    "theil_gdp_per_head",
    "urban_rural_gap",
    "innovation_outside_hotspots",
    "links",
    "cross_border_share",
    "transnational_share",
)
AXIS_SCALES = {  # levels on figure axes: corridor totals in bn, millions, thousands
    "EUR/year": (1e9, "bn EUR/year"),
    "EUR/job/year": (1e3, "k EUR/job/year"),
    "jobs": (1e6, "million jobs"),
    "persons": (1e6, "million persons"),
    "per year": (1e3, "thousand per year"),
}
WITHIN = "#4a6fa5"
CROSS = "#d7301f"


def indicator_panels(indicators: pd.DataFrame, out: Path, title: str) -> Path:
    """A grid of the main corridor-wide indicators over simulated years."""
    fig = Figure(figsize=(14, 9.5), dpi=110)
    axes = fig.subplots(3, 4).ravel()
    years = indicators["calendar_year"]
    for ax, name in zip(axes, PANELS, strict=True):
        outcome = OUTCOME_BY_NAME[name]
        factor, unit = AXIS_SCALES.get(outcome.unit, (1.0, outcome.unit))
        ax.plot(years, indicators[name] / factor, color="#1f4e79", linewidth=1.8)
        ax.set_title(outcome.label, fontsize=10)
        ax.set_ylabel(unit, fontsize=8)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
        direction = {True: "higher is better", False: "lower is better"}.get(
            outcome.higher_is_better, ""
        )
        ax.text(
            0.02,
            0.95,
            f"{outcome.group}; {direction}".strip("; "),
            fontsize=7,
            transform=ax.transAxes,
            va="top",
            color="#666666",
        )
    fig.suptitle(title, fontsize=13)
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    fig.savefig(out)
    return out


def network_map(
    world: World, firms: pd.DataFrame, links: pd.DataFrame, out: Path, title: str
) -> Path:
    """The final partner network over the NSR; cross-border links highlighted."""
    raster, extent = region_raster(world)
    fig = Figure(figsize=(10, 11.5), dpi=110)
    ax = fig.subplots()
    image = np.where(raster >= 0, 2, raster + 2)  # 0 other land, 1 sea, 2 modelled land
    ax.imshow(
        image,
        origin="lower",
        extent=extent,
        interpolation="nearest",
        cmap=ListedColormap([OTHER_LAND, SEA, "#f3efe4"]),
        vmin=0,
        vmax=2,
    )
    graticule(ax)
    position = _firm_positions(firms, world.grid.cell_km)
    xa, ya = position.loc[links["row_a"]].to_numpy().T
    xb, yb = position.loc[links["row_b"]].to_numpy().T
    cross = links["cross_border"].to_numpy()
    segments = np.stack([np.column_stack([xa, ya]), np.column_stack([xb, yb])], axis=1)
    ax.add_collection(
        LineCollection(segments[~cross], colors=WITHIN, linewidths=0.4, alpha=0.35, zorder=2)
    )
    ax.add_collection(
        LineCollection(segments[cross], colors=CROSS, linewidths=1.0, alpha=0.8, zorder=3)
    )
    ax.scatter(position["x"], position["y"], s=1.5, color="#333333", zorder=4, linewidths=0)
    frame(ax, extent)
    ax.legend(
        handles=[
            Line2D([], [], color=WITHIN, label=f"links within a country ({(~cross).sum():,})"),
            Line2D(
                [], [], color=CROSS, linewidth=1.5, label=f"cross-border links ({cross.sum():,})"
            ),
            Line2D(
                [],
                [],
                marker="o",
                linestyle="",
                markersize=3,
                color="#333333",
                label=f"firm agents ({len(position):,})",
            ),
        ],
        loc="upper left",
        fontsize=9,
    )
    ax.set_title(title, fontsize=12)
    fig.savefig(out, bbox_inches="tight")
    return out


def innovation_map(world: World, regions: pd.DataFrame, out: Path, title: str) -> Path:
    """Innovations per 1,000 jobs and year over the run, per region."""
    run = regions[regions["year"] > 0]
    per_region = run.groupby("region").agg(
        innovations=("innovations", "sum"), jobs=("employment", "sum")
    )
    rate = (1000 * per_region["innovations"] / per_region["jobs"]).reindex(world.regions.index)
    _, extent = region_raster(world)
    fig = Figure(figsize=(10, 11.5), dpi=110)
    ax = fig.subplots()
    norm = Normalize(vmin=float(np.nanmin(rate)), vmax=float(np.nanmax(rate)))
    shown = choropleth(ax, world, rate.to_numpy(), "YlGnBu", norm)
    graticule(ax)
    region_labels(ax, world, {code: f"{code}\n{rate[code]:.1f}" for code in rate.index})
    frame(ax, extent)
    bar = fig.colorbar(shown, ax=ax, shrink=0.6, pad=0.01)
    bar.set_label("innovations per 1,000 jobs and year")
    ax.set_title(title, fontsize=12)
    fig.savefig(out, bbox_inches="tight")
    return out


def spread_in_cell(rows: np.ndarray, cell_km: float) -> tuple[np.ndarray, np.ndarray]:
    """A fixed offset of each firm row within its cell (low-discrepancy in the row number), so
    firms of one cell do not sit on one point.
    """
    dx = ((rows * 0.6180339887) % 1.0 - 0.5) * cell_km * 0.9
    dy = ((rows * 0.7548776662) % 1.0 - 0.5) * cell_km * 0.9
    return dx, dy


def _firm_positions(firms: pd.DataFrame, cell_km: float) -> pd.DataFrame:
    """Projected position of each firm: its cell centre plus its offset within the cell."""
    x, y = to_xy(firms["lon"].to_numpy(), firms["lat"].to_numpy())
    rows = firms["row"].to_numpy()
    dx, dy = spread_in_cell(rows, cell_km)
    return pd.DataFrame({"x": x + dx, "y": y + dy}, index=rows)


def run_figures(
    world: World,
    indicators: pd.DataFrame,
    regions: pd.DataFrame,
    firms: pd.DataFrame,
    links: pd.DataFrame,
    out_dir: Path,
    scenario_name: str,
) -> list[Path]:
    """All figures of one run into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    final_year = int(indicators["year"].max())
    final = firms[firms["year"] == firms["year"].max()]
    return [
        indicator_panels(
            indicators,
            out_dir / "indicators.png",
            f"Scenario '{scenario_name}': corridor-wide indicators",
        ),
        network_map(
            world,
            final,
            links,
            out_dir / "network.png",
            f"Scenario '{scenario_name}': partner network after {final_year} years",
        ),
        innovation_map(
            world,
            regions,
            out_dir / "innovation_map.png",
            f"Scenario '{scenario_name}': innovation by region, years 1-{final_year}",
        ),
    ]


TRAJECTORIES = (
    "output_eur",
    "innovations",
    "theil_gdp_per_head",
    "cross_border_share",
    "transnational_firm_share",
    "innovation_outside_hotspots",
)
PALETTE = ("#1f4e79", "#d7301f", "#2ca25f", "#fdae61", "#756bb1", "#636363", "#e7298a", "#66a61e")


def comparison_figures(
    by_label: pd.DataFrame, effects: pd.DataFrame, arms: list, out_dir: Path
) -> list[Path]:
    """Trajectories with 95 % bands, corridor effects with CIs at years 5/10/20, effects on
    participants over time, the competitiveness-cohesion trade-off, and (with several doses)
    the dose-response of every alternative.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    labels = [arm.label for arm in arms]
    corridor = effects[effects["level"] == "corridor"]
    figures = [
        _trajectories(by_label, labels, out_dir / "trajectories.png"),
        _effect_sizes(corridor, labels, out_dir / "effects.png"),
        _trade_off(corridor, labels, out_dir / "trade_off.png"),
    ]
    participants = effects[effects["level"] == "participants"]
    if len(participants):
        figures.append(_participants(participants, labels, out_dir / "participants.png"))
    if len({arm.dose for arm in arms[1:]}) > 1:
        figures.append(_dose_response(effects, arms, out_dir / "dose_response.png"))
    return figures


PARTICIPANT_PANELS = (
    ("transnational_partners", "partners beyond INTERREG A per firm"),
    ("innovations", "innovations per firm since the start"),
    ("productivity_eur", "productivity (EUR per job)"),
)
DOSE_PANELS = (
    ("participants", "transnational_partners", "participants: partners beyond INTERREG A"),
    ("participants", "innovations", "participants: innovations per firm"),
    ("corridor", "transnational_firm_share", "corridor: firms with a partner beyond INTERREG A"),
    ("corridor", "innovations", "corridor: innovations per year"),
)


def _participants(effects: pd.DataFrame, labels: list[str], out: Path) -> Path:
    fig = Figure(figsize=(14, 4.5), dpi=110)
    axes = fig.subplots(1, len(PARTICIPANT_PANELS))
    for ax, (name, title) in zip(axes, PARTICIPANT_PANELS, strict=True):
        for k, label in enumerate(labels[1:]):
            rows = effects[(effects["scenario"] == label) & (effects["indicator"] == name)]
            rows = rows.sort_values("year")
            if rows.empty:
                continue
            colour = PALETTE[(k + 1) % len(PALETTE)]
            ax.plot(rows["year"], rows["mean_difference"], color=colour, label=label)
            ax.fill_between(rows["year"], rows["ci_low"], rows["ci_high"], color=colour, alpha=0.2)
        ax.axhline(0, color="#333333", linewidth=0.8)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("simulated year", fontsize=8)
        ax.set_ylabel("difference per real firm", fontsize=8)
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=8)
    axes[0].legend(fontsize=8)
    fig.suptitle(
        f"Effects on participants against the same firms in '{labels[0]}' (95 % CI)", fontsize=12
    )
    fig.tight_layout(rect=(0, 0, 1, 0.92))
    fig.savefig(out)
    return out


def _dose_response(effects: pd.DataFrame, arms: list, out: Path) -> Path:
    final = int(effects["year"].max())
    fig = Figure(figsize=(14, 4.5), dpi=110)
    axes = fig.subplots(1, len(DOSE_PANELS))
    groups: dict[str, list] = {}
    for arm in arms[1:]:
        groups.setdefault(str(arm.path), []).append(arm)
    for ax, (level, name, title) in zip(axes, DOSE_PANELS, strict=True):
        for k, (path, members) in enumerate(groups.items()):
            points = []
            for arm in sorted(members, key=lambda a: a.dose):
                row = effects[
                    (effects["scenario"] == arm.label)
                    & (effects["level"] == level)
                    & (effects["indicator"] == name)
                    & (effects["year"] == final)
                ]
                if len(row):
                    r = row.iloc[0]
                    points.append((arm.dose, r["mean_difference"], r["ci_low"], r["ci_high"]))
                elif level == "participants":
                    points.append((arm.dose, 0.0, 0.0, 0.0))  # no participants at this dose
            if not points:
                continue
            dose, mean, low, high = (np.array(v) for v in zip(*points, strict=True))
            colour = PALETTE[(k + 1) % len(PALETTE)]
            ax.errorbar(
                dose,
                mean,
                yerr=[mean - low, high - mean],
                fmt="o-",
                color=colour,
                capsize=3,
                label=Path(path).stem,
            )
        ax.axhline(0, color="#333333", linewidth=0.8)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("dose (x the scenario's instrument budgets)", fontsize=8)
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=8)
    axes[0].legend(fontsize=8)
    fig.suptitle(f"Dose-response in year {final}: mean paired difference with 95 % CI", fontsize=12)
    fig.tight_layout(rect=(0, 0, 1, 0.92))
    fig.savefig(out)
    return out


def _trajectories(by_label: pd.DataFrame, labels: list[str], out: Path) -> Path:
    fig = Figure(figsize=(14, 8), dpi=110)
    axes = fig.subplots(2, 3).ravel()
    for ax, name in zip(axes, TRAJECTORIES, strict=True):
        outcome = OUTCOME_BY_NAME[name]
        factor, unit = AXIS_SCALES.get(outcome.unit, (1.0, outcome.unit))
        columns = [(c.year, c.name) for c in outputs(by_label.columns, name, area=False)]
        years = np.array([y for y, _ in columns])
        for colour, label in zip(PALETTE, labels, strict=False):
            values = by_label[by_label["label"] == label][[c for _, c in columns]] / factor
            mean = values.mean().to_numpy()
            n = len(values)
            half = half_width(values.std(ddof=1).to_numpy(), n) if n > 1 else 0 * mean
            ax.plot(years, mean, color=colour, label=label, linewidth=1.6)
            ax.fill_between(years, mean - half, mean + half, color=colour, alpha=0.15)
        ax.set_title(outcome.label, fontsize=10)
        ax.set_xlabel("simulated year", fontsize=8)
        ax.set_ylabel(unit, fontsize=8)
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=8)
    axes[0].legend(fontsize=8)
    fig.suptitle("Scenarios over time: mean of the replicates with 95 % band", fontsize=12)
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    fig.savefig(out)
    return out


def _effect_sizes(effects: pd.DataFrame, labels: list[str], out: Path) -> Path:
    years = [y for y in (5, 10, 20) if y in set(effects["year"])] or [int(effects["year"].max())]
    fig = Figure(figsize=(14, 8), dpi=110)
    axes = fig.subplots(2, 3).ravel()
    alternatives = labels[1:]
    for ax, name in zip(axes, TRAJECTORIES, strict=True):
        outcome = OUTCOME_BY_NAME[name]
        relative = outcome.unit in AXIS_SCALES
        for k, label in enumerate(alternatives):
            rows = (
                effects[
                    (effects["scenario"] == label)
                    & (effects["indicator"] == name)
                    & effects["year"].isin(years)
                ]
                .set_index("year")
                .loc[years]
            )
            scale = 100 / rows["base_mean"] if relative else 1.0
            x = np.arange(len(years)) + (k - (len(alternatives) - 1) / 2) * 0.8 / max(
                len(alternatives), 1
            )
            mean = rows["mean_difference"] * scale
            err = np.vstack([mean - rows["ci_low"] * scale, rows["ci_high"] * scale - mean])
            ax.errorbar(
                x,
                mean,
                yerr=err,
                fmt="o",
                color=PALETTE[(k + 1) % len(PALETTE)],
                label=label,
                capsize=3,
            )
        ax.axhline(0, color="#333333", linewidth=0.8)
        ax.set_xticks(range(len(years)), [f"year {y}" for y in years], fontsize=8)
        ax.set_title(outcome.label, fontsize=10)
        ax.set_ylabel("% vs base" if relative else f"difference ({outcome.unit})", fontsize=8)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle(f"Effects against '{labels[0]}': mean paired difference with 95 % CI", fontsize=12)
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    fig.savefig(out)
    return out


def _trade_off(effects: pd.DataFrame, labels: list[str], out: Path) -> Path:
    final = int(effects["year"].max())
    fig = Figure(figsize=(8, 6.5), dpi=110)
    ax = fig.subplots()
    for k, label in enumerate(labels[1:]):
        rows = effects[(effects["scenario"] == label) & (effects["year"] == final)].set_index(
            "indicator"
        )
        out_row, theil = rows.loc["output_eur"], rows.loc["theil_gdp_per_head"]
        x = 100 * out_row["mean_difference"] / out_row["base_mean"]
        xerr = 100 * (out_row["ci_high"] - out_row["ci_low"]) / 2 / out_row["base_mean"]
        y = -theil["mean_difference"]  # up = more cohesion
        yerr = (theil["ci_high"] - theil["ci_low"]) / 2
        ax.errorbar(
            [x],
            [y],
            xerr=[xerr],
            yerr=[yerr],
            fmt="o",
            capsize=4,
            color=PALETTE[(k + 1) % len(PALETTE)],
            label=label,
        )
        ax.annotate(label, (x, y), xytext=(5, 5), textcoords="offset points", fontsize=8)
    ax.axhline(0, color="#333333", linewidth=0.8)
    ax.axvline(0, color="#333333", linewidth=0.8)
    ax.set_xlabel(f"competitiveness: output in year {final}, % vs '{labels[0]}'")
    ax.set_ylabel("cohesion: fall in the Theil index of GDP per head")
    ax.set_title("Competitiveness vs cohesion (95 % CI crosses)")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out)
    return out


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


def sa_figures(table: pd.DataFrame, out_dir: Path) -> list[Path]:
    """Per output of a sensitivity analysis: S1 and ST bars with their 95 % CIs (Sobol,
    FAST), or Morris mu* against sigma (with mu*'s CI).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for output, rows in table.groupby("output", sort=False):
        morris = "mu_star" in rows
        fig = Figure(figsize=(7.5, 6.0 if morris else 0.45 * len(rows) + 2.0), dpi=110)
        ax = fig.subplots()
        if morris:
            ax.errorbar(
                rows["mu_star"], rows["sigma"], xerr=rows["mu_star_conf"], fmt="o", color=WITHIN
            )
            for row in rows.itertuples():
                ax.annotate(
                    row.parameter, (row.mu_star, row.sigma), fontsize=7, xytext=(3, 3),
                    textcoords="offset points",
                )  # fmt: skip
            ax.set_xlabel("mu* (mean absolute elementary effect)")
            ax.set_ylabel("sigma (interactions, non-linearity)")
        else:
            y = np.arange(len(rows))
            ax.barh(y - 0.2, rows["S1"], 0.4, xerr=rows["S1_conf"], color=WITHIN, label="S1")
            ax.barh(y + 0.2, rows["ST"], 0.4, xerr=rows["ST_conf"], color=CROSS, label="ST")
            ax.set_yticks(y, rows["parameter"], fontsize=8)
            ax.invert_yaxis()
            ax.set_xlabel("share of output variance (95 % CI)")
            ax.legend(fontsize=8)
        noise = rows["noise_share"].iloc[0]
        note = "" if np.isnan(noise) else f"; replicate noise {100 * noise:.0f} % of variance"
        ax.set_title(f"{output} ({rows['method'].iloc[0]}{note})", fontsize=10)
        ax.grid(alpha=0.3)
        fig.tight_layout()
        paths.append(out_dir / f"sa_{output_slug(output)}.png")
        fig.savefig(paths[-1])
    return paths


def output_slug(output: str) -> str:
    """A file-name part for an SA output (``effect:innovations@10@participants``)."""
    return output.replace(":", "_").replace("@", "_y", 1).replace("@", "_")


def s2_figures(pairs: pd.DataFrame, out_dir: Path) -> list[Path]:
    """Per output of a Sobol analysis with second order: a heat map of the pairwise S2
    indices (upper triangle; a cell is hatched where its 95 % CI includes zero).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for output, rows in pairs.groupby("output", sort=False):
        names = list(dict.fromkeys([*rows["parameter_a"], *rows["parameter_b"]]))
        k = len(names)
        grid = np.full((k, k), np.nan)
        for row in rows.itertuples():
            grid[names.index(row.parameter_a), names.index(row.parameter_b)] = row.S2
        fig = Figure(figsize=(1.0 * k + 3.0, 0.8 * k + 2.0), dpi=110)
        ax = fig.subplots()
        limit = max(float(np.nanmax(np.abs(grid))), 1e-9)
        image = ax.imshow(grid, cmap="RdBu_r", vmin=-limit, vmax=limit)
        for row in rows.itertuples():
            i, j = names.index(row.parameter_a), names.index(row.parameter_b)
            weak = abs(row.S2) <= row.S2_conf
            ax.text(j, i, f"{row.S2:.2f}", ha="center", va="center", fontsize=7,
                    color="0.5" if weak else "black")  # fmt: skip
        ax.set_xticks(range(k), [n.split(".")[-1] for n in names], rotation=45, ha="right",
                      fontsize=8)  # fmt: skip
        ax.set_yticks(range(k), [n.split(".")[-1] for n in names], fontsize=8)
        fig.colorbar(image, ax=ax, label="S2 (grey: 95 % CI includes 0)")
        ax.set_title(f"{output}: second-order Sobol indices", fontsize=10)
        fig.tight_layout()
        paths.append(out_dir / f"s2_{output_slug(output)}.png")
        fig.savefig(paths[-1])
    return paths


def convergence_figure(table: pd.DataFrame, out: Path) -> Path:
    """Each output's index (Sobol ST, Morris mu*) against N with its 95 % CI, per parameter:
    indices that still move at the largest N need a larger sample.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    key = "mu_star" if "mu_star" in table else "ST"
    outputs = list(dict.fromkeys(table["output"]))
    fig = Figure(figsize=(6.5, 3.2 * len(outputs)), dpi=110)
    axes = np.atleast_1d(fig.subplots(len(outputs), 1))
    for ax, output in zip(axes, outputs, strict=True):
        rows = table[table["output"] == output]
        for name, line in rows.groupby("parameter", sort=False):
            ax.plot(line["n"], line[key], marker="o", label=name)
            ax.fill_between(
                line["n"], line[key] - line[f"{key}_conf"], line[key] + line[f"{key}_conf"],
                alpha=0.15,
            )  # fmt: skip
        ax.set_xscale("log", base=2)
        ax.set_title(output, fontsize=9)
        ax.set_ylabel(key)
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel("N (Saltelli blocks or Morris trajectories)")
    axes[0].legend(fontsize=6, ncol=2)
    fig.tight_layout()
    fig.savefig(out)
    return out
