"""Regional governments: budgets, instruments and commitment (ODD 7.1 "Governments").

Each year a government sets an innovation budget as a share of regional GDP and splits it
between co-funded R&D projects of firms in its smart-specialisation sectors (bought like an
instrument's units, ``nsrsim.policy.rd_projects``) and funding of its cluster initiatives.
Its commitment to a transnational framework rises with visible benefits (transnational partner
links of its firms) and decays without them; a voluntary member whose
commitment falls below a threshold leaves, and may rejoin once it recovers.
"""

import numpy as np

from nsrsim.config import GovernmentsConfig


def fund_clusters(
    budget_eur: np.ndarray, cluster_region: np.ndarray, eligible: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """EUR per cluster (equal shares of the region's budget among its eligible initiatives)
    and EUR spent per region.
    """
    n = len(budget_eur)
    count = np.bincount(cluster_region[eligible], minlength=n)
    share = np.divide(budget_eur, count, out=np.zeros(n), where=count > 0)
    funding = np.where(eligible, share[cluster_region], 0.0)
    return funding, np.where(count > 0, budget_eur, 0.0)


def eligible_clusters(
    priority: np.ndarray, cluster_region: np.ndarray, cluster_sector: np.ndarray
) -> np.ndarray:
    """Initiatives a region funds: those in its priority sectors, or all of its initiatives
    when none is in a priority sector.
    """
    eligible = priority[cluster_region, cluster_sector]
    return eligible | ~np.isin(cluster_region, cluster_region[eligible])


def framework_year(
    member: np.ndarray,
    commitment: np.ndarray,
    eligible: np.ndarray,
    benefit: np.ndarray | None,
    active: bool,
    first_year: bool,
    binding: bool,
    params: GovernmentsConfig,
) -> tuple[np.ndarray, np.ndarray]:
    """Membership and commitment after a year's decision: eligible regions join in the
    framework's first year; later commitment follows benefits and voluntary members may leave
    and rejoin; once the framework is over nobody is a member.
    """
    if active and first_year:
        return eligible.copy(), np.where(eligible, params.initial_commitment, 0.0)
    if active:  # only the regions the framework is open to have a commitment to it
        commitment = np.where(eligible, update_commitment(commitment, benefit, params), 0.0)
        return update_membership(member, commitment, eligible, binding, params), commitment
    return np.zeros_like(member), commitment


def update_commitment(
    commitment: np.ndarray, benefit: np.ndarray, params: GovernmentsConfig
) -> np.ndarray:
    """Commitment after one year: gain with benefit (capped at twice the reference), decay."""
    signal = np.minimum(benefit / params.benefit_reference, 2.0)
    return np.clip(commitment + params.commitment_gain * signal - params.commitment_decay, 0.0, 1.0)


def update_membership(
    member: np.ndarray,
    commitment: np.ndarray,
    eligible: np.ndarray,
    binding: bool,
    params: GovernmentsConfig,
) -> np.ndarray:
    """Who is in the framework after a year: binding members stay, voluntary ones may leave
    below ``leave_threshold`` and rejoin above ``rejoin_threshold``.
    """
    if binding:
        return eligible.copy()
    stays = member & (commitment >= params.leave_threshold)
    rejoins = ~member & (commitment > params.rejoin_threshold)
    return eligible & (stays | rejoins)
