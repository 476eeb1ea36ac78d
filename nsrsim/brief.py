"""The brief of a comparison, for a meeting with politicians: key messages in plain words
(region names, real units, one sentence each, how sure), one headline chart and the cost per
result; then the evidence (the firms reached, the corridor, the regions, the money). The
statistical detail goes to the report's folded annex.

Every verdict is :func:`nsrsim.compare.detectable` at the years :func:`nsrsim.compare.
participant_year` names, so the brief says what ``nsrsim compare`` printed. Numbers are
rounded to what their confidence interval supports (one significant digit of its half
width), and an effect that is not detectable is greyed, never coloured.
"""

import html
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap, TwoSlopeNorm
from matplotlib.figure import Figure

from nsrsim.compare import detectable, instrument_ends, participant_year
from nsrsim.maps import choropleth, frame, region_labels, region_raster
from nsrsim.world.world import World

NOT_DETECTED = "#9a9a9a"
UP, DOWN = "#1a7f37", "#b3261e"


# ------------------------------------------------------------------------------ numbers
def decimals(low: float, high: float) -> int:
    """Decimals an estimate with this 95 % interval supports: one significant digit of the
    interval's half width (0.24 [0.20, 0.28], not 0.2374 [0.1988, 0.2760]).
    """
    half = (high - low) / 2
    if not np.isfinite(half) or half <= 0:
        return 2
    return -math.floor(math.log10(half))


def fixed(value: float, places: int, sign: bool = False) -> str:
    """``value`` at ``places`` decimals (negative: rounded to tens, hundreds...), thousands
    separated, with a sign if asked; "–" for a missing value.
    """
    if not np.isfinite(value):
        return "–"
    rounded = round(value, places)
    text = f"{rounded:{'+' if sign else ''},.{max(places, 0)}f}"
    return "0" if text.strip("+-0.,") == "" else text


def estimate(mean: float, low: float, high: float, scale: float = 1.0, unit: str = "") -> str:
    """``+0.24 partners (95 % range +0.20 to +0.28)`` at the precision the interval supports."""
    mean, low, high = mean * scale, low * scale, high * scale
    places = decimals(low, high)
    return (
        f"{fixed(mean, places, True)}{unit} (95 % range {fixed(low, places, True)} to "
        f"{fixed(high, places, True)})"
    )


def percent(row: pd.Series) -> float:
    """The effect in per cent of the level without the policy (NaN without one)."""
    base = row["base_mean"]
    return 100 * row["mean_difference"] / base if base and np.isfinite(base) else np.nan


def percent_text(row: pd.Series) -> str:
    """The relative effect as ``+1.0 %`` at the precision its interval supports."""
    base = row["base_mean"]
    if not base or not np.isfinite(base):
        return "–"
    low, high = 100 * row["ci_low"] / base, 100 * row["ci_high"] / base
    return fixed(percent(row), decimals(min(low, high), max(low, high)), True) + " %"


# ------------------------------------------------------------------------------ reading
@dataclass(frozen=True)
class Alternative:
    """One alternative of a comparison: its label, words, resolved scenario and effects."""

    label: str
    description: str
    scenario: dict
    effects: pd.DataFrame  # its rows of effects.csv
    years: int
    replicates: int

    @property
    def participant_year(self) -> int:
        """When its effects on the firms reached are reported (as ``nsrsim compare`` does)."""
        return participant_year(self.scenario, self.years)

    def row(self, level: str, indicator: str, year: int) -> pd.Series | None:
        """The effect of ``indicator`` at ``level`` in ``year`` (None if not measured)."""
        rows = self.effects[
            (self.effects["level"] == level)
            & (self.effects["indicator"] == indicator)
            & (self.effects["year"] == year)
        ]
        return rows.iloc[0] if len(rows) else None

    def regional_output(self) -> pd.DataFrame:
        """The effects on each region's output at the last year."""
        e = self.effects
        return e[
            (e["year"] == self.years)
            & e["level"].str.startswith("region:")
            & (e["indicator"] == "output_eur")
        ]

    def money(self) -> tuple[float, float]:
        """Extra money budgeted and spent over the run against the base (instruments,
        framework, and today's programmes' spending changed by the policy).
        """
        corridor = self.effects[(self.effects["level"] == "corridor") & (self.effects["year"] > 0)]
        total = corridor.groupby("indicator")["mean_difference"].sum()
        return float(total.get("policy_budget_eur", 0.0)), float(total.get("policy_spent_eur", 0.0))


def alternatives(effects: pd.DataFrame, manifest: dict) -> list[Alternative]:
    """The comparison's alternatives in their order, each with its resolved scenario."""
    resolved = manifest.get("resolved") or {}
    years = int(manifest.get("years", effects["year"].max()))
    replicates = int(manifest.get("replicates", effects["n"].max()))
    found = []
    for label in effects["scenario"].unique():
        scenario = resolved.get(label)
        if scenario is None:
            continue
        found.append(
            Alternative(
                label,
                scenario.get("description") or label,
                scenario,
                effects[effects["scenario"] == label],
                years,
                replicates,
            )
        )
    return found


# ------------------------------------------------------------------------------ messages
@dataclass(frozen=True)
class Message:
    """One key message: its sentence (HTML) and the effect it quotes (for checking)."""

    html: str
    row: pd.Series | None
    sure: bool


def _quoted(row: pd.Series, text: str, sure: bool) -> Message:
    attributes = (
        f'data-scenario="{html.escape(row["scenario"])}" data-level="{html.escape(row["level"])}"'
        f' data-indicator="{html.escape(row["indicator"])}" data-year="{int(row["year"])}"'
        f' data-mean="{float(row["mean_difference"])!r}"'
    )
    css = "sure" if sure else "unsure"
    return Message(f'<li class="{css}" {attributes}>{text}</li>', row, sure)


def _how_sure(row: pd.Series, alt: "Alternative") -> str:
    """How sure, in words, by the one rule; an interval clear of zero that does not survive
    the correction for the outcomes checked together is said to be so, not hidden.
    """
    if detectable(row):
        return "a clear effect"
    if row["ci_low"] > 0 or row["ci_high"] < 0:
        family = (
            alt.effects[
                (alt.effects["level"] == row["level"]) & (alt.effects["year"] == row["year"])
            ]["p_value"]
            .notna()
            .sum()
        )
        return (
            f"probably real, but not clear once the {family} outcomes checked together are "
            "allowed for (more paired runs would settle it)"
        )
    return f"too small to tell apart from chance in {alt.replicates} paired runs"


def participant_message(alt: Alternative) -> Message | None:
    """What the firms its instruments reached gained: partners beyond INTERREG A."""
    year = alt.participant_year
    partners = alt.row("participants", "transnational_partners", year)
    share = alt.row("participants", "has_transnational_partner", year)
    if partners is None:
        return None
    firms = partners["participants_real_firms"]
    text = (
        f"The roughly {fixed(firms, -1 if firms >= 100 else 0)} firms its instruments reached have "
        f"{estimate(partners['mean_difference'], partners['ci_low'], partners['ci_high'])} "
        f"partners each in countries beyond their INTERREG A programme after {year} years, "
        "against the same firms without it"
    )
    if share is not None and detectable(share) and share["mean_difference"] > 0:
        one_in = max(1, round(1 / share["mean_difference"]))
        text += f": about one firm in {one_in} gained such a partner"
    text += f" — {_how_sure(partners, alt)}."
    return _quoted(partners, html.escape(text), detectable(partners))


def corridor_message(alt: Alternative) -> Message | None:
    """The whole corridor's output and innovations at the last year."""
    output = alt.row("corridor", "output_eur", alt.years)
    innovations = alt.row("corridor", "innovations", alt.years)
    if output is None:
        return None
    change = estimate(output["mean_difference"], output["ci_low"], output["ci_high"], 1e-6)
    if detectable(output):
        text = (
            f"Across the whole corridor, firms' output is {change} M EUR a year higher after "
            f"{alt.years} years ({percent_text(output)})"
        )
    else:
        text = (
            f"Across the whole corridor, the change in firms' output after {alt.years} years, "
            f"{change} M EUR a year, is {_how_sure(output, alt)}"
        )
    if innovations is not None:
        if detectable(innovations):
            text += (
                f"; innovations rise by {percent_text(innovations)} "
                f"({fixed(innovations['mean_difference'], decimals(innovations['ci_low'], innovations['ci_high']), True)} a year)"  # noqa: E501
            )
        else:
            text += "; the change in innovations is not detectable"
    return _quoted(output, html.escape(text + "."), detectable(output))


def region_message(alt: Alternative, names: dict[str, str]) -> Message | None:
    """Where the output effect lands: the regions where it is detectable, by name."""
    final = alt.regional_output()
    if final.empty:
        return None
    found = final[final.apply(detectable, axis=1)].copy()
    if found.empty:
        text = (
            f"No single region's output changes detectably after {alt.years} years; the "
            "effect is spread too thinly to single out a region."
        )
        return Message(f'<li class="unsure">{html.escape(text)}</li>', None, False)
    found["percent"] = found.apply(percent, axis=1)
    found = found.sort_values("percent", ascending=False)
    shown = [
        f"{names.get(r.level.removeprefix('region:'), r.level)} ({percent_text(r)})"
        for _, r in found.head(3).iterrows()
    ]
    text = (
        f"Output rises detectably in {len(found)} of {len(final)} regions after {alt.years} "
        f"years, most in {', '.join(shown)}."
    )
    return _quoted(found.iloc[0], html.escape(text), True)


def cost_message(alt: Alternative) -> Message | None:
    """The money and the cost per extra partner beyond INTERREG A among the firms reached."""
    budgeted, spent = alt.money()
    if budgeted <= 0 and spent <= 0:
        return None
    year = alt.participant_year
    partners = alt.row("participants", "transnational_partners", year)
    text = (
        f"It costs {fixed(spent / 1e6, 1)} M EUR over {alt.years} years "
        f"({fixed(budgeted / 1e6, 2)} M EUR budgeted)"
    )
    if partners is not None and detectable(partners) and partners["mean_difference"] > 0:
        gained = partners["mean_difference"] * partners["participants_real_firms"]
        per = partners["participants_eur"] / gained
        text += (
            f"; its instruments pay about {fixed(per, -3 if per >= 10_000 else -2)} EUR per "
            f"extra partner beyond INTERREG A among the firms they reached"
        )
    return _quoted(
        partners if partners is not None else alt.effects.iloc[0],
        html.escape(text + "."),
        partners is not None and detectable(partners),
    )


def persistence_message(alt: Alternative) -> Message | None:
    """Whether the partners effect outlasts the instruments (5 or 10 years after they end)."""
    ends = instrument_ends(alt.scenario)
    if not ends:
        return None
    end = max(ends.values())
    later = [end + k for k in (10, 5) if end + k <= alt.years]
    if not later:
        return None
    row = alt.row("participants", "transnational_partners", later[0])
    if row is None:
        return None
    after = later[0] - end
    if detectable(row):
        text = (
            f"{after} years after its instruments end, the firms reached still have "
            f"{estimate(row['mean_difference'], row['ci_low'], row['ci_high'])} partners beyond "
            "INTERREG A each: part of the effect lasts."
        )
    else:
        text = (
            f"{after} years after its instruments end, the extra partners beyond INTERREG A "
            "are no longer detectable: the effect does not outlast the money."
        )
    return _quoted(row, html.escape(text), detectable(row))


def key_messages(alt: Alternative, names: dict[str, str]) -> list[Message]:
    """Up to five key messages of one alternative, the firms reached first."""
    made = [
        participant_message(alt),
        corridor_message(alt),
        region_message(alt, names),
        persistence_message(alt),
        cost_message(alt),
    ]
    return [m for m in made if m is not None][:5]


# ------------------------------------------------------------------------------ figures
HEADLINE_ROWS = (
    ("participants", "partners", "Firms reached: partners"),
    ("participants", "innovations", "Firms reached: innovations"),
    ("participants", "productivity_eur", "Firms reached: productivity"),
    ("corridor", "cross_border_share", "Corridor: cross-border share of links"),
    ("corridor", "innovations", "Corridor: innovations a year"),
    ("corridor", "output_eur", "Corridor: output"),
    ("corridor", "employment", "Corridor: jobs"),
)


def headline_chart(alts: list[Alternative]) -> Figure:
    """Each alternative's effects in per cent of the level without it, with 95 % ranges;
    detectable effects in colour, the rest grey.
    """
    fig = Figure(figsize=(9.5, 1.2 + 0.42 * len(HEADLINE_ROWS) * len(alts)), dpi=110)
    ax = fig.subplots()
    labels, y = [], 0
    for alt in alts:
        for level, indicator, text in HEADLINE_ROWS:
            year = alt.participant_year if level == "participants" else alt.years
            row = alt.row(level, indicator, year)
            if row is None or not row["base_mean"]:
                continue
            mid = percent(row)
            low, high = (100 * row[c] / row["base_mean"] for c in ("ci_low", "ci_high"))
            colour = (UP if mid > 0 else DOWN) if detectable(row) else NOT_DETECTED
            ax.errorbar(mid, -y, xerr=[[mid - low], [high - mid]], fmt="o", color=colour,
                        ms=8, capsize=4, lw=2)  # fmt: skip
            labels.append(f"{text} (year {year})" + (f" — {alt.label}" if len(alts) > 1 else ""))
            y += 1
    ax.axvline(0, color="#333", lw=1)
    ax.set_yticks([-k for k in range(len(labels))], labels, fontsize=11)
    ax.tick_params(axis="x", labelsize=11)
    ax.set_xlabel("effect, % of the same firms or corridor without the policy", fontsize=11)
    ax.grid(axis="x", color="#ddd")
    ax.set_title("Effects with their 95 % ranges (grey: not detectable)", fontsize=12)
    fig.tight_layout()
    return fig


def effect_map(world: World, alt: Alternative, names: dict[str, str]) -> Figure | None:
    """Relative output effect per region, coloured only where detectable (grey elsewhere),
    each region named.
    """
    final = alt.regional_output()
    if final.empty:
        return None
    final = final.assign(code=final["level"].str.removeprefix("region:")).set_index("code")
    sure = final.apply(detectable, axis=1).reindex(world.regions.index, fill_value=False)
    values = final.apply(percent, axis=1).reindex(world.regions.index)
    shown = values.where(sure)
    fig = Figure(figsize=(8, 8.5), dpi=100)
    ax = fig.subplots()
    span = max(float(np.nanmax(np.abs(shown))) if sure.any() else 0.0, 1e-9)
    image = choropleth(ax, world, shown.to_numpy(), "RdYlGn", TwoSlopeNorm(0.0, -span, span))
    raster, extent = region_raster(world)
    grey = np.isin(raster, np.flatnonzero(~sure.to_numpy()))
    ax.imshow(np.ma.masked_where(~grey, grey), origin="lower", extent=extent,
              cmap=ListedColormap(["#cfcfcf"]), interpolation="nearest")  # fmt: skip
    texts = {
        code: names.get(code, code) + (f"\n{fixed(values[code], 2, True)} %" if sure[code] else "")
        for code in final.index
    }
    region_labels(ax, world, texts)
    frame(ax, extent)
    if sure.any():
        bar = fig.colorbar(image, ax=ax, shrink=0.5, pad=0.01)
        bar.set_label(f"output effect in year {alt.years}, % (detectable regions)", fontsize=11)
    ax.set_title(
        f"Where the effect on output lands, year {alt.years} (grey: not detectable)", fontsize=12
    )
    return fig


# ------------------------------------------------------------------------------ tables
EVIDENCE = (  # level, indicator, words, scale, unit, whether a change in per cent means much
    ("participants", "transnational_partners", "partners beyond INTERREG A per firm", 1.0, "",
     False),
    ("participants", "has_transnational_partner", "share with a partner beyond INTERREG A",
     100.0, " points", False),
    ("participants", "innovations", "innovations per firm since the start", 1.0, "", True),
    ("participants", "productivity_eur", "productivity", 1.0, " EUR per job", True),
    ("participants", "survival", "share still in business", 100.0, " points", False),
    ("corridor", "output_eur", "output", 1e-6, " M EUR a year", True),
    ("corridor", "innovations", "innovations a year", 1.0, "", True),
    ("corridor", "employment", "jobs", 1.0, "", True),
    ("corridor", "transnational_firm_share", "firms with a partner beyond INTERREG A",
     100.0, " points", False),
    ("corridor", "cross_border_share", "cross-border share of links", 100.0, " points", False),
    ("corridor", "theil_gdp_per_head", "inequality of GDP per head (Theil; lower is more equal)",
     1.0, "", True),
)  # fmt: skip


def evidence_table(alt: Alternative) -> str:
    """The firms reached and the corridor, each outcome with its effect rounded to its
    interval, relative change and verdict; undetectable rows greyed.
    """
    rows = []
    for level, indicator, text, scale, unit, relative in EVIDENCE:
        year = alt.participant_year if level == "participants" else alt.years
        row = alt.row(level, indicator, year)
        if row is None:
            continue
        sure = detectable(row)
        who = "firms reached" if level == "participants" else "whole corridor"
        effect = estimate(row["mean_difference"], row["ci_low"], row["ci_high"], scale, unit)
        rows.append(
            f'<tr class="{"sure" if sure else "unsure"}"><td>{who}</td>'
            f"<td>{html.escape(text)}</td><td>{year}</td><td>{html.escape(effect)}</td>"
            f'<td class="num">{percent_text(row) if relative else "–"}</td>'
            f"<td>{'clear effect' if sure else 'not detectable'}</td></tr>"
        )
    return (
        '<table class="evidence"><thead><tr><th>who</th><th>outcome</th><th>year</th>'
        "<th>effect of the policy</th><th>change</th><th>verdict</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def money_html(alt: Alternative, per_instrument: pd.DataFrame) -> str:
    """Where the money went: totals per instrument (whole firms), the budget against what was
    spent, and why the two differ.
    """
    budgeted, spent = alt.money()
    mine = per_instrument[per_instrument["scenario"] == alt.label]
    totals = mine.groupby("instrument", sort=False)[["units", "EUR"]].sum()
    lines = [
        f"<p>Against the base, '{html.escape(alt.label)}' budgets {fixed(budgeted / 1e6, 2)} M "
        f"EUR more over {alt.years} years and spends {fixed(spent / 1e6, 2)} M EUR more (mean of "
        f"{alt.replicates} runs). The two differ because an instrument pays a whole firm's "
        "unit at a time, so the last part of a year's money carries into the next year and "
        "what is left when the instrument ends is not spent; and because today's INTERREG A "
        "programmes spend a little more or less when the policy changes which firms apply to "
        "them.</p>"
    ]
    if len(totals):
        items = "".join(
            f"<li>{html.escape(name)}: {fixed(row.EUR / 1e6, 2)} M EUR for about "
            f"{fixed(row.units, 0)} firms reached in {alt.years} years "
            f"({fixed(row.EUR / max(row.units, 1e-9), -2)} EUR per firm)</li>"
            for name, row in totals.iterrows()
        )
        lines.append(f"<p>Its own instruments (mean of the runs):</p><ul>{items}</ul>")
    return "".join(lines)
