"""The Solara page of ``nsrsim dashboard``: two worlds side by side from the same seed, today's
cooperation and the policy the levers set, stepping together a year at a time, with their
maps, charts of both and the difference, and the levers (applied with a button that restarts
both worlds, so what runs is always what the status line says).

``solara run nsrsim.dashboard.app`` serves it (``nsrsim dashboard`` does, with the right
settings). Built from Solara components rather than Mesa's SolaraViz, whose page shows its own
controls (threads, render interval, model time) that mean nothing to the audience; the models
are Mesa models all the same. Each browser session has its own pair of worlds.
"""

import threading
from dataclasses import replace

import solara

from nsrsim.dashboard.levers import Levers, base_scenario, levers_of
from nsrsim.dashboard.views import charts, flow_map, status, widest_flow
from nsrsim.dashboard.worlds import Worlds, prepared, warm

BASE = base_scenario()
GIVEN = levers_of(BASE)
threading.Thread(target=warm, args=(BASE,), daemon=True).start()  # ready before a visitor


@solara.component
def LeverPanel(draft: Levers, on_draft, on_apply, changed: bool):
    """The levers with their values in words, and the button that applies them."""
    with solara.Card("Policy levers", style={"min-width": "300px", "font-size": "1.05em"}):
        solara.Checkbox(label="Transnational cluster framework", value=draft.framework,
                        on_value=lambda v: on_draft(replace(draft, framework=v)))  # fmt: skip
        solara.SliderInt(f"Framework duration: {draft.duration_years} years",
                         value=draft.duration_years, min=1, max=30,
                         on_value=lambda v: on_draft(replace(draft, duration_years=v)),
                         disabled=not draft.framework)  # fmt: skip
        solara.SliderFloat(f"Framework budget: {draft.budget_meur:g} M EUR a year",
                           value=draft.budget_meur, min=0.5, max=10.0, step=0.25,
                           on_value=lambda v: on_draft(replace(draft, budget_meur=v)),
                           disabled=not draft.framework)  # fmt: skip
        solara.Checkbox(label="Rural inclusion (100 k EUR a year)", value=draft.rural_inclusion,
                        on_value=lambda v: on_draft(replace(draft, rural_inclusion=v)))  # fmt: skip
        solara.Checkbox(label="Fehmarnbelt fixed link (opens 2032)", value=draft.fehmarnbelt,
                        on_value=lambda v: on_draft(replace(draft, fehmarnbelt=v)))  # fmt: skip
        solara.SliderInt(f"Seed (chance events): {draft.seed}", value=draft.seed, min=0,
                         max=9999, on_value=lambda v: on_draft(replace(draft, seed=v)))  # fmt: skip
        if changed:
            solara.Warning("Changed levers take effect when applied: both worlds restart.")
        solara.Button("Apply levers and restart", on_click=on_apply, color="primary",
                      disabled=not changed)  # fmt: skip


@solara.component
def Page():
    """Levers, controls and status on top; the two maps side by side; the charts below."""
    draft, set_draft = solara.use_state(GIVEN)
    applied, set_applied = solara.use_state(GIVEN)
    restarts, set_restarts = solara.use_state(0)
    worlds: Worlds = solara.use_memo(lambda: prepared(BASE, applied), [applied, restarts])
    # a new year of these worlds re-renders (keyed by the worlds: a restart starts afresh)
    _, set_shown = solara.use_state((0, 0))

    def set_year(year: int) -> None:
        set_shown((id(worlds), year))

    playing, set_playing = solara.use_state(False)

    def play(cancel: threading.Event) -> None:
        while playing and not cancel.is_set() and not worlds.done:
            worlds.step_year()
            set_year(worlds.year)
        if worlds.done:
            set_playing(False)

    solara.use_thread(play, dependencies=[playing, worlds], intrusive_cancel=False)

    def step() -> None:
        worlds.step_year()
        set_year(worlds.year)

    def apply() -> None:
        set_playing(False)
        set_applied(draft)

    solara.Title("nsrsim: North Sea Region cluster cooperation")
    with solara.Column(style={"padding": "12px", "font-size": "16px"}):
        solara.Text(status(worlds), style={"font-size": "1.25em", "font-weight": "600"})
        with solara.Row(style={"align-items": "flex-start"}):
            with solara.Column():
                LeverPanel(draft, set_draft, apply, draft != applied)
                with solara.Row():
                    solara.Button("Step a year", on_click=step,
                                  disabled=playing or worlds.done)  # fmt: skip
                    solara.Button("Pause" if playing else "Play", on_click=lambda: set_playing(
                        not playing), disabled=worlds.done)  # fmt: skip
                    solara.Button("Restart", on_click=lambda: (set_playing(False),
                                  set_restarts(restarts + 1)))  # fmt: skip
            widest = widest_flow(worlds)
            solara.FigureMatplotlib(flow_map(worlds.today, "Today's cooperation", widest),
                                    format="png")  # fmt: skip
            solara.FigureMatplotlib(flow_map(worlds.chosen, "With the levers", widest),
                                    format="png")  # fmt: skip
        solara.FigureMatplotlib(charts(worlds), format="png")
