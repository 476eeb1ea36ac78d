"""The shipped grid must be exactly what the build script makes from its inputs."""

import gzip

import numpy as np
import pandas as pd
import pytest

from nsrsim.world import facts
from nsrsim.world.grid import GRID_FILE, LAND_FINE_FILE

pytestmark = [pytest.mark.slow, pytest.mark.geo_build]


def test_regenerated_grid_matches_shipped(tmp_path):
    pytest.importorskip(
        "global_land_mask",
        reason="the geo-build extra is not installed: pip install '.[geo-build]'",
    )
    pytest.importorskip(
        "geo_intel_offline",
        reason="the geo-build extra is not installed: pip install '.[geo-build]'",
    )
    from nsrsim.world.build_grid import main

    main(["--out", str(tmp_path)])
    with gzip.open(tmp_path / GRID_FILE) as fresh, gzip.open(facts.DATA_DIR / GRID_FILE) as old:
        pd.testing.assert_frame_equal(
            pd.read_csv(fresh, keep_default_na=False), pd.read_csv(old, keep_default_na=False)
        )
    with (
        np.load(tmp_path / LAND_FINE_FILE) as fresh,
        np.load(facts.DATA_DIR / LAND_FINE_FILE) as old,
    ):
        for key in old.files:
            np.testing.assert_array_equal(fresh[key], old[key])
