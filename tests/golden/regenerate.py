"""Regenerate the golden run on purpose (commit the result with a message that says why).

python tests/golden/regenerate.py
"""

import json
from pathlib import Path

from nsrsim import NSRModel

SCENARIO = Path(__file__).parents[1] / "small.yaml"
PARAMETERS = {
    "run__years": 4,
    "framework__enabled": True,
    "framework__budget_eur_per_year": 1_000_000,
    "rng": 2026,
}


def main() -> None:
    """Run the pinned scenario and write its final indicators."""
    model = NSRModel(SCENARIO, **PARAMETERS)
    while model.running:
        model.step()
    final = {k: v for k, v in model.indicator_rows[-1].items() if k not in ("year",)}
    out = Path(__file__).with_name("small_run.json")
    out.write_text(
        json.dumps({"parameters": PARAMETERS, "final_indicators": final}, indent=2) + "\n"
    )
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
