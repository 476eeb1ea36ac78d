"""Scenario discovery: PRIM finds a known box; bad input gives the clear error."""

import numpy as np
import pandas as pd
import pytest

from nsrsim.cli import main


def results_folder(tmp_path):
    rng = np.random.default_rng(5)
    points = pd.DataFrame({f"param:{k}": rng.random(400) for k in "abc"})
    inside = (points["param:a"] > 0.6) & (points["param:b"] < 0.5)
    rows = []
    for replicate in range(2):
        rows.append(
            points.assign(
                point=np.arange(400),
                replicate=replicate,
                **{"effect@10": np.where(inside, 1.0, 0.0) + rng.normal(0, 0.05, 400)},
            )
        )
    folder = tmp_path / "sweep"
    folder.mkdir()
    pd.concat(rows).to_parquet(folder / "runs.parquet")
    return folder


def test_prim_finds_the_box_where_the_output_passes_the_threshold(tmp_path, capsys):
    folder = results_folder(tmp_path)
    argv = ["discover", str(folder), "--output", "effect@10", "--threshold", "0.5"]
    assert main(argv) == 0
    box = pd.read_csv(folder / "discover-effect_y10" / "box.csv").set_index("parameter")
    assert set(box.index) == {"a", "b"}  # c does not matter
    assert box.loc["a", "min"] == pytest.approx(0.6, abs=0.05)
    assert box.loc["b", "max"] == pytest.approx(0.5, abs=0.05)
    peeling = pd.read_csv(folder / "discover-effect_y10" / "peeling.csv")
    assert {"coverage", "density", "mass"} <= set(peeling)
    assert (folder / "discover-effect_y10" / "tradeoff.png").exists()
    assert "covers" in capsys.readouterr().out
    assert main(argv) == 2  # the folder now exists: nothing is overwritten
    assert "not empty" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--output", "nothing@3", "--threshold", "0.5"], "is not an output"),
        (["--output", "effect@10", "--threshold", "5"], "PRIM needs some on each side"),
    ],
)
def test_bad_discovery_input_names_the_problem(tmp_path, capsys, extra, message):
    folder = results_folder(tmp_path)
    assert main(["discover", str(folder), *extra]) == 2
    assert message in capsys.readouterr().err
