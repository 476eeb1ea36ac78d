"""The comparison brief's pieces: numbers rounded to what their interval supports, the one
detectability rule, an MDE corrected for the outcomes tested together, maps that colour only
detectable effects, money that adds up."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from nsrsim.brief import Alternative, decimals, effect_map, estimate, fixed, key_messages
from nsrsim.compare import detectable
from nsrsim.config import load_scenario
from nsrsim.stats import mde
from nsrsim.world.world import cached_world

from .conftest import SMALL


def test_numbers_keep_one_significant_digit_of_their_interval():
    assert decimals(0.1988, 0.2760) == 2
    assert estimate(0.2374744, 0.1988, 0.2760) == "+0.24 (95 % range +0.20 to +0.28)"
    assert estimate(1140.9, 924.5, 1357.3, unit=" EUR") == "+1,100 EUR (95 % range +900 to +1,400)"
    assert estimate(2.52e-05, -0.000175, 0.000226) == "0 (95 % range -0.0002 to +0.0002)"
    assert fixed(219.1, -1) == "220" and fixed(-0.0004, 2, True) == "0"


def test_the_mde_grows_with_the_outcomes_tested_together():
    single = mde(1.0, 10)
    assert single == pytest.approx((stats.t.ppf(0.975, 9) + stats.t.ppf(0.8, 9)) / np.sqrt(10))
    five = mde(1.0, 10, 5)
    assert five == pytest.approx((stats.t.ppf(1 - 0.005, 9) + stats.t.ppf(0.8, 9)) / np.sqrt(10))
    assert single < five < mde(1.0, 10, 20)
    assert np.isnan(mde(1.0, 1))


def effects(significant: dict[str, bool], mean: float = 0.01) -> pd.DataFrame:
    """Region output effects of one alternative at year 3 (relative ``mean``)."""
    return pd.DataFrame(
        [
            {"scenario": "alt", "level": f"region:{code}", "indicator": "output_eur", "year": 3,
             "mean_difference": mean * 1e9, "ci_low": 0.5 * mean * 1e9,
             "ci_high": 1.5 * mean * 1e9, "base_mean": 1e9, "significant": sure, "mde": 1e6,
             "n": 4}
            for code, sure in significant.items()
        ]
    )  # fmt: skip


def alternative(table: pd.DataFrame) -> Alternative:
    scenario = load_scenario(SMALL).model_dump(mode="json")
    return Alternative("alt", "An alternative.", scenario, table, 3, 4)


def test_the_effect_map_colours_only_detectable_regions():
    world = cached_world(load_scenario(SMALL).world)
    codes = list(world.regions.index)
    none = effect_map(world, alternative(effects(dict.fromkeys(codes, False))), {})
    assert len(none.axes) == 1  # nothing detectable: no colour scale at all
    some = effect_map(world, alternative(effects({c: c == codes[0] for c in codes})), {})
    assert len(some.axes) == 2  # a colour scale for the one detectable region
    coloured = some.axes[0].images[1].get_array()  # land/sea, regions, grey overlay
    grey = some.axes[0].images[2].get_array()
    assert np.ma.count(coloured) > 0 and np.ma.count(grey) > 0
    assert not (~np.ma.getmaskarray(coloured) & ~np.ma.getmaskarray(grey)).any()


def test_region_messages_name_regions_and_follow_the_one_rule():
    world = cached_world(load_scenario(SMALL).world)
    codes = list(world.regions.index)
    names = world.regions["name"].to_dict()
    table = effects({c: c == codes[1] for c in codes})
    messages = key_messages(alternative(table), names)
    (regions,) = [m for m in messages if "region" in m.html]
    words = regions.html.split(">", 1)[1]  # the sentence, not the data- attributes
    assert names[codes[1]] in words and codes[1] not in words
    assert regions.sure == detectable(table.iloc[1])
    quiet = key_messages(alternative(effects(dict.fromkeys(codes, False))), names)
    assert any("No single region" in m.html and not m.sure for m in quiet)
