"""Declared uncertainties and designs that honour them: plausible ranges inside the validation
bounds, log-uniform, integer and composition sampling, and the errors for bad ranges."""

import numpy as np
import pandas as pd
import pytest
import yaml

from nsrsim import uncertainty
from nsrsim.cli import main
from nsrsim.config import Range, field_info, load_experiment, parameter_table
from nsrsim.errors import ConfigError
from nsrsim.sweep import expand

from .conftest import SMALL

SHARES = ["partnering.cluster_share", "partnering.referral_share"]


def test_every_uncertainty_is_declared_with_a_plausible_range_inside_the_valid_one():
    rows = {r["path"]: r for r in parameter_table()}
    declared = uncertainty.declared()
    assert {p for p, r in rows.items() if r["role"] == "uncertainty"} == set(declared)
    for path, item in declared.items():
        row, plausible = rows[path], item.range
        assert item.reason, path
        assert plausible.min <= row["default"] <= plausible.max, path
        assert row["min"] is None or plausible.min >= row["min"], path
        assert row["max"] is None or plausible.max <= row["max"], path
        assert (field_info(path).annotation is int) == (plausible.scale == "integer"), path
    first, second = (declared[p].range for p in SHARES)
    assert 1 - first.max >= second.min  # the composition always leaves room for the second


def test_log_and_integer_ranges_spread_their_samples():
    u = (np.arange(1000) + 0.5) / 1000
    log = Range(min=1, max=1e7, scale="log").values(u)
    assert np.median(log) == pytest.approx(10**3.5, rel=0.01)  # linear sampling: 5e6
    counts = np.bincount(Range(min=3, max=12, scale="integer").values(u))[3:]
    assert len(counts) == 10 and counts.min() == counts.max() == 100  # every count alike


def test_compositions_never_leave_the_simplex():
    ranges = uncertainty.resolve(
        {SHARES[0]: Range(min=0.2, max=0.9), SHARES[1]: None, "partnering.candidates": None},
        "test",
    )
    unit = np.random.default_rng(1).random((500, 3))
    values = uncertainty.to_values(unit, ranges)
    assert (values[SHARES].sum(axis=1) <= 1 + 1e-12).all()
    assert values[SHARES[0]].between(0.2, 0.9).all()
    assert values[SHARES[1]].ge(0).all() and values[SHARES[1]].max() > 0.45
    assert values["partnering.candidates"].dtype.kind == "i"
    assert values["partnering.candidates"].between(4, 30).all()


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"partnering.candidates": Range(min=2.5, max=8)}, "whole-number bounds"),
        ({"partnering.candidates": Range(min=2, max=8, scale="linear")}, "must be 'integer'"),
        ({"partnering.nonsense": None}, "has no declared uncertainty"),
        ({SHARES[0]: Range(scale="log")}, "composition"),
    ],
)
def test_bad_ranges_name_the_parameter(parameters, message):
    with pytest.raises(ConfigError, match=message):
        uncertainty.resolve(parameters, "SA")


def experiment(tmp_path, design, parameters, samples=4):
    data = {
        "name": "designs",
        "base": str(SMALL),
        "design": {"kind": design, "samples": samples},
        "parameters": parameters,
        "replicates": 1,
        "years": 1,
        "outputs": {"indicators": ["links"], "years": [1]},
        "execution": {"backend": "sequential"},
    }
    path = tmp_path / "designs.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_latin_hypercube_over_integer_and_composition_parameters_runs(tmp_path):
    parameters = {
        "partnering.candidates": {"min": 2, "max": 20},
        "partnering.max_partners": {},  # the declared range
        SHARES[0]: {"min": 0.3, "max": 0.9},
        SHARES[1]: {"min": 0.2, "max": 0.6},
    }
    path = experiment(tmp_path, "lhs", parameters)
    points = pd.DataFrame([r.values for r in expand(*load_experiment(path))])
    assert (points[SHARES].sum(axis=1) <= 1 + 1e-12).all()
    assert points["partnering.max_partners"].between(3, 12).all()
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--quiet"]) == 0
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 4 and runs["links@1"].notna().all()


def test_grid_skips_the_corners_outside_a_composition(tmp_path, capsys):
    path = experiment(tmp_path, "grid", {SHARES[0]: [0.3, 0.7], SHARES[1]: [0.2, 0.5]})
    runs = expand(*load_experiment(path))
    kept = sorted((r.values[SHARES[0]], r.values[SHARES[1]]) for r in runs)
    assert kept == [(0.3, 0.2), (0.3, 0.5), (0.7, 0.2)]
    assert "1 of 4 grid points" in capsys.readouterr().err
