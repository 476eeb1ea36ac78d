"""Firm-steps per second of the vectorised model at several sizes (baseline scenario).

    python experiments/benchmarks/model_throughput.py [--sizes 1000 5000 20000] [--steps 8]

Each size builds the baseline with that many firms, warms up for one simulated year, then times
``--steps`` steps. Model construction (world, travel times) is reported apart.
"""

import argparse
import time

from nsrsim import NSRModel


def measure(n_firms: int, steps: int) -> tuple[float, float, int]:
    """(build seconds, ms per step, live firms at the end) for one size."""
    start = time.perf_counter()
    model = NSRModel(population__n_firms=n_firms, run__years=100)
    build = time.perf_counter() - start
    for _ in range(model.config.run.steps_per_year):
        model.step()
    start = time.perf_counter()
    for _ in range(steps):
        model.step()
    per_step = (time.perf_counter() - start) / steps
    return build, per_step * 1e3, model.firms.live().size


def main() -> None:
    """Print one line per size and a machine-readable summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 20000])
    parser.add_argument("--steps", type=int, default=8)
    args = parser.parse_args()
    summary = []
    print(f"{'firms':>8}{'build s':>10}{'ms/step':>10}{'firm-steps/s':>15}")
    for size in args.sizes:
        build, ms, live = measure(size, args.steps)
        rate = live / (ms / 1e3)
        print(f"{size:>8}{build:>10.2f}{ms:>10.1f}{rate:>15,.0f}")
        summary.append(f"throughput_{size}={rate:.0f}")
    print(" ".join(summary))


if __name__ == "__main__":
    main()
