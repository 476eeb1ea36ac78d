"""Does pairing remove the noise? The SD of a policy's paired effect against the unpaired one.

    python experiments/paired_noise.py [--replicates 20] [--years 10] [--out DIR]

Runs the baseline and the 10-year framework (configs/nsr_framework_10y.yaml) with common seeds
through the batch runner (parallel, resumable; default folder results/paired-noise), then, for
corridor indicators in the final year, prints the standard deviation of the paired
differences (replicate i of both scenarios: the same seed, every draw keyed by firm id) and of
the unpaired ones (replicate i against replicate j != i: independent seeds), and their ratio.
"""

import argparse
from itertools import permutations
from pathlib import Path

import numpy as np
import pandas as pd

from nsrsim.compare import per_label, plan
from nsrsim.runner import run_batch

ROOT = Path(__file__).resolve().parents[1]
INDICATORS = ("output_eur", "innovations", "employment", "productivity_eur",
              "transnational_firm_share", "theil_gdp_per_head")  # fmt: skip


def main() -> None:
    """Run the two scenarios and print the paired and unpaired SDs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=20)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "paired-noise")
    args = parser.parse_args()
    paths = [ROOT / "configs" / "baseline.yaml", ROOT / "configs" / "nsr_framework_10y.yaml"]
    comparison = plan(paths, args.replicates, args.years, seed=0)
    outputs = {"indicators": list(INDICATORS), "years": [args.years], "regions": False}
    run_batch(
        comparison.runs, args.out, "paired-noise", comparison.digest, {}, outputs,
        backend="loky", jobs=-1, scheduler=None, progress=False, log=print,
    )  # fmt: skip
    table = per_label(comparison, pd.read_parquet(args.out / "runs.parquet"))
    base_label, alt_label = comparison.labels
    print(f"\n{alt_label} vs {base_label}, year {args.years}, {args.replicates} replicates")
    print(f"{'indicator':<28}{'mean effect':>14}{'paired SD':>14}{'unpaired SD':>14}{'ratio':>8}")
    for name in INDICATORS:
        column = f"{name}@{args.years}"
        base = table[table["label"] == base_label].set_index("replicate")[column]
        alt = table[table["label"] == alt_label].set_index("replicate")[column]
        paired = (alt - base).to_numpy()
        unpaired = np.array([alt[i] - base[j] for i, j in permutations(base.index, 2)])
        print(
            f"{name:<28}{paired.mean():>14.4g}{paired.std(ddof=1):>14.4g}"
            f"{unpaired.std(ddof=1):>14.4g}{paired.std(ddof=1) / unpaired.std(ddof=1):>8.3f}"
        )


if __name__ == "__main__":
    main()
