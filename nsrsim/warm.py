"""Compile the model's kernels and compute a world's travel times once, after an install or a
change of the source (``make`` runs ``python -m nsrsim.warm``), so that no run pays for either:
numba keeps the compiled code in a folder per source version (:mod:`nsrsim.compiled_cache`;
other versions' folders are removed) and the travel times go to the cache folder. A short run
of the scenario's world, with one instrument of every kind, goes through every compiled kernel.
"""

import sys
import time
from pathlib import Path

from nsrsim.compiled_cache import remove_other_versions
from nsrsim.config import Scenario, load_scenario
from nsrsim.simulate import simulate_pair

DEFAULT = Path("configs/baseline.yaml")
EVERY_KIND = [
    {"kind": "matchmaking", "members_only": True, "scope": "transnational",
     "budget_eur_per_year": 1e6},
    {"kind": "innovation_management", "budget_eur_per_year": 1e6},
    {"kind": "rd_subsidy", "budget_eur_per_year": 1e6},
    {"kind": "cluster_management", "budget_eur_per_year": 1e6},
    {"kind": "rural_inclusion", "budget_eur_per_year": 1e6},
    {"kind": "talent_attraction", "budget_eur_per_year": 1e6},
]  # fmt: skip


def warm(config: Path | None = None) -> float:
    """Build ``config``'s world (the baseline's, or the defaults without one) and run it a year
    after a year's burn-in, bare and with a framework and every kind of instrument; seconds.
    """
    start = time.perf_counter()
    short = {"run.years": 1, "run.burn_in_years": 1, "run.firm_panel": True}
    if config is not None:
        bare = load_scenario(config, short)
    else:
        bare = load_scenario(DEFAULT, short) if DEFAULT.is_file() else _defaults(short)
    data = bare.model_dump(mode="json")
    data["framework"].update(enabled=True, duration_years=1)
    data["policies"] = [{**kind, "duration_years": 1} for kind in EVERY_KIND]
    simulate_pair(bare, Scenario.model_validate(data))
    return time.perf_counter() - start


def _defaults(overrides: dict) -> Scenario:
    data = Scenario(name="warm").model_dump(mode="json")
    for dotted, value in overrides.items():
        block, field = dotted.split(".")
        data[block][field] = value
    return Scenario.model_validate(data)


def main() -> int:
    """Warm the kernels and the baseline's travel times; say how long it took."""
    removed = remove_other_versions()
    seconds = warm(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
    print(
        f"nsrsim: kernels compiled and travel times cached in {seconds:.0f} s"
        + (f" ({len(removed)} older kernel caches removed)" if removed else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
