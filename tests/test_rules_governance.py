"""Governance (rules/governance.py): membership and commitment to the framework."""

import numpy as np

from nsrsim.config import (
    GovernmentsConfig,
)
from nsrsim.rules import governance


def test_binding_members_cannot_leave():
    params = GovernmentsConfig()
    low = np.array([0.0, 0.9])
    eligible = np.array([True, True])
    assert governance.update_membership(eligible, low, eligible, True, params).all()
    assert governance.update_membership(eligible, low, eligible, False, params).tolist() == [
        False,
        True,
    ]


def test_regions_outside_the_framework_have_no_commitment_to_it():
    params = GovernmentsConfig()
    eligible = np.array([True, False])
    member, commitment = governance.framework_year(
        eligible, np.array([0.5, 0.0]), eligible, np.array([1.0, 5.0]), True, False, False, params
    )
    assert commitment[1] == 0.0 and commitment[0] > 0.5  # benefits raise members' only
    assert member.tolist() == [True, False]
