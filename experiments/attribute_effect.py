"""Where a scenario's corridor-wide effect on innovations comes from, firm by firm.

Runs a base and an alternative scenario with the same seeds (common random numbers) and splits
the paired difference of a year's real innovations into the alternative's participants (the
firms its own instruments reached), their partners at that year (firm agents; a cohort linked
to a participant has few of its firms in the link and stays a cohort), the other firm agents
and the cohorts of the rest of the economy, with 95 % confidence intervals over replicates. The
parts
add up to the corridor's effect, so an effect "on the corridor" that sits in the cohorts is
visible as such.

python experiments/attribute_effect.py configs/baseline.yaml configs/nsr_framework_10y.yaml \
    --replicates 20 --year 10
"""

import argparse

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from scipy import stats

from nsrsim import NSRModel
from nsrsim.policy import participant_table

PARTS = ("participants", "their partners", "other firm agents", "cohorts")


def innovations(model: NSRModel) -> pd.Series:
    """Real innovations of the run's last year per firm id."""
    firms = model.firms
    live = firms.live()
    return pd.Series(firms.year_innovations[live], index=firms.id[live])


def split(base: str, alternative: str, seed: int, year: int) -> dict[str, float]:
    """The paired difference of year ``year``'s real innovations by part, for one seed."""
    runs = [NSRModel(path, rng=seed, run__years=year) for path in (base, alternative)]
    for model in runs:
        while model.running:
            model.step()
    alt = runs[1]
    table = participant_table(alt.participant_rows, alt.region_codes)
    own = table.loc[table["instrument"] >= len(alt.config.programmes), "firm"].to_numpy()
    firms = alt.firms
    reached = np.isin(firms.id[: firms.n], own)
    linked = np.zeros(firms.n, bool)
    a, b = alt.links.a, alt.links.b
    linked[b[reached[a]]] = True
    linked[a[reached[b]]] = True
    live = firms.live()
    fine = firms.fine[: firms.n]
    kind = pd.Series(  # a cohort linked to a participant stays a cohort: few of its firms are
        np.where(reached, 0, np.where(linked & fine, 1, np.where(fine, 2, 3)))[live],
        index=firms.id[live],
    )
    base = runs[0].firms
    base_live = base.live()  # firms alive only in the base run: by their own kind
    kind = kind.combine_first(
        pd.Series(np.where(base.fine[base_live], 2, 3), index=base.id[base_live])
    )
    diff = innovations(alt).sub(innovations(runs[0]), fill_value=0.0)
    part = kind.reindex(diff.index).to_numpy().astype(np.int64)
    sums = np.bincount(part, weights=diff.to_numpy(), minlength=len(PARTS))
    return {name: float(value) for name, value in zip(PARTS, sums, strict=True)} | {
        "corridor": float(diff.sum())
    }


def main() -> None:
    """Print the split with 95 % confidence intervals over replicates."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base")
    parser.add_argument("alternative")
    parser.add_argument("--replicates", type=int, default=20)
    parser.add_argument("--year", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    rows = Parallel(n_jobs=args.jobs)(
        delayed(split)(args.base, args.alternative, seed, args.year)
        for seed in range(1, args.replicates + 1)
    )
    table = pd.DataFrame(rows)
    half = stats.t.ppf(0.975, len(table) - 1) * table.std(ddof=1) / np.sqrt(len(table))
    print(
        f"Real innovations in year {args.year}, {args.alternative} minus {args.base} "
        f"(paired by seed and firm, {len(table)} replicates, mean [95 % CI]):"
    )
    for name in (*PARTS, "corridor"):
        mean = table[name].mean()
        print(
            f"  {name:<20}{mean:>+12,.1f}  [{mean - half[name]:+,.1f}, {mean + half[name]:+,.1f}]"
        )


if __name__ == "__main__":
    main()
