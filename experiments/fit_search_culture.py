"""Fit each country's partner searches per innovation project (``partnering.search_culture``).

The model's countries differ in their firms' innovation, size and geography, but not in how
readily their innovating firms look for partners; the innovation survey finds that they do
(innovating enterprises that cooperated: Germany 21 %, Denmark 57 %). This script finds one
factor per country on the scenario's searches so that each country's innovating firm agents
with 10+ persons cooperate within three years as its survey finds (innovation_survey.csv's
``cooperating_pct``). It iterates a fixed-point step: each factor is multiplied by the ratio of
the target's to the simulated share's cooperation intensity, -log(1 - share), the Poisson
chance of at least one successful search, over replicates of the final year. The factors it
prints are the schema's defaults (nsrsim/config/fields.py, configs/baseline.yaml).

python experiments/fit_search_culture.py configs/baseline.yaml --replicates 10 --years 20
"""

import argparse

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from nsrsim.config import load_scenario
from nsrsim.simulate import simulate
from nsrsim.validate import cooperation_shares
from nsrsim.world import facts


def shares(scenario: str, culture: dict[str, float], years: int, seed: int) -> pd.Series:
    """Per country, the share [%] of innovating firm agents (10+) that cooperated, final year."""
    overrides = {"run.years": years, "run.seed": seed, "partnering.search_culture": culture}
    result = simulate(load_scenario(scenario, overrides))
    firms = result.firms[result.firms["year"] == result.firms["year"].max()]
    return cooperation_shares(firms, "partnered_3y")["share"]


def main() -> None:
    """Iterate the factors and print each round's shares and the fitted factors."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario")
    parser.add_argument("--replicates", type=int, default=10)
    parser.add_argument("--years", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=-1)
    args = parser.parse_args()
    target = facts.innovation_survey()["cooperating_pct"]
    culture = dict(load_scenario(args.scenario).partnering.search_culture)
    for round_ in range(args.rounds + 1):
        runs = Parallel(n_jobs=args.jobs)(
            delayed(shares)(args.scenario, culture, args.years, seed)
            for seed in range(1, args.replicates + 1)
        )
        simulated = pd.concat(runs, axis=1).mean(axis=1)
        table = pd.DataFrame(
            {
                "factor": pd.Series(culture).reindex(simulated.index).fillna(1.0),
                "simulated": simulated,
                "survey": target.reindex(simulated.index),
            }
        )
        print(f"round {round_}: largest gap {(table.simulated - table.survey).abs().max():.2f}")
        print(table.round(2).to_string())
        if round_ == args.rounds:
            break
        intensity = np.log1p(-table["survey"] / 100.0) / np.log1p(-table["simulated"] / 100.0)
        culture = (table["factor"] * intensity).round(2).to_dict()
    print("search_culture:", {country: float(f) for country, f in culture.items()})


if __name__ == "__main__":
    main()
