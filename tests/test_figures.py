"""The inequality index, the figures and the map: known values, and figures that render what
their titles and axes say."""

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from nsrsim import maps
from nsrsim.indicators import OUTCOME_BY_NAME, theil
from nsrsim.plots import run as plots


def test_theil_is_zero_when_equal_and_known_otherwise():
    assert theil(np.array([2.0, 4.0]), np.array([1.0, 2.0])) == 0.0
    expected = 0.75 * np.log(1.5) + 0.25 * np.log(0.5)  # output 3:1, people 1:1
    assert theil(np.array([3.0, 1.0]), np.array([5.0, 5.0])) == pytest.approx(expected)
    assert theil(np.array([30.0, 10.0]), np.array([1.0, 1.0])) == pytest.approx(expected)
    assert theil(np.array([3.0, 0.0]), np.array([1.0, 1.0])) == pytest.approx(np.log(2.0))


@pytest.fixture
def saved(monkeypatch) -> list[Figure]:
    """The figures the plotting code saves (the files are still written)."""
    figures: list[Figure] = []
    original = Figure.savefig

    def keep(self, *args, **kwargs):
        figures.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", keep)
    return figures


def test_indicator_panels_show_each_indicator_in_its_display_unit(tmp_path, saved):
    years = np.arange(4)
    indicators = pd.DataFrame({"calendar_year": 2025 + years})
    for name in plots.PANELS:
        indicators[name] = 1e9 * (1 + years)
    out = plots.indicator_panels(indicators, tmp_path / "panels.png", "a title")
    assert out.stat().st_size > 10_000
    axes = [ax for ax in saved[0].axes if ax.get_title()]
    assert [ax.get_title() for ax in axes] == [OUTCOME_BY_NAME[n].label for n in plots.PANELS]
    output = axes[plots.PANELS.index("output_eur")]
    assert output.get_ylabel() == "bn EUR/year"
    np.testing.assert_allclose(output.lines[0].get_ydata(), 1 + years)  # 1e9 EUR = 1 bn
    assert saved[0].texts[0].get_text() == "a title"


def test_the_map_puts_every_modelled_region_on_land(baseline_world, tmp_path):
    image, extent = maps.region_raster(baseline_world)
    assert extent[0] < extent[1] and extent[2] < extent[3]
    present = set(np.unique(image[image >= 0]))
    assert present == set(range(len(baseline_world.regions)))  # every region has pixels
    assert (image == -1).any()  # and the sea is there
    out = maps.draw_map(baseline_world, tmp_path / "map.png", "NSR")
    assert out.stat().st_size > 50_000
