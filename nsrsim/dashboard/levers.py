"""The dashboard's policy levers as a scenario.

The levers are those a project team shows politicians: the transnational framework on or off,
its duration and budget (with the framework's own instruments, as in
``configs/nsr_framework_10y.yaml``), rural inclusion (``configs/urban_rural.yaml``), the
Fehmarnbelt fixed link (open from 2032, as in ``configs/string_fehmarnbelt.yaml``) and the
seed. Everything else comes from the scenario file the dashboard was started with, except its
own policy instruments: the levers decide those.
"""

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nsrsim.config import Scenario, load_scenario, validate

CONFIG_ENV = "NSRSIM_DASHBOARD_CONFIG"
MATCHMAKING_EUR, COACHING_EUR, RURAL_EUR = 150_000.0, 125_000.0, 100_000.0
FEHMARNBELT_OPENS = 2032
YEARS = 30  # long enough to watch a 10-year framework end and what persists


def base_scenario() -> Scenario:
    """The scenario the dashboard starts from: ``NSRSIM_DASHBOARD_CONFIG`` (a YAML path),
    else the baseline defaults, run for 30 years.
    """
    path = os.environ.get(CONFIG_ENV)
    if path:
        return load_scenario(Path(path), {"run.years": YEARS})
    data = Scenario(name="baseline").model_dump(mode="json")
    data["run"]["years"] = YEARS
    return validate(data, "dashboard defaults")


def lever_scenario(
    base: Scenario,
    framework: bool,
    duration_years: int,
    budget_meur: float,
    rural_inclusion: bool,
    fehmarnbelt: bool,
    seed: int,
) -> Scenario:
    """``base`` with the levers applied (validated like any scenario file): the framework on
    or off with its own instruments, rural inclusion and the Fehmarnbelt link; the base's own
    ``policies`` are replaced by the levers', its INTERREG A ``programmes`` kept.
    """
    data: dict[str, Any] = base.model_dump(mode="json")
    data["name"] = "dashboard"
    data["run"]["seed"] = int(seed)
    policies = []  # the levers say which instruments run; today's programmes stay
    window = {"start_year": 0, "duration_years": int(duration_years)}
    data["framework"]["enabled"] = bool(framework)
    if framework:
        data["framework"].update(budget_eur_per_year=float(budget_meur) * 1e6, **window)
        policies += [
            {"kind": "matchmaking", "name": "transnational matchmaking", "members_only": True,
             "scope": "transnational", "budget_eur_per_year": MATCHMAKING_EUR, **window},
            {"kind": "innovation_management", "name": "innovation-management coaching",
             "members_only": True, "budget_eur_per_year": COACHING_EUR, **window},
        ]  # fmt: skip
    if rural_inclusion:
        policies.append(
            {"kind": "rural_inclusion", "name": "rural inclusion", "urban_class": ["rural"],
             "budget_eur_per_year": RURAL_EUR, **window}
        )  # fmt: skip
    data["policies"] = policies
    projects = dict(data["world"].get("transport_projects") or {})
    if fehmarnbelt:
        projects["fehmarnbelt"] = FEHMARNBELT_OPENS
    else:
        projects.pop("fehmarnbelt", None)
    data["world"]["transport_projects"] = projects
    return validate(data, "dashboard levers")


@dataclass(frozen=True)
class Levers:
    """What the politicians' levers are set to."""

    framework: bool
    duration_years: int
    budget_meur: float
    rural_inclusion: bool
    fehmarnbelt: bool
    seed: int

    def scenario(self, base: Scenario) -> Scenario:
        """``base`` with these levers (:func:`lever_scenario`)."""
        return lever_scenario(
            base,
            self.framework,
            self.duration_years,
            self.budget_meur,
            self.rural_inclusion,
            self.fehmarnbelt,
            self.seed,
        )

    def today(self, given: "Levers") -> "Levers":
        """Today's cooperation from the same seed: no framework, no rural inclusion and the
        transport network of the scenario as ``given``, so the two worlds differ exactly by
        what the levers add.
        """
        return Levers(False, self.duration_years, self.budget_meur, False, given.fehmarnbelt,
                      self.seed)  # fmt: skip


def levers_of(base: Scenario) -> Levers:
    """The levers as the scenario file sets them (the dashboard starts with the config as
    given: the baseline has no framework).
    """
    fw = base.framework
    budget = fw.budget_eur_per_year / 1e6 if fw.enabled else 1.0  # the 10-year framework's
    return Levers(
        framework=fw.enabled,
        duration_years=min(max(fw.duration_years, 1), 30),
        budget_meur=min(max(round(budget * 4) / 4, 0.5), 10.0),  # on the slider's steps
        rural_inclusion=any(p.kind == "rural_inclusion" for p in base.policies),
        fehmarnbelt="fehmarnbelt" in base.world.transport_projects,
        seed=base.run.seed,
    )
