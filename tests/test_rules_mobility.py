"""Mobility (rules/mobility.py): migration and investment conserve what they move."""

import numpy as np
import pytest

from nsrsim.config import (
    MobilityConfig,
)
from nsrsim.rules import mobility


def test_migration_conserves_skilled_workers():
    skilled = np.array([100.0, 50.0, 10.0])
    distance = np.array([[0, 100, 400], [100, 0, 300], [400, 300, 0]], float)
    cross = np.array([[0, 0, 1], [0, 0, 1], [1, 1, 0]], bool)
    params = MobilityConfig()
    terms = mobility.MigrationTerms.of(distance, cross, params)
    flows = mobility.migration_flows(skilled, np.array([0.0, 1.0, 2.0]), terms, params, 0.25)
    after = skilled + mobility.net_inflow(flows)
    assert after.sum() == pytest.approx(skilled.sum(), rel=1e-12)
    assert (flows >= 0).all() and np.diag(flows).sum() == 0
    assert after[2] > skilled[2]  # toward the most attractive region


def test_investment_allocation_conserves_money():
    out = mobility.allocate_investment(1e6, np.array([0.0, 10.0, 30.0]), MobilityConfig())
    assert out.sum() == pytest.approx(1e6) and out[0] == 0
    assert mobility.allocate_investment(1e6, np.zeros(3), MobilityConfig()).sum() == 0


def test_investment_lifts_productivity_as_the_array_statement_does():
    """In place over some rows, to the bit; other rows untouched."""
    rng = np.random.default_rng(2)
    productivity, group = rng.random(400) * 1e5, rng.integers(0, 12, 400)
    rows, lift = np.sort(rng.choice(400, 250, replace=False)), rng.random(12) * 0.1
    expected = productivity.copy()
    expected[rows] *= (1.0 - 0.3 * 0.02) * (1.0 + 0.3 * lift[group[rows]])
    mobility.lift_productivity(productivity, rows, group, lift, 1.0 - 0.3 * 0.02, 0.3)
    np.testing.assert_array_equal(productivity, expected)
