"""The scenario schema: one block per part of the model (world, population, the rules' parameters,
instruments, framework, run) and the programmes and policies a scenario runs.
"""

import re
from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from nsrsim.config.fields import (
    DEFAULT_REGIONS,
    DEFAULT_SEARCH_CULTURE,
    Block,
    RegionCodes,
    iparam,
    param,
)
from nsrsim.sectors import Sector
from nsrsim.world import facts


class WorldConfig(Block):
    """Which part of the NSR is modelled and how travel is costed (constants)."""

    cell_km: Literal[10, 20, 30, 40, 50] = Field(
        10, description="grid resolution: side of an equal-area cell [km]"
    )
    regions: RegionCodes = Field(
        list(DEFAULT_REGIONS),
        min_length=2,
        description="NUTS-2 codes of the regions where agents live",
    )
    road_speed_kmh: float = Field(
        80.0, ge=20.0, le=130.0, description="mean road speed between neighbouring cells [km/h]"
    )
    detour_factor: float = Field(
        1.25, ge=1.0, le=2.0, description="road distance over straight-line distance [-]"
    )
    ferry_boarding_h: float = Field(
        0.5, ge=0.0, le=4.0, description="check-in and waiting added to every ferry crossing [h]"
    )
    transport_projects: dict[str, int] = Field(
        default_factory=dict,
        description="planned links that open, as project -> calendar year (e.g. fehmarnbelt: 2032)",
    )

    @field_validator("transport_projects")
    @classmethod
    def _known_projects(cls, value: dict[str, int]) -> dict[str, int]:
        known = facts.transport_projects()
        unknown = [name for name in value if name not in known]
        if unknown:
            raise ValueError(
                f"unknown transport project(s) {', '.join(unknown)}; allowed: {', '.join(known)}"
            )
        return value


class PopulationConfig(Block):
    """Which real economy the firm agents stand for and at what resolution (constants).

    Firm agents are a stratified sample of the corridor's real firms (strata: region x sector x
    size class x cluster initiative). The strata that policy instruments target — members of
    cluster initiatives, and small and larger firms of each region's smart-specialisation
    sectors — are represented at ``targeted_firms_per_agent`` real firms per agent at most; the
    rest of the economy shares the remaining agents of ``n_firms`` in proportion to its jobs.
    Each agent's weight (real firms it stands for) is deterministic per stratum.
    """

    n_firms: int = Field(
        9000,
        ge=20,
        le=1_000_000,
        description="firm agents in total: the targeted strata at their resolution, the rest "
        "of the economy coarser [-]",
    )
    targeted_firms_per_agent: int = Field(
        10,
        ge=1,
        le=100_000,
        description="largest number of real firms an agent of a targeted stratum (cluster "
        "members; small and larger firms of the smart-specialisation sectors) stands for [-]",
    )
    sector_mix: Literal["employment", "uniform"] = Field(
        "employment",
        description="sector shares per region: its employment by sector (Eurostat regional "
        "business statistics, sector_employment.csv), or equal for every sector",
    )
    employment_rate: float = Field(
        0.5,
        ge=0.2,
        le=0.8,
        description="employed persons per inhabitant (Eurostat lfst_r_lfe2emp order of "
        "magnitude for the corridor, approximate) [-]",
    )
    business_share: float = Field(
        0.7,
        ge=0.1,
        le=1.0,
        description="share of employment in the market economy that firm agents stand for [-]",
    )
    eu27_gdp_per_head_eur: float = Field(
        37_600.0,
        ge=1_000.0,
        le=200_000.0,
        description="EU27 GDP per head that a PPS index of 100 means (Eurostat nama_10_pc, "
        "2023, approximate) [EUR]",
    )
    rd_reference: float = Field(
        0.02,
        ge=0.001,
        le=0.2,
        description="business R&D share of revenue that counts as 'typical' in absorptive "
        "capacity and innovation [-]",
    )
    members_per_initiative: float = Field(
        100.0,
        ge=1.0,
        le=5_000.0,
        description="member firms of an initiative whose membership clusters.csv does not "
        "give (European Cluster Collaboration Platform, about 2018: 'an average of 100 SMEs "
        "per cluster') [firms]",
        json_schema_extra={
            "unit": "firms",
            "role": "uncertainty",
            "plausible": [40, 250],
            "distribution": "log-uniform",
            "reason": "initiatives without a member count in clusters.csv; listed ones have "
            "tens to a few hundred members (clusters.csv)",
        },
    )


class PartneringConfig(Block):
    """Partner search and link formation (uncertainties)."""

    searches_per_project: float = param(
        0.095,
        0.0,
        50.0,
        "-",
        "partner searches of a firm with free capacity per innovation project it runs (its own "
        "innovation rate): firms that innovate more, larger and R&D-intensive ones, cooperate "
        "more",
        plausible=(0.05, 0.2),
        distribution="log-uniform",
        reason="the corridor's level of partner searches per innovation project (0.095), each "
        "country's relative to it fitted so that its innovating firm agents cooperate as its "
        "survey finds (CIS: 21-57 % by country; search_culture, docs/VALIDATION.md)",
    )
    search_culture: dict[str, Annotated[float, Field(gt=0.0, le=100.0)]] = Field(
        dict(DEFAULT_SEARCH_CULTURE),
        description="each country's partner searches per innovation project relative to "
        "searches_per_project (1 where not given): national cooperation cultures, fitted so "
        "that each country's innovating firm agents cooperate as its Community Innovation "
        "Survey finds (experiments/fit_search_culture.py; docs/VALIDATION.md); fixed in "
        "sensitivity analyses, where searches_per_project carries the level's uncertainty [-]",
        json_schema_extra={"unit": "-", "role": "constant"},
    )
    candidates: int = iparam(
        10,
        1,
        200,
        "candidates sampled per search",
        plausible=(4, 30),
        distribution="integer",
        reason="a search screens a handful to a few dozen potential partners (judgement)",
    )
    decay_km: float = param(
        125.0,
        10.0,
        2000.0,
        "km",
        "road-equivalent distance (travel hours x road speed) at which partner attraction halves",
        plausible=(50, 500),
        distribution="log-uniform",
        reason="set to 125 km with firm-to-firm distances and national cooperation cultures: "
        "the distance elasticity of links stays within -1.2 to -0.3 and the cross-border "
        "share below 0.20 (docs/VALIDATION.md)",
    )
    cluster_share: float = param(
        0.401,
        0.0,
        1.0,
        "-",
        "share of candidates drawn from the own and partner clusters",
        plausible=(0.2, 0.6),
        distribution="composition",
        composition="candidate_sources",
        reason="calibrated 0.40; with referral_share and the geographic rest it splits each "
        "candidate draw",
    )
    referral_share: float = param(
        0.322,
        0.0,
        1.0,
        "-",
        "share of candidates drawn among partners' partners (referrals)",
        plausible=(0.15, 0.5),
        distribution="composition",
        composition="candidate_sources",
        reason="calibrated 0.32; capped by 1 - cluster_share so the three sources stay a "
        "composition",
    )
    interreg_weight: float = param(
        0.974,
        0.0,
        1.0,
        "-",
        "institutional proximity within a shared INTERREG A programme, relative to the same "
        "country (1)",
        plausible=(0.4, 1),
        distribution="uniform",
        reason="calibrated 0.97 (docs/VALIDATION.md): a shared programme is between other "
        "borders and the same country",
    )
    other_country_weight: float = param(
        0.202,
        0.0,
        1.0,
        "-",
        "institutional proximity across other borders, relative to the same country (1)",
        plausible=(0.08, 0.6),
        distribution="log-uniform",
        reason="calibrated 0.20; below the INTERREG A weight by construction of the border "
        "patterns",
    )
    optimal_distance: float = param(
        0.3,
        0.01,
        1.0,
        "-",
        "cognitive distance of the most valuable partner (inverted U)",
        plausible=(0.15, 0.5),
        distribution="uniform",
        reason="inverted U of cognitive distance (Nooteboom et al. 2007): the optimum is at "
        "moderate distance",
    )
    link_cost: float = param(
        0.1,
        0.0,
        2.0,
        "-",
        "fixed cost of a link, in units of the best partner's value",
        plausible=(0.02, 0.3),
        distribution="log-uniform",
        reason="links must pay below the best partner's value (1); above 0.3 almost no link "
        "survives (issue 11 screening)",
    )
    travel_cost_per_h: float = param(
        0.0015,
        0.0,
        1.0,
        "1/h",
        "cost of a link per hour of travel",
        plausible=(0.0005, 0.005),
        distribution="log-uniform",
        reason="set to 0.0015: a hard cut-off by travel time steepens the distance elasticity "
        "beyond the observed range (docs/VALIDATION.md)",
    )
    border_cost: float = param(
        0.475,
        0.0,
        2.0,
        "-",
        "extra cost of a cross-border link",
        plausible=(0.2, 0.6),
        distribution="uniform",
        reason="set to 0.475: what a foreign partner costs beyond the distance (language and "
        "law) against the border effect and the survey's partners abroad",
    )
    dissolve_rate: float = param(
        0.15,
        0.0,
        2.0,
        "1/year",
        "hazard that a link dissolves",
        plausible=(0.05, 0.4),
        distribution="log-uniform",
        reason="R&D alliances last about 2.5 to 20 years (judgement from alliance-duration "
        "studies)",
    )
    max_partners: int = iparam(
        6,
        1,
        50,
        "partner links a firm can keep",
        plausible=(3, 12),
        distribution="integer",
        reason="SMEs keep a handful of active innovation partners (judgement)",
    )

    @field_validator("search_culture", mode="before")
    @classmethod
    def _country_keys(cls, value: Any) -> Any:
        if isinstance(value, dict) and any(isinstance(key, bool) for key in value):
            raise ValueError(
                "a country code was read as true/false: YAML reads NO (and YES, ON, OFF) as a "
                'boolean, so write it in quotes, e.g. "NO": 1.4'
            )
        return value

    @field_validator("search_culture")
    @classmethod
    def _known_countries(cls, value: dict[str, float]) -> dict[str, float]:
        known = sorted(facts.regions()["country"].unique())
        unknown = [name for name in value if name not in known]
        if unknown:
            raise ValueError(
                f"unknown country code(s) {', '.join(unknown)}; allowed: {', '.join(known)}"
            )
        return value

    @model_validator(mode="after")
    def _shares_fit(self) -> "PartneringConfig":
        if self.cluster_share + self.referral_share > 1.0:
            raise ValueError(
                f"cluster_share ({self.cluster_share}) + referral_share ({self.referral_share}) "
                "must not exceed 1: they split each candidate draw"
            )
        return self


class LearningConfig(Block):
    """Knowledge flows along links and through local spillovers (uncertainties)."""

    link_rate: float = param(
        0.3,
        0.0,
        2.0,
        "1/year",
        "share of a partner's knowledge lead absorbed per year",
        plausible=(0.1, 0.6),
        distribution="uniform",
        reason="share of a partner's lead absorbed per year (judgement)",
    )
    spillover_rate: float = param(
        0.05,
        0.0,
        1.0,
        "1/year",
        "share of the local knowledge lead absorbed per year",
        plausible=(0.01, 0.15),
        distribution="log-uniform",
        reason="local spillovers are weaker than intended learning from partners (judgement)",
    )
    spillover_half_km: float = param(
        25.0,
        1.0,
        500.0,
        "km",
        "road-equivalent distance at which unintended spillovers halve",
        plausible=(10, 100),
        distribution="log-uniform",
        reason="localised knowledge spillovers decay within tens of km (Audretsch & Feldman 2004)",
    )
    spillover_mass: float = param(
        20_000.0,
        1.0,
        1e8,
        "firms",
        "real firms within spillover reach at which local spillovers reach half their rate "
        "(agglomeration with diminishing returns)",
        plausible=(5000, 80000),
        distribution="log-uniform",
        reason="a metropolitan region holds 20-100 thousand firms (regions.csv and firm_sizes.csv)",
    )
    research_rate: float = param(
        0.2,
        0.0,
        2.0,
        "1/year",
        "share of the gap to full capability a firm's own research closes per year, in its "
        "strongest fields (knowledge creation beyond what partners know)",
        plausible=(0.05, 0.5),
        distribution="log-uniform",
        reason="own research closes 5-50 % of the gap to full capability per year (judgement)",
    )
    research_focus: float = param(
        2.0,
        0.0,
        10.0,
        "-",
        "how strongly research concentrates on a firm's strongest fields (exponent of its "
        "capability levels)",
        plausible=(0.5, 4),
        distribution="uniform",
        reason="research concentrates on strong fields but not only there (judgement)",
    )
    absorption_focus: float = param(
        3.0,
        0.0,
        10.0,
        "-",
        "how much learning in a field depends on the firm's own level there (exponent of its "
        "level over its strongest; 0: absorbs any field alike)",
        plausible=(1, 5),
        distribution="uniform",
        reason="absorptive capacity is field-specific (Cohen & Levinthal 1990); exponent of "
        "moderate strength",
    )
    regional_base: float = param(
        0.3,
        0.0,
        1.0,
        "-",
        "weight of the region's knowledge base (its specialisation) in a new firm's capabilities",
        plausible=(0.1, 0.6),
        distribution="uniform",
        reason="new firms inherit part of their region's specialisation (judgement)",
    )
    depreciation: float = param(
        0.05,
        0.0,
        0.3,
        "1/year",
        "knowledge forgotten per year",
        plausible=(0.02, 0.15),
        distribution="log-uniform",
        reason="organisational knowledge depreciates by a few to about fifteen percent a year "
        "(Argote 1999)",
    )
    skill_floor: float = param(
        0.5,
        0.0,
        5.0,
        "-",
        "absorptive capacity's skills term without tertiary-educated workers (capacity is "
        "1 - exp(-R&D / typical R&D x (floor + skilled share)))",
        plausible=(0.25, 1),
        distribution="log-uniform",
        reason="R&D alone gives absorptive capacity; skills add to it (judgement)",
    )


class InnovationConfig(Block):
    """Incremental and radical innovation (uncertainties)."""

    rd_elasticity: float = param(
        0.5,
        0.0,
        2.0,
        "-",
        "elasticity of the rate to R&D effort",
        plausible=(0.2, 1),
        distribution="uniform",
        reason="elasticity of innovation output to R&D (knowledge production function estimates "
        "around 0.3-0.8)",
    )
    size_elasticity: float = param(
        0.259,
        0.0,
        1.0,
        "-",
        "elasticity of the rate to a firm's persons employed (1 at 10 persons): larger firms "
        "run more innovation projects",
        plausible=(0.15, 0.35),
        distribution="uniform",
        reason="calibrated 0.26 to the survey's shares of innovators by size class (EU27 "
        "CIS2020 44.5 / 60.1 / 74.1 %; docs/VALIDATION.md)",
    )
    partner_effect: float = param(
        0.15,
        0.0,
        2.0,
        "-",
        "relative rise in the rate per partner at the best cognitive distance (partners count "
        "by the value of what they bring)",
        plausible=(0.05, 0.4),
        distribution="log-uniform",
        reason="co-operating firms innovate more (CIS); effect per partner of moderate size "
        "(judgement)",
    )
    productivity_gain: float = param(
        0.0207,
        0.0,
        0.5,
        "-",
        "productivity rise from one incremental innovation",
        plausible=(0.01, 0.035),
        distribution="log-uniform",
        reason="calibrated 0.021 to productivity growth of 0.5-1.5 % a year (docs/VALIDATION.md)",
    )
    knowledge_floor: float = param(
        0.5,
        0.0,
        5.0,
        "-",
        "innovation rate of a firm without capabilities relative to its rate at full "
        "capability minus one (the rate scales with floor + mean capability)",
        plausible=(0.25, 1),
        distribution="log-uniform",
        reason="firms without capabilities still innovate at a fraction of capable firms' rate "
        "(judgement)",
    )
    radical_share: float = param(
        0.05,
        0.0,
        1.0,
        "-",
        "share of innovations that open a new knowledge field",
        plausible=(0.02, 0.15),
        distribution="log-uniform",
        reason="new-to-market innovations are a minority of innovations (CIS; judgement)",
    )
    radical_multiplier: float = param(
        3.0,
        1.0,
        20.0,
        "-",
        "productivity gain of a radical over an incremental one",
        plausible=(1.5, 6),
        distribution="log-uniform",
        reason="radical innovations raise productivity several times more than incremental ones "
        "(judgement)",
    )
    radical_level: float = param(
        0.5,
        0.0,
        1.0,
        "-",
        "capability level a radical innovation opens in its new field",
        plausible=(0.3, 0.7),
        distribution="uniform",
        reason="capability a new field starts with after a radical innovation (judgement)",
    )


class MarketConfig(Block):
    """Growth, entry and exit (uncertainties)."""

    selection_speed: float = param(
        0.0209,
        0.0,
        5.0,
        "1/year",
        "speed of employment shifts toward productive firms",
        plausible=(0.01, 0.08),
        distribution="log-uniform",
        reason="calibrated 0.021 (docs/VALIDATION.md)",
    )
    exit_threshold: float = param(
        0.3,
        0.0,
        1.0,
        "-",
        "productivity relative to the sector below which firms exit",
        plausible=(0.15, 0.45),
        distribution="uniform",
        reason="firms exit far below their sector's mean productivity (judgement)",
    )
    death_rate_scale: float = param(
        1.0,
        0.0,
        5.0,
        "-",
        "multiplier on each country's enterprise death rate (business_demography.csv)",
        "1: the cited rates; they differ by year and statistical concept by about a fifth",
        plausible=(0.8, 1.25),
        distribution="uniform",
        reason="the cited death rates differ by year (EU27 7.6-8.7 % in 2020-2023) and by "
        "statistical concept (business_demography.csv)",
    )
    large_death_ratio: float = param(
        0.35,
        0.0,
        1.0,
        "-",
        "death rate of firms with 10 or more persons relative to micro firms' (the country's "
        "rate is the firm-weighted mean of the two)",
        "deaths destroy about 1.5 jobs each (Eurostat: 3.5 M jobs lost with 2.3 M deaths, "
        "2014), far below the mean firm size, so deaths are mostly of micro firms; five-year "
        "survival 34 % without and 47 % with employees at founding (IfM Bonn, 2015 cohort)",
        plausible=(0.2, 0.6),
        distribution="uniform",
        reason="deaths destroy about 1.5 jobs each (Eurostat 2014) and five-year survival is 34 "
        "% without and 47 % with employees (IfM Bonn): deaths are mostly of micro firms",
    )
    birth_rate_scale: float = param(
        1.0,
        0.0,
        5.0,
        "-",
        "multiplier on each country's enterprise birth rate (business_demography.csv)",
        "1: the cited rates; they differ by year and statistical concept by about a fifth",
        plausible=(0.8, 1.25),
        distribution="uniform",
        reason="the cited birth rates differ by year (EU27 8.9-10.7 % in 2020-2023) and by "
        "statistical concept (business_demography.csv)",
    )
    entry_innovation_pull: float = param(
        0.5,
        0.0,
        1.0,
        "-",
        "weight of a region's innovativeness (relative to its country) in where a country's "
        "firms are born; the rest is proportional to its firms",
        plausible=(0, 1),
        distribution="uniform",
        reason="unknown weight of innovativeness against size in where firms enter (judgement)",
    )
    entrant_jobs: float = param(
        1.4,
        1.0,
        10.0,
        "jobs",
        "persons employed by a newborn firm",
        "Eurostat: 3.5 M jobs from 2.6 M births (2019), 2.9 M from 2.3 M (2020), 4 M from "
        "2.6 M (2014): 1.3-1.5 persons a birth; Destatis 2022: 62 % of births have no employee",
        plausible=(1.2, 2.2),
        distribution="uniform",
        reason="1.3-1.5 persons employed a birth (Eurostat 2014-2020); about 2 from the "
        "Destatis 2022 size split of births",
    )
    young_growth: float = param(
        1.0,
        0.0,
        10.0,
        "1/year",
        "rate at which the mean size of the firms of a region-sector's smallest size class "
        "returns to the class's mean as its newborn firms grow",
        "most newborn firms stay small and a few grow fast in their first years (Haltiwanger, "
        "Jarmin & Miranda 2013); judgement: most of the gap closes within one to two years",
        plausible=(0.5, 2),
        distribution="log-uniform",
        reason="newborn firms that survive grow in their first few years (Haltiwanger et al. "
        "2013; judgement)",
    )
    labour_slack: float = param(
        0.05,
        0.0,
        0.5,
        "-",
        "initial spare labour (unemployed skills) over firm employment",
        plausible=(0.02, 0.1),
        distribution="uniform",
        reason="unemployment rates of 3-7 % in the corridor (Eurostat lfst_r_lfu3rt)",
    )
    hiring_rate: float = param(
        1.0,
        0.0,
        20.0,
        "1/year",
        "rate at which a region's firms hire the workers that dying firms released, until "
        "employment is back at what its labour capacity supports",
        "most unemployment spells in the corridor end within a year (long-term unemployment "
        "is about a quarter to a third of unemployment; Eurostat lfsa_ugad); judgement",
        plausible=(0.5, 3),
        distribution="log-uniform",
        reason="most unemployment spells end within a year (Eurostat lfsa_ugad: long-term "
        "unemployment a quarter to a third of the total); judgement",
    )
    skill_intensity: float = param(
        0.4,
        0.0,
        1.0,
        "-",
        "share of market jobs that need tertiary-educated workers (only these follow the "
        "region's skilled workers in the labour bound)",
        "about the corridor's tertiary share of the employed (regions.csv: 24-52 %)",
        plausible=(0.25, 0.55),
        distribution="uniform",
        reason="the corridor's tertiary share of the employed is 24-52 % (regions.csv)",
    )


class MobilityConfig(Block):
    """Skilled workers and investment following attractiveness (uncertainties)."""

    migration_rate: float = param(
        0.02,
        0.0,
        0.3,
        "1/year",
        "share of skilled workers who reconsider their region per year",
        plausible=(0.005, 0.05),
        distribution="log-uniform",
        reason="a few percent of skilled workers move region per year (judgement)",
    )
    wage_weight: float = param(
        2.0,
        0.0,
        10.0,
        "-",
        "attractiveness of higher productivity (log ratio to the mean)",
        plausible=(0.5, 4),
        distribution="uniform",
        reason="wages attract migrants (gravity models of migration; judgement of strength)",
    )
    innovation_weight: float = param(
        1.0,
        0.0,
        10.0,
        "-",
        "attractiveness of more innovations per firm (ratio to mean)",
        plausible=(0.2, 3),
        distribution="log-uniform",
        reason="innovative regions attract skilled workers (judgement)",
    )
    urban_weight: float = param(
        1.0,
        0.0,
        10.0,
        "-",
        "attractiveness of urban amenities",
        plausible=(0.2, 3),
        distribution="log-uniform",
        reason="urban amenities attract the tertiary-educated (judgement)",
    )
    distance_km: float = param(
        300.0,
        10.0,
        3000.0,
        "km",
        "road-equivalent distance at which moving becomes e times rarer",
        plausible=(100, 800),
        distribution="log-uniform",
        reason="migration falls with distance over hundreds of km (gravity models)",
    )
    border_friction: float = param(
        0.5,
        0.0,
        1.0,
        "-",
        "share of moves across a border deterred by it",
        plausible=(0.2, 0.8),
        distribution="uniform",
        reason="cross-border moves are rarer than distance alone explains (judgement)",
    )
    stay_premium: float = param(
        2.7,
        0.0,
        10.0,
        "-",
        "attractiveness of staying in one's region (ties, moving cost) for a reconsidering worker",
        plausible=(1, 4.5),
        distribution="uniform",
        reason="calibrated 2.7 to the stability of regional populations (docs/VALIDATION.md)",
    )
    congestion: float = param(
        1.16,
        0.0,
        20.0,
        "-",
        "fall of attractiveness per unit of log population growth (housing costs, crowding)",
        plausible=(0.5, 8),
        distribution="log-uniform",
        reason="calibrated 1.16 to the stability of regional populations (docs/VALIDATION.md)",
    )
    household_size: float = param(
        1.8,
        1.0,
        4.0,
        "persons",
        "inhabitants who move with a skilled worker (the worker and household members)",
        plausible=(1.5, 2.3),
        distribution="uniform",
        reason="households of 1.9-2.2 persons in the corridor (Eurostat ilc_lvph01); some "
        "movers are single",
    )
    skill_trend_scale: float = param(
        1.0,
        0.0,
        5.0,
        "-",
        "multiplier on each country's rise of the tertiary-educated share (tertiary.csv)",
        "1: the 2012-2021 trend of Eurostat edat_lfse_03, which has breaks in series",
        plausible=(0.5, 1.5),
        distribution="uniform",
        reason="the 2012-2021 trend of the tertiary share has breaks in series (Eurostat "
        "edat_lfse_03); younger cohorts' shares differ by country",
    )
    investment_share: float = param(
        0.02,
        0.0,
        0.2,
        "-",
        "share of yearly output that is mobile investment",
        "inward FDI flows of a few percent of GDP (World Bank: Sweden 5.3 % in 2020; "
        "UNCTAD: Norway's inflows negative in 2020-21)",
        plausible=(0.005, 0.05),
        distribution="log-uniform",
        reason="inward investment of a few percent of GDP (judgement from FDI statistics)",
    )
    investment_elasticity: float = param(
        1.0,
        0.0,
        5.0,
        "-",
        "response of investment to a region-sector's jobs (its concentration of the industry)",
        "foreign plants locate near plants of the same industry (Head, Ries & Swenson 1995; "
        "Crozet, Mayer & Mucchielli 2004; Devereux, Griffith & Simpson 2007)",
        plausible=(0.5, 2),
        distribution="log-uniform",
        reason="investment follows the concentration of its industry (Head et al. 1995; Crozet "
        "et al. 2004; Devereux et al. 2007); strength judgement",
    )
    investment_return: float = param(
        0.2,
        0.0,
        2.0,
        "-",
        "productivity rise per unit of investment over output (investment is paid from every "
        "firm's output in proportion, so it moves productivity, it does not create it)",
        plausible=(0.05, 0.5),
        distribution="log-uniform",
        reason="productivity rise per unit of investment over output (judgement)",
    )


class ClustersConfig(Block):
    """Cluster initiatives: members and partnerships (uncertainties)."""

    leave_rate: float = param(
        0.1,
        0.0,
        5.0,
        "1/year",
        "rate at which a member firm leaves its cluster initiative",
        plausible=(0.05, 0.2),
        distribution="log-uniform",
        reason="members stay five to twenty years (judgement)",
    )
    capacity_experienced: float = param(
        0.6,
        0.0,
        1.0,
        "-",
        "management capacity of an experienced cluster unfunded",
        plausible=(0.4, 0.8),
        distribution="uniform",
        reason="experienced initiatives run without project money at most of their capacity "
        "(judgement)",
    )
    related_complementarity: float = param(
        0.5,
        0.0,
        1.0,
        "-",
        "complementarity of clusters in related sectors (same sector: 1, unrelated: 0)",
        plausible=(0.25, 0.75),
        distribution="uniform",
        reason="related sectors are between the same sector (1) and unrelated ones (0)",
    )
    capacity_pioneering: float = param(
        0.25,
        0.0,
        1.0,
        "-",
        "management capacity of a pioneering cluster unfunded",
        plausible=(0.1, 0.4),
        distribution="uniform",
        reason="pioneering initiatives depend on funding (judgement)",
    )
    capacity_cost_eur: float = param(
        1_000_000.0,
        1_000.0,
        1e8,
        "EUR/year",
        "yearly funding that closes 63 % of a cluster's capacity gap",
        "public funding of a cluster organisation: Danish national clusters about 11.4 M DKK "
        "(1.5 M EUR) a year, Norwegian NCE about 5 M NOK and Arena 2.2 M NOK; plausible "
        "0.3-2 M",
        plausible=(300000, 3000000),
        distribution="log-uniform",
        reason="public funding of a cluster organisation of 0.3-3 M EUR a year (basis of "
        "capacity_cost_eur)",
    )
    interreg_partnering_rate: float = param(
        0.05,
        0.0,
        5.0,
        "1/year",
        "rate at which clusters in a shared INTERREG A area form a partnership",
        plausible=(0.02, 0.15),
        distribution="log-uniform",
        reason="cluster partnerships inside INTERREG A areas form every few years (judgement)",
    )
    framework_partnering_rate: float = param(
        0.5,
        0.0,
        5.0,
        "1/year",
        "rate at which clusters of committed framework regions form a partnership abroad "
        "(while the framework has money for more)",
        plausible=(0.2, 1),
        distribution="log-uniform",
        reason="a framework's secretariat brokers partnerships within one to five years "
        "(judgement)",
    )
    partnership_lapse_rate: float = param(
        0.5,
        0.0,
        10.0,
        "1/year",
        "rate at which framework partnerships lapse once the framework or a region's "
        "commitment has ended",
        plausible=(0.2, 1),
        distribution="log-uniform",
        reason="unfunded partnerships lapse within one to five years (judgement)",
    )


class GovernmentsConfig(Block):
    """Regional governments: budgets and commitment (uncertainties)."""

    budget_share_gdp: float = param(
        0.0005,
        0.0,
        0.01,
        "-",
        "yearly regional innovation budget as share of regional GDP",
        plausible=(0.0002, 0.001),
        distribution="log-uniform",
        reason="regional innovation budgets of 0.02-0.1 % of GDP (judgement)",
    )
    rd_subsidy_share: float = param(
        0.9,
        0.0,
        1.0,
        "-",
        "share of the budget for R&D subsidies (rest: cluster management)",
        "the rest, about 0.9 M EUR per initiative in the baseline, is of the order of the "
        "public funding of Nordic cluster organisations (0.2-1.5 M EUR a year)",
        plausible=(0.8, 0.95),
        distribution="uniform",
        reason="most regional innovation money funds R&D rather than cluster management (basis "
        "of rd_subsidy_share)",
    )
    additionality: float = param(
        1.5,
        0.0,
        3.0,
        "-",
        "extra R&D per EUR of R&D subsidy, the subsidy included",
        "ZIM evaluation 1.9 (0.90 EUR of own money per EUR), German Leading-Edge Cluster SMEs "
        "2.36, SkatteFUNN about 2; full crowding out 0; plausible 0.5-2.4",
        plausible=(1, 2),
        distribution="uniform",
        reason="R&D subsidies add 1-2 EUR of R&D per EUR (ZIM evaluation 1.9; crowding out "
        "would be below 1)",
    )
    initial_commitment: float = param(
        0.6,
        0.0,
        1.0,
        "-",
        "commitment of a framework region when it joins",
        plausible=(0.4, 0.8),
        distribution="uniform",
        reason="commitment of a joining region (judgement)",
    )
    commitment_gain: float = param(
        0.5,
        0.0,
        5.0,
        "1/year",
        "rise of commitment per year at the reference benefit",
        plausible=(0.2, 1),
        distribution="log-uniform",
        reason="commitment grows with benefits (judgement)",
    )
    commitment_decay: float = param(
        0.15,
        0.0,
        5.0,
        "1/year",
        "fall of commitment per year without benefits",
        plausible=(0.05, 0.3),
        distribution="log-uniform",
        reason="commitment fades without benefits over a few years to twenty (judgement)",
    )
    benefit_reference: float = param(
        0.015,
        0.001,
        5.0,
        "links/firm",
        "partners beyond INTERREG A per member firm of a region's initiatives that count as "
        "clear benefit",
        "judgement: about the baseline level (0.013 in year 6 of the baseline), so a region "
        "stays committed where the framework keeps its members' transnational cooperation at "
        "least at today's level; plausible 0.005-0.05",
        plausible=(0.005, 0.05),
        distribution="log-uniform",
        reason="around the baseline's partners beyond INTERREG A per member firm (basis of "
        "benefit_reference)",
    )
    leave_threshold: float = param(
        0.3,
        0.0,
        1.0,
        "-",
        "commitment below which a voluntary member leaves",
        plausible=(0.2, 0.4),
        distribution="uniform",
        reason="voluntary members leave once commitment is low (judgement; below "
        "rejoin_threshold's range)",
    )
    rejoin_threshold: float = param(
        0.5,
        0.0,
        1.0,
        "-",
        "commitment above which a region that left rejoins",
        plausible=(0.45, 0.7),
        distribution="uniform",
        reason="regions that left rejoin once commitment is high again (judgement; above "
        "leave_threshold's range)",
    )


class InstrumentsConfig(Block):
    """What policy instruments buy and what one unit does (uncertainties).

    Money buys countable units at a unit cost: brokered matches, coached firms, co-funded R&D
    projects, cluster-management staff, enrolled rural firms and supported recruitments.
    Participants are firms of the target set that apply, selected by fit.
    """

    apply_share: float = param(
        0.3,
        0.0,
        1.0,
        "-",
        "share of eligible firms that apply to an instrument in a year",
        "judgement; plausible 0.1-0.5",
        plausible=(0.1, 0.5),
        distribution="uniform",
        reason="share of eligible firms that apply per year (basis of apply_share)",
    )
    repeat_after_years: int = Field(
        3,
        ge=1,
        le=100,
        description="years before a firm served by an instrument may be served by it again [years]",
        json_schema_extra={
            "unit": "years",
            "role": "uncertainty",
            "plausible": [2, 5],
            "distribution": "integer",
            "reason": "programmes let a firm apply again after a few years (judgement)",
        },
    )
    match_eur: float = param(
        10_000.0,
        100.0,
        1e7,
        "EUR/match",
        "cost of one brokered partner match for one firm",
        "Enterprise Europe Network: about 2,500 partnership agreements a year and 182.5 M EUR "
        "for 2025-28, so at most about 21 k EUR per agreement; ClusterXchange: 390-1,100 EUR "
        "per exchange; plausible 2-25 k",
        plausible=(2500, 40000),
        distribution="log-uniform",
        reason="brokered partner matches cost 2.5-40 k EUR (basis of match_eur)",
    )
    broker_candidates: int = iparam(
        20,
        1,
        500,
        "partners a broker considers for a participant",
        plausible=(10, 50),
        distribution="integer",
        reason="a broker screens tens of candidates (judgement)",
    )
    shortlist_factor: int = iparam(
        4,
        1,
        50,
        "applicants a broker works with per match its budget buys (the fittest first): a "
        "match can fail, and the money of failed matches stays unspent",
        plausible=(2, 8),
        distribution="integer",
        reason="a broker works with a few applicants per match it can pay for, since some "
        "introductions fail (judgement)",
    )
    broker_cost_cut: float = param(
        0.8,
        0.0,
        1.0,
        "-",
        "share of a brokered link's travel and border cost that the broker's introduction removes",
        plausible=(0.5, 0.95),
        distribution="uniform",
        reason="a broker's introduction removes most of the search and travel cost (judgement)",
    )
    coaching_eur: float = param(
        10_000.0,
        100.0,
        1e7,
        "EUR/firm",
        "cost of coaching one firm in innovation management",
        "EIC business coaching: 1,000 EUR a day for 3-12 days; go-inno: at most 20 k EUR a "
        "year; plausible 3-25 k",
        plausible=(5000, 30000),
        distribution="log-uniform",
        reason="innovation-management coaching of a few days to weeks (basis of coaching_eur)",
    )
    coaching_persistence_years: float = param(
        3.0,
        0.1,
        50.0,
        "years",
        "years over which coaching's effect falls to 1/e",
        plausible=(1, 6),
        distribution="log-uniform",
        reason="coaching's effect fades over one to six years (judgement)",
    )
    coaching_innovation_effect: float = param(
        0.2,
        0.0,
        5.0,
        "-",
        "relative rise of a freshly coached firm's innovation rate",
        "Daly (2018): Danish innovation-network participants had 7 % higher labour "
        "productivity and 13 % higher TFP after four years; judgement; plausible 0-0.5",
        plausible=(0.05, 0.5),
        distribution="log-uniform",
        reason="network programmes raise innovation by 5-50 % (basis of "
        "coaching_innovation_effect)",
    )
    coaching_cost_cut: float = param(
        0.5,
        0.0,
        1.0,
        "-",
        "share of a freshly coached firm's fixed link cost removed",
        plausible=(0.2, 0.8),
        distribution="uniform",
        reason="coaching lowers the fixed cost of linking (judgement)",
    )
    rd_project_eur: float = param(
        400_000.0,
        1_000.0,
        1e9,
        "EUR/project",
        "total cost of a co-funded firm R&D project",
        "Eurostars: 1.3 M EUR per project of 3-4 participants; MIT R&D cooperation (NL): "
        "grants of 50-350 k EUR at 35 %; ZIM: about 164 k EUR of grant per project; "
        "plausible 150 k-1 M",
        plausible=(150000, 1300000),
        distribution="log-uniform",
        reason="co-funded SME R&D projects of 0.15-1.3 M EUR (basis of rd_project_eur)",
    )
    rd_funding_rate: float = param(
        0.4,
        0.0,
        1.0,
        "-",
        "share of a co-funded R&D project paid by the subsidy",
        "Innobooster 33-35 %, MIT 35 %, Vinnova and most Eurostars countries about 50 % for "
        "SMEs; plausible 0.33-0.6",
        plausible=(0.33, 0.5),
        distribution="uniform",
        reason="funding rates 33-50 % (basis of rd_funding_rate)",
    )
    rd_project_years: int = Field(
        2,
        ge=1,
        le=20,
        description="years a co-funded R&D project runs [years]",
        json_schema_extra={
            "unit": "years",
            "role": "uncertainty",
            "plausible": [1, 4],
            "distribution": "integer",
            "reason": "co-funded R&D projects run one to four years (basis of rd_project_eur)",
        },
    )
    management_fte_eur: float = param(
        90_000.0,
        1_000.0,
        1e7,
        "EUR/year",
        "yearly cost of one full-time cluster manager (one unit of cluster management)",
        "no figure found; judgement for a Nordic or German post with overheads; plausible 60-150 k",
        plausible=(70000, 120000),
        distribution="log-uniform",
        reason="a Nordic or German cluster manager's full cost (basis of management_fte_eur)",
    )
    rural_eur: float = param(
        5_000.0,
        100.0,
        1e7,
        "EUR/firm",
        "cost of bringing one rural firm into cluster activities",
        "a Scottish rural outreach programme reached 751 firms for 230 k GBP (about 350 EUR "
        "each, outreach only, a lower bound); judgement; plausible 0.5-15 k",
        plausible=(2000, 15000),
        distribution="log-uniform",
        reason="outreach to one rural firm (basis of rural_eur)",
    )
    rural_support_years: int = Field(
        3,
        ge=1,
        le=50,
        description="years an enrolled rural firm searches more and travels cheaper [years]",
        json_schema_extra={
            "unit": "years",
            "role": "uncertainty",
            "plausible": [2, 5],
            "distribution": "integer",
            "reason": "rural support runs a few years (judgement)",
        },
    )
    rural_access_cut: float = param(
        0.5,
        0.0,
        1.0,
        "-",
        "share of an enrolled rural firm's travel cost of links removed",
        plausible=(0.2, 0.8),
        distribution="uniform",
        reason="support removes part of a rural firm's travel cost (judgement)",
    )
    rural_search_boost: float = param(
        1.0,
        0.0,
        10.0,
        "-",
        "relative rise of an enrolled rural firm's search rate",
        plausible=(0.3, 2),
        distribution="log-uniform",
        reason="supported rural firms search more (judgement)",
    )
    recruitment_eur: float = param(
        15_000.0,
        100.0,
        1e7,
        "EUR/person",
        "cost of one supported recruitment of a skilled worker",
        "Talent til Danmark: 52.8 M DKK for a target of 400 attracted talents (about 17.7 k "
        "EUR each); Copenhagen Talent Bridge: 41 M DKK for 392 retained (about 14 k EUR); "
        "plausible 10-30 k",
        plausible=(8000, 30000),
        distribution="log-uniform",
        reason="supported recruitment of one skilled worker (basis of recruitment_eur)",
    )


class FrameworkConfig(Block):
    """A transnational cluster framework (a lever; off in the baseline).

    The framework is not free: each year its budget pays a secretariat first and then
    transnational cluster partnerships at a unit cost; without the secretariat it does nothing.
    """

    enabled: bool = Field(False, description="whether the framework exists")
    regions: RegionCodes = Field(
        default_factory=list, description="member regions (empty: every modelled region)"
    )
    start_year: int = Field(0, ge=0, le=100, description="first simulated year of the framework")
    duration_years: int = Field(10, ge=1, le=100, description="years the framework runs")
    binding: bool = Field(False, description="binding commitment: members cannot leave")
    budget_eur_per_year: float = Field(
        0.0,
        ge=0.0,
        le=1e10,
        description="yearly budget of the framework itself: its secretariat, then its cluster "
        "partnerships [EUR]",
    )
    secretariat_eur_per_year: float = param(
        400_000.0,
        0.0,
        1e8,
        "EUR/year",
        "yearly cost of the framework's secretariat",
        "STRING's secretariat: three to four staff and a managing director "
        "(stringnetwork.org) at about 90 k EUR per full-time post; plausible 200-700 k",
        plausible=(250000, 600000),
        distribution="uniform",
        reason="secretariats of two to five staff (basis of secretariat_eur_per_year)",
    )
    partnership_eur_per_year: float = param(
        150_000.0,
        10_000.0,
        1e8,
        "EUR/year",
        "yearly cost of one transnational cluster partnership the framework runs",
        "European Strategic Cluster Partnerships for Going International: up to 448,750 EUR "
        "per partnership over two years; Euroclusters: about 1.4 M EUR per partnership over "
        "three years, at least 75 % of it passed on to SMEs; plausible 50-450 k",
        plausible=(75000, 300000),
        distribution="log-uniform",
        reason="transnational cluster partnerships cost 75-300 k EUR a year (basis of "
        "partnership_eur_per_year)",
    )
    cost_reduction: float = param(
        0.5,
        0.0,
        1.0,
        "-",
        "share of travel and border cost of a link between members of two partnered "
        "initiatives that a framework partnership removes",
        plausible=(0.2, 0.8),
        distribution="uniform",
        reason="partnerships lower but do not remove the cost of links between their members "
        "(judgement)",
    )


def is_initiative_name(name: str) -> bool:
    """Whether ``name`` is a cluster initiative the model can hold: a named organisation of
    clusters.csv whose type is an initiative, or a generic '<sector> cluster <REGION>'.
    """
    table = facts.clusters()
    named = set(table.loc[table["type"].map(facts.is_initiative), "name"])
    sectors = "|".join(s.value for s in Sector)
    regions = "|".join(facts.region_codes())
    return name in named or re.fullmatch(rf"({sectors}) cluster ({regions})", name) is not None


class PolicyInstrument(Block):
    """One policy instrument: what it is, whom it targets, when and with how much (a lever)."""

    kind: Literal[
        "rd_subsidy",
        "cluster_management",
        "matchmaking",
        "innovation_management",
        "rural_inclusion",
        "talent_attraction",
        "infrastructure",
        "cluster_partnership",
    ]
    regions: RegionCodes = Field(default_factory=list, description="target regions (empty: all)")
    sectors: list[Sector] = Field(default_factory=list, description="target sectors (empty: all)")
    urban_class: list[Literal["urban", "intermediate", "rural"]] = Field(
        default_factory=list, description="target urban/rural classes (empty: all)"
    )
    start_year: int = Field(0, ge=0, le=100, description="first simulated year of the instrument")
    duration_years: int = Field(10, ge=1, le=100, description="years the instrument runs")
    budget_eur_per_year: float = Field(
        0.0, ge=0.0, le=1e10, description="yearly budget [EUR] (up to 10 bn EUR)"
    )
    unit_cost_eur: float | None = Field(
        None,
        gt=0.0,
        description="cost of one unit this instrument buys (default: the kind's cost in "
        "'instruments') [EUR]",
    )
    members_only: bool = Field(
        False, description="only firms that are members of a cluster initiative take part"
    )
    scope: Literal["transnational", "interreg_a", "cross_border"] = Field(
        "transnational",
        description="matchmaking only: partners in countries sharing no INTERREG A programme "
        "with the participant's region, in countries sharing one, or in any other country",
    )
    project: str | None = Field(
        None, description="infrastructure only: the transport project that opens in start_year"
    )
    clusters: list[str] = Field(
        default_factory=list,
        description="cluster_partnership only: the two cluster initiatives (names as in "
        "clusters.csv) whose members the brokered partnership introduces to each other",
    )
    name: str = Field("", description="label used in budget reports (default: the kind)")

    @model_validator(mode="before")
    @classmethod
    def _rural_by_default(cls, data: Any) -> Any:
        """A rural-inclusion instrument serves rural firms unless it names its classes."""
        rural = isinstance(data, dict) and data.get("kind") == "rural_inclusion"
        if rural and not data.get("urban_class"):
            data = {**data, "urban_class": ["rural"]}
        return data

    @model_validator(mode="after")
    def _rural_not_urban(self) -> "PolicyInstrument":
        if self.kind == "rural_inclusion" and "urban" in self.urban_class:
            raise ValueError(
                "a rural_inclusion instrument serves areas outside the cities: its "
                "'urban_class' may be rural and intermediate (default: rural), not urban; "
                f"got {self.urban_class}"
            )
        return self

    @model_validator(mode="after")
    def _clusters_fit(self) -> "PolicyInstrument":
        if self.kind == "cluster_partnership":
            unknown = [c for c in self.clusters if not is_initiative_name(c)]
            if len(self.clusters) != 2 or len(set(self.clusters)) != 2 or unknown:
                raise ValueError(
                    "a cluster_partnership instrument needs 'clusters', two different "
                    "cluster initiatives: a name from clusters.csv whose type is an initiative, "
                    "or a generic '<sector> cluster <REGION>' (cluster_screening.csv of "
                    f"'nsrsim analyse' lists them all); got {self.clusters!r}"
                    + (f", unknown: {unknown}" if unknown else "")
                )
        elif self.clusters:
            raise ValueError("'clusters' applies only to cluster_partnership instruments")
        return self

    @model_validator(mode="after")
    def _project_fits(self) -> "PolicyInstrument":
        if self.kind == "infrastructure":
            known = facts.transport_projects()
            if self.project not in known:
                raise ValueError(
                    f"an infrastructure instrument needs 'project', one of "
                    f"{', '.join(known)}; got {self.project!r}"
                )
        elif self.project is not None:
            raise ValueError("'project' applies only to infrastructure instruments")
        return self


class RunConfig(Block):
    """Run length, time step, seed and what is written."""

    years: int = Field(20, ge=1, le=100, description="simulated years")
    steps_per_year: int = Field(4, ge=1, le=52, description="steps per year (4: quarterly)")
    seed: int = Field(42, ge=0, le=2**63 - 1, description="seed of every random stream")
    start_year: int = Field(2025, ge=1990, le=2100, description="calendar year of step 0")
    snapshot_years: list[Annotated[int, Field(ge=0, le=100)]] = Field(
        [0, 10, 20],
        description="simulated years at which every firm's state is written "
        "(years past the end are skipped)",
    )
    burn_in_years: int = Field(
        20,
        ge=0,
        le=100,
        description="years simulated before year 0 with today's programmes and no policy or "
        "framework, identical in every scenario, so that year 0 is the settled corridor of today",
    )
    burn_in_steps_per_year: int | None = Field(
        None,
        ge=1,
        le=52,
        description="steps per year in the burn-in (empty: steps_per_year); the burn-in only "
        "settles the state, so an analysis may step it coarser if "
        "experiments/sa_resolution_check.py passes",
    )
    firm_panel: bool = Field(
        False,
        description="record every firm's outcomes every year (firm_panel.parquet), for "
        "comparisons paired firm by firm",
    )
    network_facts: bool = Field(
        True,
        description="compute the partner network's transitivity and giant component every "
        "year (indicators clustering and giant_component_share; empty when off): a batch "
        "whose outputs read neither skips them",
    )
    area_tables: bool = Field(
        True,
        description="record the indicators per region and per urban class every year "
        "(tables regions and urban_classes; none when off): a batch whose outputs read "
        "neither skips them",
    )
    firm_panel_agents: Literal["all", "fine"] = Field(
        "all",
        description="the agents the firm panel holds: all, or the firm agents at firm "
        "resolution only (the targeted strata's, from which every instrument picks its "
        "participants: enough for the effects on participants, a quarter of the rows)",
    )


PROGRAMME_YEARS = 7  # INTERREG A funds cover the seven years 2021-2027


def interreg_a_programmes() -> list["PolicyInstrument"]:
    """Today's INTERREG A programmes as funded cross-border cooperation of firms: a yearly
    budget of EU funds x innovation share x modelled share / 7 years, one unit = one firm
    brought into a cross-border cooperation project (the facts and their sources are in
    ``interreg_a.csv``).
    """
    return [
        PolicyInstrument(
            kind="matchmaking",
            name=row.programme,
            scope="interreg_a",
            regions=row.regions.split(";"),
            budget_eur_per_year=round(
                row.eu_funds_eur * row.innovation_share * row.modelled_share / PROGRAMME_YEARS
            ),
            unit_cost_eur=float(row.unit_cost_eur),
            duration_years=100,
        )
        for row in facts.interreg_programmes().itertuples()
    ]


class Scenario(Block):
    """A complete, validated scenario."""

    name: str = Field(
        ...,
        min_length=1,
        pattern=r"^[A-Za-z0-9_.-]+$",
        description="scenario name, used in result folder names",
    )
    description: str = ""
    world: WorldConfig = WorldConfig()
    population: PopulationConfig = PopulationConfig()
    partnering: PartneringConfig = PartneringConfig()
    learning: LearningConfig = LearningConfig()
    innovation: InnovationConfig = InnovationConfig()
    market: MarketConfig = MarketConfig()
    mobility: MobilityConfig = MobilityConfig()
    clusters: ClustersConfig = ClustersConfig()
    governments: GovernmentsConfig = GovernmentsConfig()
    instruments: InstrumentsConfig = InstrumentsConfig()
    framework: FrameworkConfig = FrameworkConfig()
    programmes: list[PolicyInstrument] = Field(
        default_factory=lambda: interreg_a_programmes(),
        description="today's funded programmes, part of the world every scenario is compared "
        "in (default: the INTERREG A programmes of nsrsim/world/data/interreg_a.csv)",
    )
    policies: list[PolicyInstrument] = Field(
        default_factory=list,
        description="the scenario's own policy instruments (what a comparison evaluates)",
    )
    run: RunConfig = RunConfig()

    @model_validator(mode="after")
    def _acts_within_the_run(self) -> "Scenario":
        """A policy or framework that would start after the run ends would change nothing,
        silently: refused, naming it.
        """
        years = self.run.years
        late = [
            f"policies[{k}] ('{p.name or p.kind}') starts in year {p.start_year}"
            for k, p in enumerate(self.policies)
            if p.start_year >= years
        ]
        if self.framework.enabled and self.framework.start_year >= years:
            late.append(f"framework.start_year is {self.framework.start_year}")
        if late:
            raise ValueError(
                f"{'; '.join(late)}, but run.years is {years} (simulated years 0 to "
                f"{years - 1}): start it within the run or run longer"
            )
        return self
