"""``nsrsim analyse``: plan the runs, execute them (resumable, parallel), write the analyses.

One batch holds the baseline's replicates (with the region pairs' links and the cluster
members' firm panel) and, per simulated cluster partnership candidate, the same replicates
with that partnership brokered (same seeds: common random numbers).
"""

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from nsrsim.analyses import gap, linkages, partnerships
from nsrsim.config import Scenario
from nsrsim.errors import NsrsimError
from nsrsim.runner import RunSpec, replicate_run, replicate_seed
from nsrsim.sectors import Sector
from nsrsim.validate import measure_region_links

PARTNERSHIP = "brokered partnership"


@dataclass(frozen=True)
class Context:
    """What the analyses read of the model at the start of a run (not of any replicate)."""

    codes: list[str]
    regions: pd.DataFrame  # the world's region table (regions.csv rows), by code
    hotspot: pd.Series  # bool per code
    priorities: dict[str, list[Sector]]
    travel_h: np.ndarray  # hub to hub, regions x regions
    interreg_tie: np.ndarray  # regions x regions
    cluster_index: dict[str, int]
    related_value: float


@dataclass(frozen=True)
class Plan:
    """The analysis to run: scenario, settings, screening, candidates and runs."""

    scenario: Scenario
    replicates: int
    budget_eur: float
    context: Context
    screening: pd.DataFrame
    chosen: pd.DataFrame
    runs: list[RunSpec]
    digest: str

    @property
    def years(self) -> int:
        """Simulated years of every run."""
        return self.scenario.run.years


def outputs(years: int) -> dict[str, Any]:
    """What each run keeps: innovations and jobs per region and urban class every year, the
    final links between regions, and the firm panel of the initiatives' starting members.
    """
    return {
        "indicators": ["innovations", "employment"],
        "years": list(range(years + 1)),
        "regions": True,
        "urban_classes": True,
        "firm_panel": True,
        "panel_cohort": "cluster_members",
        "measures": (measure_region_links,),
    }


def make_plan(
    scenario: Scenario,
    replicates: int,
    top: int,
    budget_eur: float | None,
    beyond_interreg: bool = False,
) -> Plan:
    """Screen the partnerships on the starting states of the replicates (the scores averaged
    over them) and list every run.
    """
    from nsrsim.model import NSRModel

    if replicates < 2:
        raise NsrsimError(
            f"--replicates must be at least 2 (confidence intervals need two); got {replicates}."
        )
    if top < 1:
        raise NsrsimError(f"--top must be at least 1 (candidates per category); got {top}.")
    budget = scenario.framework.partnership_eur_per_year if budget_eur is None else budget_eur
    if budget < 0:
        raise NsrsimError(f"--budget must be 0 or more EUR per year; got {budget}.")
    starts = [
        NSRModel(scenario, rng=replicate_seed(scenario.run.seed, r)) for r in range(replicates)
    ]  # the starting state of every replicate that will be run
    model = starts[0]
    if model.hotspot.all() or len(set(model.region_country)) < 2:
        raise NsrsimError(
            f"'nsrsim analyse' needs regions of at least two countries and more than the three "
            f"hot-spots; scenario '{scenario.name}' models {', '.join(model.region_codes)}."
        )
    hubs = model.region_hubs()
    context = Context(
        codes=list(model.region_codes),
        regions=model.world.regions,
        hotspot=pd.Series(model.hotspot, index=model.region_codes),
        priorities=dict(zip(model.region_codes, model.priority_sectors, strict=True)),
        travel_h=np.asarray(model.travel_h[np.ix_(hubs, hubs)], float),
        interreg_tie=model.interreg_tie,
        cluster_index={name: k for k, name in enumerate(model.cluster_info.name)},
        related_value=scenario.clusters.related_complementarity,
    )
    screen = partnerships.mean_screening([partnerships.screening(m) for m in starts])
    if screen.empty:
        raise NsrsimError(
            f"scenario '{scenario.name}' has no pair of cluster initiatives in two countries."
        )
    chosen = partnerships.candidates(screen, top, beyond_interreg)
    chosen.insert(0, "candidate", np.arange(1, len(chosen) + 1))
    base = scenario.model_dump(mode="json")
    runs = []
    arms = [base] + [partnership_scenario(base, row, budget) for row in chosen.itertuples()]
    for replicate in range(replicates):
        for point, arm in enumerate(arms):
            runs.append(replicate_run(point, replicate, scenario.run.seed, arm, {}))
    identity = {
        "scenario": base,
        "replicates": replicates,
        "candidates": chosen[["cluster_a", "cluster_b"]].to_numpy().tolist(),
        "budget": budget,
    }
    digest = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:16]
    return Plan(scenario, replicates, budget, context, screen, chosen, runs, digest)


def partnership_scenario(base: dict, row: Any, budget: float) -> dict:
    """The base scenario with one brokered partnership for the whole run."""
    data = json.loads(json.dumps(base))
    data["name"] = f"{base['name']}_partnership_{row.candidate}"
    data["policies"] = [
        *data["policies"],
        {
            "kind": "cluster_partnership",
            "name": f"{PARTNERSHIP} {row.candidate}",
            "clusters": [row.cluster_a, row.cluster_b],
            "budget_eur_per_year": budget,
            "start_year": 0,
            "duration_years": base["run"]["years"],
        },
    ]
    return Scenario.model_validate(data).model_dump(mode="json")


@dataclass(frozen=True)
class Tables:
    """The three analyses' tables."""

    gap_regions: pd.DataFrame
    gap_classes: pd.DataFrame
    gap: dict[str, float]
    linkages: pd.DataFrame
    screening: pd.DataFrame
    partnerships: pd.DataFrame
    agreement: dict[str, float]


def assemble(plan: Plan, out: Path) -> Tables:
    """The analyses from the finished runs in ``out``."""
    runs = pd.read_parquet(out / "runs.parquet")
    by_key = {(r.point, r.replicate): r.run_id for r in plan.runs}
    missing = [key for key in by_key if by_key[key] not in set(runs["run_id"])]
    if missing:
        raise NsrsimError(f"{len(missing)} runs are missing in {out}; run the analysis again.")
    ctx, years = plan.context, plan.years
    base_ids = [by_key[(0, r)] for r in range(plan.replicates)]
    base = runs.set_index("run_id").loc[base_ids]

    observed = gap.observed_regions(ctx.regions, ctx.hotspot)
    population = ctx.regions["population"]
    gap_regions = observed.join(gap.simulated(base, ctx.codes, years).set_index("area"))
    gap_classes = (
        gap.observed_classes(observed, population)
        .merge(
            gap.simulated(base, list(gap.URBAN_CLASSES), years),
            left_on="urban_class",
            right_on="area",
        )
        .drop(columns="area")
    )
    hot = [c for c in ctx.codes if ctx.hotspot[c]]
    rest = [c for c in ctx.codes if not ctx.hotspot[c]]
    gap_regions["simulated_rank"] = gap_regions["innovations_per_1000_jobs"].rank(ascending=False)
    gap_regions["observed_rank"] = gap_regions["ris_2019_rii"].rank(ascending=False)
    gap_summary = {
        **gap.hotspot_gap(base, hot, rest, years),
        **gap.ordering(gap_regions),
        "observed_ris_ratio": gap.observed_gap(observed, population),
        "hotspots": ", ".join(hot),
    }

    pairs = linkages.pair_table(
        ctx.codes,
        ctx.regions["country"].to_dict(),
        ctx.priorities,
        ctx.travel_h,
        ctx.interreg_tie,
        ctx.related_value,
    )
    cooperation = linkages.cooperation(
        [pd.read_parquet(out / "region_links" / f"{run}.parquet") for run in base_ids]
    )
    ranked = linkages.rank(pairs.merge(cooperation, on=["region_a", "region_b"], how="left"))

    rows = []
    for row in plan.chosen.itertuples():
        pair = (ctx.cluster_index[row.cluster_a], ctx.cluster_index[row.cluster_b])
        for replicate in range(plan.replicates):
            panel_base = pd.read_parquet(out / "panel" / f"{by_key[(0, replicate)]}.parquet")
            panel_alt = pd.read_parquet(
                out / "panel" / f"{by_key[(row.candidate, replicate)]}.parquet"
            )
            effect = partnerships.cohort_effect(panel_base, panel_alt, pair, years)
            rows.append({"candidate": row.candidate, "replicate": replicate, **effect})
    effects = partnerships.effect_table(pd.DataFrame(rows))
    simulated = plan.chosen.merge(effects, on="candidate")
    simulated["simulated_rank"] = simulated.groupby("category")["innovations"].rank(
        ascending=False, method="first"
    )
    return Tables(
        gap_regions.reset_index(names="region"),
        gap_classes,
        gap_summary,
        ranked,
        plan.screening,
        simulated,
        agreement(simulated),
    )


def agreement(simulated: pd.DataFrame) -> dict[str, float]:
    """Spearman rank correlation between screening score and simulated effect (extra
    innovations, extra partner relations) within each category (their scores are on different
    scales), with its p-value: with five candidates only a perfect order is significant at 5 %.
    """
    result = {}
    for name, group in simulated.groupby("category"):
        for outcome in ("innovations", "partners"):
            rho, p = (
                stats.spearmanr(group["score"], group[outcome]) if len(group) > 2 else (np.nan,) * 2
            )
            result[f"{name}:{outcome}:rho"] = float(rho)
            result[f"{name}:{outcome}:p"] = float(p)
    return result
