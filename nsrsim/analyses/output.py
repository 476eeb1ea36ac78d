"""Write the analyses: CSV tables, figures and a summary in plain words first."""

from pathlib import Path

import numpy as np
import pandas as pd

from nsrsim.analyses import figures
from nsrsim.analyses.pipeline import Plan, Tables
from nsrsim.columns import column
from nsrsim.store import write_text_atomic
from nsrsim.world.world import cached_world

SHOWN = 5  # rows of each ranking in the summary


def _ci(row: pd.Series, name: str, fmt: str = ".1f") -> str:
    return f"{row[name]:{fmt}} [{row[f'{name}_ci_low']:{fmt}}, {row[f'{name}_ci_high']:{fmt}}]"


def summary(plan: Plan, tables: Tables) -> str:
    """What the three analyses say, in plain words, then the numbers."""
    years, reps = plan.years, plan.replicates
    g = tables.gap
    lines = [
        f"nsrsim analyse: {plan.scenario.name}, {years} years, {reps} replicates "
        f"(95 % confidence intervals over replicates)",
        "",
        "1. Innovation gap outside the hot-spots",
        f"   Outside the hot-spots ({g['hotspots']}) firms innovate "
        f"{g['simulated_ratio']:.2f} [{g['simulated_ci_low']:.2f}, {g['simulated_ci_high']:.2f}] "
        "times as often per job as in them (simulated baseline); the regions' Regional "
        f"Innovation Index (RIS 2019, observed) outside is {g['observed_ris_ratio']:.2f} times "
        "that of the hot-spots. The index is a composite, so compare orders, not ratios: the "
        f"simulated order of the regions follows the index with Spearman's rho "
        f"{g['spearman_with_ris']:.2f} ({g['regions_with_ris']} regions with a score).",
    ]
    gaps = tables.gap_regions.sort_values("innovations_per_1000_jobs", ascending=False)
    lines.append(
        "   Regions, most innovative per job first (simulated; observed RIS rank in brackets): "
        + ", ".join(
            f"{r.region}" + ("" if np.isnan(r.observed_rank) else f" ({r.observed_rank:.0f})")
            for r in gaps.itertuples()
        )
    )
    for row in tables.gap_classes.itertuples():
        lines.append(
            f"   {row.urban_class:<13} {row.innovations_per_1000_jobs:6.2f} "
            f"[{row.ci_low:.2f}, {row.ci_high:.2f}] innovations per 1,000 jobs and year, trend "
            f"{row.trend_per_decade:+.2f} [{row.trend_ci_low:+.2f}, {row.trend_ci_high:+.2f}] "
            "per decade"
        )
    ranked = tables.linkages[tables.linkages["potential_rank"].notna()]
    lines += [
        "",
        "2. Smart-specialisation linkages beyond INTERREG A",
        f"   {len(ranked)} region pairs in two countries share or complement priorities without "
        "an INTERREG A programme between them; the first ones (most overlap, then least "
        "cooperation today, then shortest travel):",
    ]
    for row in ranked.head(SHOWN).itertuples():
        what = "; ".join(
            part
            for part in (
                row.shared_priorities and f"shared {row.shared_priorities.replace(';', ', ')}",
                row.complementary_priorities
                and f"complementary {row.complementary_priorities.replace(';', ', ')}",
            )
            if part
        )
        lines.append(
            f"   {int(row.potential_rank)}. {row.region_a}-{row.region_b}: {what}; "
            f"{row.travel_h:.1f} h; {row.links_per_1000_firms:.2f} "
            f"[{row.links_ci_low:.2f}, {row.links_ci_high:.2f}] links per 1,000 firms today"
        )
    sim = tables.partnerships
    lines += [
        "",
        "3. Cluster partnership potentials",
        f"   {len(tables.screening)} pairs of initiatives in two countries screened; the top "
        f"candidates of each category simulated with a brokered partnership of "
        f"{plan.budget_eur:,.0f} EUR a year for {years} years (effects on the firms that were "
        "members of either initiative at the start, whole run; a partner relation counts at "
        "both ends of a link):",
    ]
    for name, group in sim.groupby("category"):
        lines.append(f"   {name}:")
        for _, row in group.sort_values("innovations", ascending=False).iterrows():
            tie = ", INTERREG A" if row["interreg_a_tie"] else ""
            lines.append(
                f"   {int(row['candidate']):>3}. {row['cluster_a']} ({row['region_a']}) + "
                f"{row['cluster_b']} ({row['region_b']}{tie}): score {row['score']:.3f}; extra "
                f"innovations {_ci(row, 'innovations')}, partner relations "
                f"{_ci(row, 'partners')}, "
                f"productivity {_ci(row, 'productivity_eur', ',.0f')} EUR/job"
            )
    rho = tables.agreement
    lines.append(
        "   Does the simulated order follow the screening? Spearman's rho between score and "
        "extra innovations (p-value; with five candidates only a perfect order is significant): "
        + ", ".join(
            f"{name} {rho[f'{name}:innovations:rho']:+.2f} (p {rho[f'{name}:innovations:p']:.2f})"
            for name in sorted(sim["category"].unique())
        )
    )
    return "\n".join(lines) + "\n"


def write(plan: Plan, tables: Tables, out: Path) -> list[Path]:
    """Every table and figure of the analyses, and summary.txt."""
    written = []
    for name, table in (
        ("innovation_gap_regions", tables.gap_regions),
        ("innovation_gap_classes", tables.gap_classes),
        ("s3_linkages", tables.linkages),
        ("cluster_screening", tables.screening),
        ("cluster_partnerships", tables.partnerships),
    ):
        path = out / f"{name}.csv"
        table.to_csv(path, index=False)
        written.append(path)
    gap = pd.Series({**tables.gap, **{f"spearman:{k}": v for k, v in tables.agreement.items()}})
    gap.to_frame("value").to_csv(out / "headline.csv", index_label="name")
    figure_dir = out / "figures"
    figure_dir.mkdir(exist_ok=True)
    world = cached_world(plan.scenario.world)
    written += [
        figures.gap_map(world, base_region_years(plan, out), figure_dir / "innovation_gap_map.png"),
        figures.gap_bars(tables.gap_regions, figure_dir / "innovation_gap.png"),
        figures.linkage_matrix(tables.linkages, plan.context.codes, figure_dir / "s3_linkages.png"),
        figures.partnership_check(tables.partnerships, figure_dir / "cluster_partnerships.png"),
    ]
    written.append(write_text_atomic(out / "summary.txt", summary(plan, tables)))
    return written


def base_region_years(plan: Plan, out: Path) -> pd.DataFrame:
    """Mean innovations and employment per region and year over the baseline's replicates."""
    runs = pd.read_parquet(out / "runs.parquet")
    base = runs[runs["point"] == 0]
    rows = [
        {
            "year": year,
            "region": code,
            "innovations": float(np.mean(base[column("innovations", year, code)])),
            "employment": float(np.mean(base[column("employment", year, code)])),
        }
        for year in range(plan.years + 1)
        for code in plan.context.codes
    ]
    return pd.DataFrame(rows)
