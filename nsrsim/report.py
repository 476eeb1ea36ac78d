"""``nsrsim report``: one self-contained HTML policy brief from any results folder.

Figures are embedded as data URIs and the style is inline, so the file opens without a
network (a projector in a meeting room, an e-mail attachment). The page reads the folder's
files only (effects, runs, indices, analyses, manifest), never reruns a model; captions are
written from the numbers. Plain language first, numbers second.
"""

import base64
import html
import io
import json
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from matplotlib.figure import Figure

from nsrsim import __version__
from nsrsim.brief import (
    alternatives,
    effect_map,
    evidence_table,
    headline_chart,
    key_messages,
    money_html,
)
from nsrsim.compare import CORRIDOR_SUMMARY, PARTICIPANT_SUMMARY, PERSISTENCE, detectable
from nsrsim.config import Scenario
from nsrsim.errors import NsrsimError
from nsrsim.indicators import OUTCOME_BY_NAME
from nsrsim.maps import draw_map
from nsrsim.stats import mean_ci
from nsrsim.world.grid import URBAN_CLASSES
from nsrsim.world.world import cached_world

KINDS = ("compare", "sa", "analyse", "validate", "sweep", "run")
PARTICIPANT_LABELS = dict(PARTICIPANT_SUMMARY)
STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;max-width:1100px;
margin:2em auto;padding:0 1em;font-size:19px;line-height:1.5;color:#1b1b1b}
h1{font-size:2em;margin-bottom:.2em}h2{border-bottom:2px solid #4a6fa5;margin-top:2em}
.sub{color:#555;margin-top:0}
table{border-collapse:collapse;margin:1em 0;font-size:.85em}
th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#eef2f8}td.num{text-align:right;font-variant-numeric:tabular-nums}
.none{color:#777}.up{color:#1a7f37;font-weight:600}.down{color:#b3261e;font-weight:600}
tr.unsure td{color:#8a8a8a}tr.sure td:last-child{color:#1a7f37;font-weight:600}
ul.key{background:#f3f7fb;border-left:5px solid #4a6fa5;padding:.6em 1em .6em 2em}
ul.key li{margin:.35em 0}ul.key li.unsure{color:#555}
.against{color:#555;margin:.2em 0}.how{font-size:.85em;color:#333}
figure{margin:1.5em 0}img{max-width:100%;height:auto;border:1px solid #ddd}
figcaption{font-size:.9em;color:#333;margin-top:.4em}
pre{background:#f6f6f6;padding:1em;overflow-x:auto;font-size:.75em}
details#annex{margin-top:3em;border-top:2px solid #4a6fa5;padding-top:1em}
details#annex>summary{font-size:1.3em;font-weight:600;cursor:pointer}
@page{size:A4;margin:14mm}
@media print{body{max-width:none;margin:0;padding:0;font-size:10.5pt}
h2{break-after:avoid;margin-top:1.2em}figure,tr,ul.key li{break-inside:avoid}
img{max-height:100mm;width:auto}nav{display:none}table{font-size:.8em}}
"""


@dataclass
class Section:
    """One section of the report: an anchor, a title and its HTML."""

    anchor: str
    title: str
    body: list[str] = field(default_factory=list)
    annex: bool = False  # folded away at the end (statistical detail, provenance)


def kind_of(folder: Path) -> str:
    """What produced ``folder``: compare, sa, analyse, validate, sweep or run."""
    if not folder.is_dir():
        raise NsrsimError(f"{folder} is not a folder; give a results folder of nsrsim.")
    if (folder / "effects.csv").exists():
        return "compare"
    if (folder / "indices.csv").exists():
        return "sa"
    if (folder / "cluster_partnerships.csv").exists():
        return "analyse"
    if (folder / "validation.csv").exists():
        return "validate"
    if (folder / "indicators.parquet").exists():
        return "run"
    if (folder / "runs.parquet").exists() and (folder / "manifest.json").exists():
        return "sweep"
    raise NsrsimError(
        f"{folder} holds no results nsrsim can report on: expected the folder of 'nsrsim run' "
        "(indicators.parquet), 'compare' (effects.csv), 'sweep' (runs.parquet), 'sa' "
        "(indices.csv), 'analyse' (cluster_partnerships.csv) or 'validate' (validation.csv)."
    )


# ------------------------------------------------------------------------------- formatting
def number(value: float) -> str:
    """A number for people: three significant digits, thousands separated."""
    if value is None or not np.isfinite(value):
        return "–"
    if value == 0:
        return "0"
    if abs(value) >= 99.95:  # whole numbers from here: .3g would write 999.7 as 1e+03
        return f"{value:,.0f}"
    return f"{value:.3g}"


def interval(mean: float, low: float, high: float, scale: float = 1.0, unit: str = "") -> str:
    """``mean [low, high]`` in the given scale and unit."""
    return f"{number(mean * scale)}{unit} [{number(low * scale)}, {number(high * scale)}]"


def verdict(row: pd.Series | object, higher_is_better: bool | None = True) -> tuple[str, str]:
    """Plain words and a CSS class of an effect, by the one rule (:func:`compare.detectable`):
    'no detectable effect', or 'raises' / 'lowers' (green when that is better).
    """
    if not detectable(row):
        return "no detectable effect", "none"
    low = row["ci_low"] if isinstance(row, pd.Series) else row.ci_low  # type: ignore[attr-defined]
    up = low > 0
    return ("raises" if up else "lowers"), (
        "up" if up == (higher_is_better is not False) else "down"
    )


def signed(percent: float) -> str:
    """A relative change in per cent, with its sign."""
    return ("+" if percent > 0 else "") + number(percent) + " %"


def table_html(frame: pd.DataFrame, numeric: Iterable[str] = ()) -> str:
    """A plain HTML table (escaped), numeric columns right-aligned."""
    numeric = set(numeric)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for _, row in frame.iterrows():
        cells = []
        for column, value in row.items():
            text = number(value) if isinstance(value, float) else str(value)
            css = ' class="num"' if column in numeric else ""
            cells.append(f"<td{css}>{html.escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def image(path_or_figure: Path | Figure, caption: str) -> str:
    """A figure embedded as a PNG data URI, with its caption."""
    if isinstance(path_or_figure, Figure):
        buffer = io.BytesIO()
        path_or_figure.savefig(buffer, format="png", bbox_inches="tight")
        data = buffer.getvalue()
    else:
        data = path_or_figure.read_bytes()
    encoded = base64.b64encode(data).decode("ascii")
    return (
        f'<figure><img src="data:image/png;base64,{encoded}" alt="{html.escape(caption)}">'
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
    )


def label_of(indicator: str, level: str = "corridor") -> str:
    """A person's name for an indicator (participants' outcomes are per firm)."""
    if level == "participants" and indicator in PARTICIPANT_LABELS:
        return PARTICIPANT_LABELS[indicator]
    outcome = OUTCOME_BY_NAME.get(indicator)
    return outcome.label if outcome else indicator.replace("_", " ")


EFFECT_SCALES = {
    "EUR/year": (1e-6, " M EUR/year"),
    "EUR/job/year": (1.0, " EUR/job"),
}  # differences


def scale_of(indicator: str, level: str) -> tuple[float, str]:
    """How to show an indicator's effect: money in M EUR, others as they are."""
    outcome = OUTCOME_BY_NAME.get(indicator)
    if level == "participants" or outcome is None:
        return 1.0, ""
    return EFFECT_SCALES.get(outcome.unit, (1.0, ""))


# ----------------------------------------------------------------------------- comparisons
def headline(effects: pd.DataFrame, years: int) -> pd.DataFrame:
    """The effects a brief leads with, at the last year: participants first, then regions
    (output), urban classes (output), then the corridor.
    """
    final = effects[effects["year"] == years]
    parts = []
    participants = final[final["level"] == "participants"]
    parts.append(participants[participants["indicator"].isin(PARTICIPANT_LABELS)])
    regions = final[final["level"].str.startswith("region:") & (final["indicator"] == "output_eur")]
    parts.append(regions.sort_values(["scenario", "level"]))
    classes = final[final["level"].isin(URBAN_CLASSES)]
    parts.append(classes[classes["indicator"] == "output_eur"])
    corridor = final[final["level"] == "corridor"]
    parts.append(corridor[corridor["indicator"].isin([name for name, _ in CORRIDOR_SUMMARY])])
    order = {"participants": 0, "urban": 2, "intermediate": 2, "rural": 2, "corridor": 3}
    table = pd.concat(parts, ignore_index=True)
    table["_scenario"] = table["scenario"].map(
        {s: k for k, s in enumerate(table["scenario"].unique())}
    )
    table["_level"] = table["level"].map(lambda lv: order.get(lv, 1))
    return table.sort_values(["_scenario", "_level"], kind="stable").drop(
        columns=["_scenario", "_level"]
    )


def headline_html(table: pd.DataFrame) -> str:
    """The headline table; each number also sits in a ``data-`` attribute, unrounded."""
    rows = []
    for row in table.itertuples():
        outcome = OUTCOME_BY_NAME.get(row.indicator)
        better = outcome.higher_is_better if outcome else True
        words, css = verdict(row, better)
        level = row.level.removeprefix("region:")
        scale, unit = scale_of(row.indicator, row.level)
        relative = (
            signed(100 * row.mean_difference / row.base_mean)
            if row.base_mean and np.isfinite(row.base_mean)
            else "–"
        )
        rows.append(
            f'<tr data-scenario="{html.escape(row.scenario)}" data-level="{html.escape(row.level)}"'
            f' data-indicator="{html.escape(row.indicator)}" data-year="{int(row.year)}"'
            f' data-mean="{row.mean_difference!r}" data-low="{row.ci_low!r}"'
            f' data-high="{row.ci_high!r}">'
            f"<td>{html.escape(row.scenario)}</td><td>{html.escape(level)}</td>"
            f"<td>{html.escape(label_of(row.indicator, row.level))}</td>"
            f'<td class="{css}">{words}</td>'
            f'<td class="num">{interval(row.mean_difference, row.ci_low, row.ci_high, scale, unit)}'
            f'</td><td class="num">{relative}</td>'
            f'<td class="num">{number(row.base_mean * scale)}{unit}</td></tr>'
        )
    return (
        '<table id="headline"><thead><tr><th>scenario</th><th>who</th><th>outcome</th>'
        "<th>finding</th><th>effect [95 % CI]</th><th>relative</th><th>without the policy</th>"
        "</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def money_table(folder: Path, runs: pd.DataFrame, base: str | None) -> pd.DataFrame:
    """Units and EUR per instrument and year, mean over replicates, of each alternative's own
    instruments (those the ``base`` scenario does not run), from each run's participants.
    """
    rows = []
    for (scenario, replicate), group in runs.groupby(["param:scenario", "replicate"]):
        path = folder / "participants" / f"{group['run_id'].iloc[0]}.parquet"
        if not path.exists():
            continue
        people = pd.read_parquet(path)
        if people.empty:
            continue
        summed = people.groupby(["year", "name"], as_index=False)[["units", "eur"]].sum()
        summed["scenario"], summed["replicate"] = scenario, replicate
        rows.append(summed)
    if not rows:
        return pd.DataFrame(columns=["scenario", "instrument", "year", "units", "EUR"])
    table = pd.concat(rows)
    theirs = set(table.loc[table["scenario"] == base, "name"])
    table = table[(table["scenario"] != base) & ~table["name"].isin(theirs)]
    table = table.groupby(["scenario", "name", "year"], as_index=False)[["units", "eur"]].sum()
    replicates = runs.groupby("param:scenario")["replicate"].nunique()
    per_run = replicates.reindex(table["scenario"]).to_numpy()  # years with no one reached: 0
    table[["units", "eur"]] = table[["units", "eur"]].div(per_run, axis=0)
    return table.rename(columns={"name": "instrument", "eur": "EUR"})[
        ["scenario", "instrument", "year", "units", "EUR"]
    ]


def effects_base(manifest: dict) -> str | None:
    """The base scenario's label of a comparison (the first of its scenarios)."""
    scenarios = list(manifest.get("scenarios", {}))
    return scenarios[0] if scenarios else None


FIGURE_CAPTIONS = {
    "trajectories.png": "Indicators over the run, each scenario's mean with its 95 % band.",
    "effects.png": "Corridor effects against the base with 95 % confidence intervals.",
    "trade_off.png": "Competitiveness against cohesion: each scenario's effects on both.",
    "participants.png": "Effects on the firms the scenario's instruments reached, over time.",
    "dose_response.png": "Dose-response: effects at each multiple of the instruments' budgets.",
}


def compare_sections(folder: Path, manifest: dict) -> list[Section]:
    """The brief of a comparison: key messages and the headline chart, the evidence per
    alternative (the firms reached, the corridor, the regions), the money; in the annex every
    effect, the comparison's figures and whether effects last.
    """
    effects = pd.read_csv(folder / "effects.csv")
    runs = pd.read_parquet(folder / "runs.parquet")
    world = cached_world(Scenario.model_validate(first_scenario(manifest, folder)).world)
    names = world.regions["name"].to_dict()
    alts = alternatives(effects, manifest)
    base = effects_base(manifest) or "the base"
    key = Section("key", "Key messages")
    for alt in alts:
        messages = key_messages(alt, names)
        against = (
            f"'{alt.label}' against '{base}' ({_base_words(manifest, base)}), "
            f"{alt.replicates} paired runs of {alt.years} years."
        )
        key.body.append(
            f"<h3>{html.escape(alt.description)}</h3>"
            f'<p class="against">{html.escape(against)}</p>'
            f'<ul class="key">{"".join(m.html for m in messages)}</ul>'
        )
    if alts:
        key.body.append(
            image(
                headline_chart(alts),
                "Effects in per cent of the same firms (reached by the instruments) or of the "
                "corridor without the policy; bars are 95 % ranges over the paired runs; grey "
                "marks an effect too small to detect.",
            )
        )
    key.body.append(
        '<p class="how">How to read this: each number is the difference the policy makes, '
        "measured by running the same simulated corridor twice — with and without the policy, "
        "with the same chance events — and averaging over the paired runs. The 95 % range "
        "is where the true difference lies with 95 % confidence. An effect is called clear "
        "only if it stays clear of zero even after allowing for the many outcomes checked at "
        "once; otherwise it is called not detectable, which means it is too small for this "
        "number of runs, not that it is zero.</p>"
    )
    evidence = Section("evidence", "The evidence")
    for alt in alts:
        evidence.body.append(f"<h3>{html.escape(alt.label)}</h3>")
        evidence.body.append(evidence_table(alt))
        figure = effect_map(world, alt, names)
        if figure is not None:
            evidence.body.append(
                image(
                    figure,
                    f"Effect of '{alt.label}' on each region's output in year {alt.years}, % of "
                    "the same region without it; coloured only where the effect is detectable.",
                )
            )
    money = Section("money", "What the money buys")
    per_instrument = money_table(folder, runs, effects_base(manifest))
    for alt in alts:
        money.body.append(money_html(alt, per_instrument))
    detail = Section("detail", "Every effect", annex=True)
    detail.body.append(
        "<p>Every effect at the last year (participants at the end of the first instrument in "
        "the summary above; here the last year), with its 95 % confidence interval and the "
        "level without the policy. 'No detectable effect': the effect's p-value, corrected "
        "with Holm's method for the outcomes tested at one level and year, is not below 5 %. "
        "effects.csv also holds the minimum detectable effect (80 % power, corrected in the "
        "same way) of each.</p>"
    )
    years = int(manifest.get("years", effects["year"].max()))
    detail.body.append(headline_html(headline(effects, years)))
    persistence = folder / "persistence.csv"
    if persistence.exists() and persistence.read_text().strip():  # empty: nothing ended yet
        table = pd.read_csv(persistence)
        if len(table):
            detail.body.append(persistence_html(table))
    if len(per_instrument):
        detail.body.append(
            "<p>Units bought by each scenario's own instruments per year (one unit is one real "
            "firm reached: a match, a coached firm, a project), mean over replicates:</p>"
        )
        detail.body.append(table_html(per_instrument, ["year", "units", "EUR"]))
    figures = Section("figures", "The comparison's figures", annex=True)
    for path in sorted((folder / "figures").glob("*.png")):
        caption = FIGURE_CAPTIONS.get(path.name, path.stem.replace("_", " "))
        figures.body.append(image(path, caption))
    return [key, evidence, money, detail, figures]


def _base_words(manifest: dict, base: str) -> str:
    resolved = (manifest.get("resolved") or {}).get(base) or {}
    return resolved.get("description") or base


def persistence_html(table: pd.DataFrame) -> str:
    """Whether the effects last: the comparison's persistence outcomes when the scenario's
    last instrument ends and 5 and 10 years after.
    """
    rows = []
    for level, name, text in PERSISTENCE:
        mine = table[(table["level"] == level) & (table["indicator"] == name)]
        for row in mine.itertuples():
            words, _ = verdict(row)
            rows.append(
                {
                    "scenario": row.scenario,
                    "instrument": row.instrument,
                    "outcome": text,
                    "year": int(row.year),
                    "years after its end": int(row.years_after_end),
                    "finding": words,
                    "effect [95 % CI]": interval(row.mean_difference, row.ci_low, row.ci_high),
                }
            )
    if not rows:
        return ""
    frame = pd.DataFrame(rows).drop_duplicates(["scenario", "outcome", "year"])
    return "<p>Do the effects last? Effects when the instruments end and after:</p>" + table_html(
        frame, ["year", "years after its end", "effect [95 % CI]"]
    )


# ------------------------------------------------------------------------- other folders
def sa_sections(folder: Path) -> list[Section]:
    """The SA ranking: per output the parameters by total (or Morris) effect, noise share."""
    indices = pd.read_csv(folder / "indices.csv")
    section = Section("sensitivity", "Which assumptions matter (sensitivity analysis)")
    key = "ST" if "ST" in indices.columns and indices["ST"].notna().any() else "mu_star"
    measure = "total Sobol index ST" if key == "ST" else "Morris mu*"
    section.body.append(
        f"<p>For each output, the parameters ranked by {measure}"
        " with its confidence half-width. Replicate noise is the share of the output's "
        "variance that is randomness between replicates, not sensitivity.</p>"
    )
    for output, rows in indices.groupby("output", sort=False):
        ranked = rows.sort_values(key, ascending=False).head(8)
        noise = rows["noise_share"].iloc[0] if "noise_share" in rows else np.nan
        section.body.append(
            f"<h3>{html.escape(output)}</h3><p>replicate noise: "
            + ("not measured" if not np.isfinite(noise) else f"{100 * noise:.0f} % of the variance")
            + "</p>"
        )
        shown = ranked[["parameter", key, f"{key}_conf"]].rename(
            columns={key: key, f"{key}_conf": "± (95 %)"}
        )
        section.body.append(table_html(shown, [key, "± (95 %)"]))
    for path in sorted((folder / "figures").glob("*.png")):
        section.body.append(image(path, path.stem.replace("_", " ")))
    return [section]


def analyse_sections(folder: Path) -> list[Section]:
    """The project idea's analyses: their plain-words summary, top tables and figures."""
    section = Section("analyses", "Innovation gap, S3 linkages and cluster partnerships")
    summary = (folder / "summary.txt").read_text(encoding="utf-8")
    section.body.append(f"<pre>{html.escape(summary)}</pre>")
    linkages = pd.read_csv(folder / "s3_linkages.csv")
    top = linkages[linkages["potential_rank"].notna()].head(10)
    section.body.append("<h3>Region pairs with potential beyond INTERREG A</h3>")
    section.body.append(
        table_html(
            top[
                [
                    "potential_rank",
                    "region_a",
                    "region_b",
                    "shared_priorities",
                    "complementary_priorities",
                    "travel_h",
                    "links_per_1000_firms",
                ]
            ],
            ["potential_rank", "travel_h", "links_per_1000_firms"],
        )
    )
    captions = {
        "innovation_gap_map.png": "Simulated innovations per 1,000 jobs and year per region.",
        "innovation_gap.png": "Observed innovation index beside simulated innovation per job.",
        "s3_linkages.png": "Smart-specialisation overlap of region pairs and their links today.",
        "cluster_partnerships.png": "Screened against simulated cluster partnerships.",
    }
    for path in sorted((folder / "figures").glob("*.png")):
        section.body.append(image(path, captions.get(path.name, path.stem.replace("_", " "))))
    return [section]


def validation_section(folder: Path) -> Section:
    """The baseline's validation table (a ``nsrsim validate`` folder)."""
    table = pd.read_csv(folder / "validation.csv")
    section = Section("validation", "How well the baseline reproduces the regions")
    section.body.append(
        "<p>Empirical patterns the baseline is held against, each with its target band and the "
        "value over replicates (docs/VALIDATION.md).</p>"
    )
    shown = pd.DataFrame(
        {
            "pattern": table["label"],
            "target": [f"{number(lo)} to {number(hi)}" for lo, hi in
                       zip(table["target_low"], table["target_high"], strict=True)],
            "simulated [95 % CI]": [interval(m, lo, hi) for m, lo, hi in
                                    zip(table["mean"], table["ci_low"], table["ci_high"],
                                        strict=True)],
            "in band": np.where(table["in_band"], "yes", "no"),
            "source": table["source"],
        }
    )  # fmt: skip
    passed = table.groupby("group")["group_passes"].first()
    section.body.append(
        f"<p>{int(passed.sum())} of {len(passed)} patterns pass (a pattern passes when all its "
        "measures are in band).</p>"
    )
    section.body.append(table_html(shown, ["simulated [95 % CI]"]))
    return section


def sweep_table(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per design point: the parameters that vary, then each output as mean [CI]."""
    params = [c for c in runs.columns if c.startswith("param:") and runs[c].nunique() > 1]
    outputs = [c for c in runs.columns if "@" in c and pd.api.types.is_numeric_dtype(runs[c])]
    rows = []
    for _, group in runs.groupby("point", sort=True):
        row = {c.removeprefix("param:"): group[c].iloc[0] for c in params}
        row["replicates"] = len(group)
        for column in outputs:
            row[column] = interval(*mean_ci(group[column].to_numpy(float)))
        rows.append(row)
    return pd.DataFrame(rows)


def run_sections(folder: Path, kind: str) -> list[Section]:
    """A single run or a sweep: indicators (last year) and the figures."""
    section = Section("results", "Results")
    if kind == "run":
        indicators = pd.read_parquet(folder / "indicators.parquet")
        last = indicators[indicators["year"] == indicators["year"].max()].iloc[0]
        rows = [
            {
                "indicator": OUTCOME_BY_NAME[n].label,
                "unit": OUTCOME_BY_NAME[n].unit,
                "year 0": float(indicators.iloc[0][n]),
                f"year {int(last['year'])}": float(last[n]),
            }
            for n in OUTCOME_BY_NAME
            if n in indicators.columns
        ]
        section.body.append(table_html(pd.DataFrame(rows), ["year 0", f"year {int(last['year'])}"]))
    else:
        runs = pd.read_parquet(folder / "runs.parquet")
        table = sweep_table(runs)
        section.body.append(
            f"<p>{len(runs)} runs at {len(table)} design points; per point the varied "
            "parameters and each output's mean over replicates with its 95 % CI.</p>"
        )
        section.body.append(table_html(table, [c for c in table.columns if "@" in c]))
    for path in sorted((folder / "figures").glob("*.png")):
        section.body.append(image(path, path.stem.replace("_", " ")))
    return [section]


# ----------------------------------------------------------------------------------- page
def first_scenario(manifest: dict, folder: Path) -> dict:
    """A resolved scenario of the folder (for the world map), the baseline if none is kept."""
    for key in ("scenario", "resolved"):
        value = manifest.get(key)
        if isinstance(value, dict) and value:
            return value if "world" in value else next(iter(value.values()))
    return Scenario(name="baseline").model_dump(mode="json")


def what_was_run(kind: str, manifest: dict) -> Section:
    """Scenarios in plain words, years, replicates, seeds and versions."""
    section = Section("what", "What was run", annex=True)
    items = []
    resolved = manifest.get("resolved") or {}
    if kind == "compare":
        for label, path in manifest.get("scenarios", {}).items():
            description = (resolved.get(label) or {}).get("description", "")
            items.append(
                f"<li><b>{html.escape(label)}</b> ({html.escape(path)}): "
                f"{html.escape(description)}</li>"
            )
    elif isinstance(manifest.get("scenario"), dict):
        scenario = manifest["scenario"]
        items.append(
            f"<li><b>{html.escape(scenario.get('name', ''))}</b>: "
            f"{html.escape(scenario.get('description', ''))}</li>"
        )
    analyse = manifest.get("analyse") or {}
    run = (
        (manifest.get("scenario") or {}).get("run", {})
        if isinstance(manifest.get("scenario"), dict)
        else {}
    )
    facts = [
        ("years", manifest.get("years", run.get("years"))),
        ("replicates", manifest.get("replicates", analyse.get("replicates"))),
        ("seed", manifest.get("seed", run.get("seed"))),
        ("runs", manifest.get("runs")),
        ("nsrsim commit", manifest.get("git_commit")),
        ("computed", manifest.get("created_utc")),
    ]
    for name, value in facts:
        if value is not None:
            items.append(f"<li>{name}: {html.escape(str(value))}</li>")
    versions = manifest.get("versions", {})
    if versions:
        items.append(
            "<li>versions: "
            + html.escape(", ".join(f"{k} {v}" for k, v in versions.items()))
            + "</li>"
        )
    section.body.append("<ul>" + "".join(items) + "</ul>")
    return section


def appendix(manifest: dict) -> Section:
    """The full resolved configuration(s) and the manifest."""
    section = Section("appendix", "The full configuration", annex=True)
    resolved = manifest.get("resolved") or (
        {manifest["scenario"]["name"]: manifest["scenario"]}
        if isinstance(manifest.get("scenario"), dict)
        else {}
    )
    for label, scenario in resolved.items():
        section.body.append(f"<h3>{html.escape(label)}</h3>")
        section.body.append(f"<pre>{html.escape(yaml.safe_dump(scenario, sort_keys=False))}</pre>")
    rest = {k: v for k, v in manifest.items() if k not in ("resolved", "scenario")}
    section.body.append("<h3>manifest</h3>")
    section.body.append(f"<pre>{html.escape(json.dumps(rest, indent=2, default=str))}</pre>")
    return section


def build(
    folder: Path,
    validation: Path | None = None,
    sa: Path | None = None,
    analyses: Path | None = None,
) -> str:
    """The report of ``folder`` (plus sections from other folders) as one HTML page."""
    kind = kind_of(folder)
    manifest_path = folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    sections = []
    if kind == "compare":
        sections += compare_sections(folder, manifest)
    elif kind == "sa":
        sections += sa_sections(folder)
    elif kind == "analyse":
        sections += analyse_sections(folder)
    elif kind == "validate":
        sections.append(validation_section(folder))
    else:
        sections += run_sections(folder, kind)
    for extra, expected, make in (
        (validation, "validate", lambda f: [validation_section(f)]),
        (sa, "sa", sa_sections),
        (analyses, "analyse", analyse_sections),
    ):
        if extra is not None:
            if kind_of(extra) != expected:
                raise NsrsimError(f"{extra} is not a '{expected}' results folder.")
            sections += make(extra)
    world = cached_world(Scenario.model_validate(first_scenario(manifest, folder)).world)
    nsr = Section("map", "The North Sea Region as modelled", annex=True)
    with tempfile.TemporaryDirectory() as scratch:  # the results folder may be read-only
        path = draw_map(
            world, Path(scratch) / "map.png", "The modelled regions, cities and transport links"
        )
        nsr.body.append(
            image(
                path,
                "The modelled NUTS-2 regions, their cities and the "
                "transport links between them (dotted: planned).",
            )
        )
    sections += [nsr, what_was_run(kind, manifest), appendix(manifest)]
    title = {
        "compare": "Simulated policy outcomes",
        "sa": "Which assumptions drive the outcomes",
        "analyse": "Innovation gap, smart-specialisation linkages and cluster partnerships",
        "validate": "Validation of the baseline",
        "sweep": "Parameter sweep",
        "run": "Simulation run",
    }[kind]
    date = datetime.now(UTC).strftime("%d %B %Y")
    main = [s for s in sections if not s.annex]
    annex = [s for s in sections if s.annex]
    contents = (
        "".join(f'<li><a href="#{s.anchor}">{html.escape(s.title)}</a></li>' for s in main)
        + '<li><a href="#annex">Annex: detail, figures and provenance</a></li>'
    )
    body = "".join(_section_html(s) for s in main)
    folded = (
        '<details id="annex"><summary>Annex: every effect, the figures, what was run and the '
        "full configuration (click to open)</summary>"
        + "".join(_section_html(s) for s in annex)
        + "</details>"
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>nsrsim: {html.escape(title)}</title><style>{STYLE}</style></head><body>"
        f'<h1>{html.escape(title)}</h1><p class="sub">North Sea Region cluster cooperation, '
        f"simulated with nsrsim {__version__} — {html.escape(folder.name)}, {date}</p>"
        f"<nav><ol>{contents}</ol></nav>{body}{folded}</body></html>\n"
    )


def _section_html(section: Section) -> str:
    return (
        f'<section id="{section.anchor}"><h2>{html.escape(section.title)}</h2>'
        f"{''.join(section.body)}</section>"
    )
