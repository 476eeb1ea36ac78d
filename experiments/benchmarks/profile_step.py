"""Where a step's time goes: cProfile of the vectorised model, top functions by own time.

python experiments/benchmarks/profile_step.py [--firms 20000] [--steps 8] [--top 15]
"""

import argparse
import cProfile
import pstats
from pathlib import Path

from nsrsim import NSRModel

BASELINE = Path(__file__).resolve().parents[2] / "configs" / "baseline.yaml"


def main() -> None:
    """Warm the model up one year, profile ``--steps`` steps, print the top functions."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firms", type=int, default=20000)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    model = NSRModel(BASELINE, population__n_firms=args.firms, run__years=100)
    for _ in range(model.config.run.steps_per_year):
        model.step()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(args.steps):
        model.step()
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
