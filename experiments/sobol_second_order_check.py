"""What a second-order Sobol analysis bought: its S2 indices against their CIs, and its S1 and
ST recomputed from the first-order design's rows alone.

Saltelli's first-order design (A, B and the D matrices AB_i: N x (D + 2) rows) is the
second-order design (which adds the D matrices BA_i: N x (2D + 2)) without the BA_i rows, and
S1 and ST read only A, B and AB_i. So a finished second-order analysis tells what the same file
without second order would have given, at (D + 2) / (2D + 2) of the runs: ST identically, S1
within SALib's standardisation over all rows (a shift of the mean). S2 cannot be negative; an
estimate beyond its CI on the negative side is noise.

    python experiments/sobol_second_order_check.py experiments/sa_sobol_framework.yaml \
        results/sa_sobol_framework
"""

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from nsrsim.sa import by_point, load_sa, plan, point_values, scenario_path
from nsrsim.sensitivity import analyse, rows_per_sample, sample


def first_order_rows(n: int, d: int) -> np.ndarray:
    """Rows of the second-order design that form the first-order one: per block A, AB_1..AB_D
    (the block's first D + 1 rows) and B (its last).
    """
    block = rows_per_sample("sobol", d, second_order=True)
    return np.concatenate([b * block + np.r_[0 : d + 1, block - 1] for b in range(n)])


def main() -> None:
    """Print the comparison for a finished second-order analysis."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spec", type=Path, help="the SA file (method sobol, second_order: true)")
    parser.add_argument("folder", type=Path, help="its finished results folder")
    args = parser.parse_args()
    spec, base = load_sa(args.spec)
    if spec.method != "sobol" or not spec.second_order:
        parser.error(f"spec: {args.spec} is not a second-order Sobol analysis")
    for name in ("runs.parquet", "indices.csv", "S2.csv"):
        if not (args.folder / name).is_file():
            parser.error(f"folder: {args.folder} has no {name} (a finished analysis of the file)")
    problem, d = spec.problem(), len(spec.parameters)
    unit, _, planned, _ = plan(spec, base, scenario_path(spec, args.spec))
    keep = first_order_rows(spec.n, d)
    if not np.array_equal(unit[keep], sample(problem, "sobol", spec.n, spec.seed, False)):
        sys.exit("the first-order design is not these rows of the second-order one (SALib?)")
    # every planned (point, replicate): a design point that repeats another ran once
    runs = by_point(planned, pd.read_parquet(args.folder / "runs.parquet"))
    stored = pd.read_csv(args.folder / "indices.csv")
    print(f"runs: {len(unit) * spec.replicates:,} second order, "
          f"{len(keep) * spec.replicates:,} first order ({len(keep) / len(unit):.0%})")  # fmt: skip
    for output in spec.outputs:
        values = point_values(spec, len(unit), runs, output).mean(axis=1)
        first, _ = analyse(problem, "sobol", unit[keep], values[keep], spec.seed, False)
        both = stored[stored.output == output].set_index("parameter").loc[first.parameter]
        print(
            f"{output}: |S1 change| <= {np.abs(first.S1.to_numpy() - both.S1.to_numpy()).max():.1e}"
            f" (CI half widths {both.S1_conf.min():.3f}-{both.S1_conf.max():.3f}), "
            f"|ST change| <= {np.abs(first.ST.to_numpy() - both.ST.to_numpy()).max():.1e}"
        )
    s2 = pd.read_csv(args.folder / "S2.csv")
    beyond = s2[s2.S2.abs() > s2.S2_conf]
    positive = int((beyond.S2 > 0).sum())
    print(f"S2: {len(s2)} indices, {len(beyond)} beyond their CI ({positive} of them "
          "positive); the largest of each output:")  # fmt: skip
    largest = s2.loc[s2.groupby("output").S2.idxmax()]
    for row in largest.itertuples():
        print(f"  {row.output}: {row.parameter_a} x {row.parameter_b} "
              f"{row.S2:.3f} +- {row.S2_conf:.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
