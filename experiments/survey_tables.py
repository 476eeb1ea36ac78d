"""The baseline's firms as the innovation survey counts them, next to the survey's figures.

For replicates of a scenario: the share of real firms with 10+ persons that innovated in the
last three years, per country and size class; the share of those innovators with a partner
(in all and in another country) in the window; the real firms with a partner among all firms
and among the targeted firm agents; the distribution of partners per linked firm agent; all
as means over replicates with a 95 % t interval, and the survey's figures
(nsrsim/world/data/innovation_survey.csv) beside them. docs/VALIDATION.md quotes its output.

python experiments/survey_tables.py configs/baseline.yaml --replicates 10 --years 20
"""

import argparse

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from scipy import stats

from nsrsim.config import load_scenario
from nsrsim.simulate import simulate
from nsrsim.validate import cooperation_shares, innovator_shares, survey_innovators
from nsrsim.world import facts


def one_run(scenario: str, years: int, seed: int) -> dict[str, pd.Series]:
    """The survey measures of one replicate's final year."""
    result = simulate(load_scenario(scenario, {"run.years": years, "run.seed": seed}))
    firms = result.firms[result.firms["year"] == result.firms["year"].max()]
    shares = innovator_shares(firms)
    fine = firms[firms["fine"]]
    links = result.links
    degree = pd.concat([links["row_a"], links["row_b"]]).value_counts()
    linked = degree.reindex(fine["row"]).dropna()
    return {
        "innovators": shares[[*facts.INNOVATOR_COLUMNS, "total"]].stack(),
        "cooperation": pd.concat(
            {
                "any": cooperation_shares(firms, "partnered_3y")["share"],
                "abroad": cooperation_shares(firms, "abroad_3y")["share"],
            }
        ),
        "linked": pd.Series(
            {
                "all real firms": 100.0
                * np.average(firms["partnered_3y"], weights=firms["real_firms"]),
                "targeted firm agents": 100.0
                * np.average(fine["partnered_3y"], weights=fine["real_firms"]),
                "linked agents with 1 partner": 100.0 * (linked == 1).mean(),
                "at the cap": 100.0
                * (linked >= load_scenario(scenario).partnering.max_partners).mean(),
            }
        ),
    }


def summary(values: list[pd.Series]) -> pd.DataFrame:
    """Mean and 95 % t interval over replicates, per index entry."""
    table = pd.concat(values, axis=1)
    mean = table.mean(axis=1)
    half = (
        stats.t.ppf(0.975, table.shape[1] - 1) * table.std(axis=1, ddof=1) / np.sqrt(table.shape[1])
    )
    return pd.DataFrame({"mean": mean, "low": mean - half, "high": mean + half}).round(1)


def main() -> None:
    """Run the replicates and print the three tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario")
    parser.add_argument("--replicates", type=int, default=10)
    parser.add_argument("--years", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=-1)
    args = parser.parse_args()
    runs = Parallel(n_jobs=args.jobs)(
        delayed(one_run)(args.scenario, args.years, seed) for seed in range(1, args.replicates + 1)
    )
    survey = facts.innovation_survey()
    innovators = summary([run["innovators"] for run in runs])
    data = survey_innovators()[[*facts.INNOVATOR_COLUMNS, "total"]].stack()
    innovators["survey"] = data.reindex(innovators.index).to_numpy()
    print("Innovators among real firms with 10+ persons (%), by country and size class")
    print(innovators.to_string())
    cooperation = summary([run["cooperation"] for run in runs])
    cited = pd.concat({"any": survey["cooperating_pct"], "abroad": survey["abroad_pct"]})
    cooperation["survey"] = cited.reindex(cooperation.index).to_numpy()
    print("\nInnovating firm agents (10+) with a partner in three years (%); abroad: another")
    print(cooperation.to_string())
    print("\nReal firms with a partner (%), and partners per linked targeted firm agent")
    print(summary([run["linked"] for run in runs]).to_string())


if __name__ == "__main__":
    main()
