"""Scenario discovery (``nsrsim discover``): the parameter boxes where an output of a batch of
runs exceeds (or stays below) a threshold, found with PRIM from ``ema-workbench`` (Friedman &
Fisher 1999; Bryant & Lempert 2010).

The runs of a results folder (a sweep, an SA or a calibration) are averaged per design point;
the points' parameter values (``param:<path>`` columns) are PRIM's inputs and "output beyond
the threshold" its outcome of interest. PRIM peels the input space into ever denser, smaller
boxes; every step's coverage (share of the cases of interest inside the box) and density
(share of the box's points that are cases of interest) is the trade-off a user picks from.
"""

import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from nsrsim.errors import ConfigError

with warnings.catch_warnings():  # ema-workbench warns about optional parallel back-ends
    warnings.simplefilter("ignore")
    from ema_workbench.analysis import prim


@dataclass(frozen=True)
class Discovery:
    """PRIM's result: the peeling trajectory, the chosen box's limits and its statistics."""

    trajectory: pd.DataFrame
    box: pd.DataFrame  # parameter, min, max (restricted dimensions only)
    stats: pd.Series  # coverage, density, mass, res_dim, ...
    prim_box: prim.PrimBox


def load_points(folder: Path, output: str) -> tuple[pd.DataFrame, pd.Series]:
    """Per design point: the mean parameter values and the mean of ``output``."""
    path = folder / "runs.parquet"
    if not path.is_file():
        raise ConfigError(f"{folder} holds no runs.parquet: give a sweep, SA or calibration run.")
    runs = pd.read_parquet(path)
    params = [c for c in runs.columns if c.startswith("param:")]
    numeric = [c for c in params if pd.api.types.is_numeric_dtype(runs[c])]
    outputs = [c for c in runs.columns if "@" in c and pd.api.types.is_numeric_dtype(runs[c])]
    if output not in outputs:
        raise ConfigError(
            f"--output '{output}' is not an output of {folder}; it has "
            f"{', '.join(outputs[:12])}{' ...' if len(outputs) > 12 else ''}."
        )
    if not numeric:
        raise ConfigError(f"{folder}: its runs vary no numeric parameter; nothing to discover.")
    points = runs.groupby("point")[[*numeric, output]].mean()
    x = points[numeric].rename(columns=lambda c: c.removeprefix("param:"))
    return x, points[output]


def discover(
    x: pd.DataFrame,
    values: pd.Series,
    threshold: float,
    below: bool = False,
    min_coverage: float = 0.5,
) -> Discovery:
    """PRIM on the points where ``values`` exceed ``threshold`` (or fall below it); the chosen
    box is the densest one that still covers ``min_coverage`` of those points.
    """
    hit = (values < threshold) if below else (values > threshold)
    if hit.all() or not hit.any():
        side = "below" if below else "above"
        raise ConfigError(
            f"{int(hit.sum())} of {len(hit)} points lie {side} the threshold {threshold:g}: "
            f"PRIM needs some on each side (the output ranges {values.min():.4g} to "
            f"{values.max():.4g})."
        )
    found = prim.Prim(x.reset_index(drop=True), hit.to_numpy()).find_box()
    trajectory = found.peeling_trajectory.copy()
    covering = trajectory[trajectory["coverage"] >= min_coverage]
    chosen = int(covering["density"].idxmax()) if len(covering) else len(trajectory) - 1
    found.select(chosen)
    limits = found.box_lims[chosen]
    initial = found.box_lims[0]
    restricted = [c for c in x.columns if (limits[c] != initial[c]).any()]
    box = pd.DataFrame(
        {
            "parameter": restricted,
            "min": [float(limits.loc[0, c]) for c in restricted],
            "max": [float(limits.loc[1, c]) for c in restricted],
            "range_min": [float(initial.loc[0, c]) for c in restricted],
            "range_max": [float(initial.loc[1, c]) for c in restricted],
        }
    )
    return Discovery(trajectory, box, trajectory.loc[chosen], found)


def figures(found: Discovery, out_dir: Path) -> list[Path]:
    """PRIM's coverage-density trade-off and the chosen box (ema-workbench's own figures)."""
    import matplotlib

    matplotlib.use("Agg")
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / "tradeoff.png", out_dir / "box.png"]
    found.prim_box.show_tradeoff().savefig(paths[0], bbox_inches="tight")
    chosen = int(found.stats["id"])
    found.prim_box.inspect(chosen, style="graph")[0].savefig(paths[1], bbox_inches="tight")
    return paths


def write(found: Discovery, out: Path) -> None:
    """peeling.csv and box.csv into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    found.trajectory.to_csv(out / "peeling.csv", index=False)
    found.box.to_csv(out / "box.csv", index=False)


def summary(found: Discovery, output: str, threshold: float, below: bool) -> str:
    """The chosen box in words."""
    s = found.stats
    side = "below" if below else "above"
    lines = [
        f"{output} {side} {threshold:g}: box {int(s['id'])} of {len(found.trajectory)} covers "
        f"{100 * s['coverage']:.0f} % of those points with density {100 * s['density']:.0f} % "
        f"(mass {100 * s['mass']:.0f} % of all points), restricting {int(s['res_dim'])} "
        "parameter(s):"
    ]
    for row in found.box.itertuples():
        lines.append(
            f"  {row.parameter:<40}{row.min:>11.4g} to {row.max:<11.4g}"
            f"(range {row.range_min:.4g} to {row.range_max:.4g})"
        )
    return "\n".join(lines)
