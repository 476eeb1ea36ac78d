"""Regional accounting (accounts.py): totals are the weighted sums they name."""

import numpy as np

from nsrsim import NSRModel, accounts

from .conftest import small


def test_area_totals_are_the_weighted_bincounts():
    """The one-pass totals equal NumPy's bincounts of the weighted values, to the bit."""
    model = NSRModel(small(**{"run.seed": 4}))
    for _ in range(5):
        model.step()
    firms, live = model.firms, model.firms.live()
    counts = accounts.partner_counts(model)
    n_regions = len(model.region_codes)
    totals = accounts.area_totals(model, firms.region, n_regions, counts)

    def total(values):
        return np.bincount(firms.region[live], weights=values, minlength=n_regions)

    weight, fine = firms.weight[live], firms.fine[live]
    jobs = weight * firms.jobs[live]
    pairs, abroad = counts.all[live], counts.transnational[live]
    expected = {
        "output_eur": total(jobs * firms.productivity[live]),
        "jobs": total(jobs),
        "firms": total(weight),
        "targeted_firms": total(fine * weight),
        "links": total(fine * pairs),
        "cross_border_links": total(fine * counts.cross_border[live]),
        "linked_firms": total(fine * np.minimum(pairs, weight)),
        "transnational_firms": total(fine * np.minimum(abroad, weight)),
    }
    assert totals.links.sum() > 0 and (~fine).any()
    for name, values in expected.items():
        np.testing.assert_array_equal(getattr(totals, name), values, err_msg=name)


def test_a_new_year_moves_the_survey_window_back_a_year():
    model = NSRModel(small(**{"run.seed": 4}))
    firms = model.firms
    window = np.arange(firms.n * 3, dtype=float).reshape(firms.n, 3) + 1
    firms.recent_innovations[: firms.n] = window
    firms.roll_survey_window()
    assert (firms.recent_innovations[: firms.n, 0] == 0).all()
    np.testing.assert_array_equal(firms.recent_innovations[: firms.n, 1:], window[:, :2])


def test_partner_counts_are_each_kinds_bincounts_over_both_ends_of_its_links():
    model = NSRModel(small(**{"run.seed": 5}))
    for _ in range(6):
        model.step()
    a, b, n = model.links.a, model.links.b, model.firms.n
    pairs = model.links.relations(model.firms.weight, model.pair_firms)
    counts = accounts.partner_counts(model)
    kinds = accounts.link_kinds(model)
    assert kinds[0].any() and kinds[2].any()  # (no pair of its regions lacks a programme)
    for got, mask in zip(vars(counts).values(), (np.ones(len(a), bool), *kinds), strict=True):
        expected = np.bincount(a[mask], weights=pairs[mask], minlength=n) + np.bincount(
            b[mask], weights=pairs[mask], minlength=n
        )
        np.testing.assert_array_equal(got, expected)
