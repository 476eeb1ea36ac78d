"""What every figure shares: the panels of a run, axis scales and colours."""

PANELS = (
    "output_eur",
    "productivity_eur",
    "employment",
    "innovations",
    "skilled_workers",
    "investment_eur",
    "theil_gdp_per_head",
    "urban_rural_gap",
    "innovation_outside_hotspots",
    "links",
    "cross_border_share",
    "transnational_share",
)


AXIS_SCALES = {  # levels on figure axes: corridor totals in bn, millions, thousands
    "EUR/year": (1e9, "bn EUR/year"),
    "EUR/job/year": (1e3, "k EUR/job/year"),
    "jobs": (1e6, "million jobs"),
    "persons": (1e6, "million persons"),
    "per year": (1e3, "thousand per year"),
}


WITHIN = "#4a6fa5"


CROSS = "#d7301f"


PALETTE = ("#1f4e79", "#d7301f", "#2ca25f", "#fdae61", "#756bb1", "#636363", "#e7298a", "#66a61e")
