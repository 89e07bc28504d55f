"""Rebuild the module pages and the parameter table of docs/model/ from engine/modules/*.yaml.

Run from the repository root: python docs/model/_generate.py
The hand-written notes of each module live in NOTES below; everything else comes from the YAML.
"""
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
MODULES = ["allowance_supply", "carbon_price", "emissions", "ev_adoption", "ssb_maturity", "cost_learning",
           "ssb_diffusion", "storage_demand", "battery_ageing", "industrial_policy"]
OUT = Path(__file__).parent

NOTES = {
    "allowance_supply": """\
### Compliance settlement, banking and sector expansion (events, in `scenarios/default.yaml`)
- **Period close** (`period close` at 2023, `annual period close` every year from 2024): the obligation of
  the period that just ended moves from `obligation_accruing` to `obligation_due`.
- **Settlement** (`settlement` at 2022 and 2024, then `annual settlement` every year from 2025): offsets
  (at most `ccer_limit_share` of the obligation) and allowances are surrendered, the surplus above the
  banking cap is cancelled, any uncovered obligation is recorded as `compliance_shortfall`. The first
  settlement (end-2021) clears the 2019-20 obligation the model starts with; the second (end-2023) the
  2021-22 period; from end-2024 each year's emissions are settled at the end of the next year
  (CALIBRATION.md: two-year cycles, annual from 2023). All actions of an event are computed from the
  same state, so what leaves the bank arrives in the surrendered or cancelled stock.
- **Sector expansion** (`sector expansion` at `expansion_year`, default 2024, the first emissions year
  of steel, cement and aluminium; `second sector expansion` at `expansion2_year`, default 2028, for
  petrochemicals incl. refining, chemicals, paper and aviation) sets the coverage switches.
- **Balance checks** (declared in the default scenario, checked at every saved step, relative 1e-9):
  `allowances_issued = allowances_surrendered + allowance_bank + allowances_cancelled`, and for offsets
  `ccer_issued = ccer_used + ccer_pool`.
""",
    "carbon_price": """\
### Table 1 of seed 000: date mapping and the seed's percentages
The national market opened on 16 July 2021 (`market_open_year` = 2021.54; the `market opens` event
credits the opening block `opening_trade_volume` at the price of the day). The seed's "First Cycle"
(316.5 Mt, 14.2 bn yuan) is mapped to **1 January 2023** (the end of the 2021-22 compliance period, the
first two-year period during which the national market traded), and "Second Cycle" (465.0 Mt,
27.0 bn yuan) to **16 July 2024** (the seed's own "by mid-July", the market's third anniversary).
The implied average price of the first level (14.2 bn / 316.5 Mt = 44.9 yuan/t) matches the market's
2021-22 prices (CALIBRATION.md: 10.47 bn yuan over 230 Mt by end-2022 = 45.5 yuan/t); the public
cumulative volume at end-2022 is only ~230 Mt, so the model reproduces the seed's levels, not the public
series. The model gives 308 Mt / 14.5 bn yuan and 470 Mt / 26.6 bn yuan at those dates
(`tests/test_flagship_figures.py::test_table1_cumulative_trading`, ±10 %).

The table's percentages do not follow from its levels: 465.0 / 316.5 = +46.9 % (the seed says
+47.01 %, close), but 27.0 / 14.2 = **+90.1 %**, not the +125.26 % printed. The model reproduces the
levels. The row "2024 First Half (Monthly Average) 0.36682" has no unit that makes sense against the
other rows (0.37 Mt a month would be ~4 Mt a year, against 189 Mt traded in 2024, CALIBRATION.md) and is
not used.

### The exponential as a special case
With `trade_saturation_share` very large, `trading_room` = 1 and dL/dt = r L, dV/dt = L with
L(0) = r V0, so V(t) = V0 e^(r t) exactly (`test_traded_volume_is_exponential_without_saturation`).
By default turnover saturates at 10 % of yearly issuance.
""",
    "emissions": """\
### Which emissions count in Table 3
"Emission reduction" in seed 000's Table 3 is read, as MODEL.md asks, as the emissions avoided in 2030
against a counterfactual run whose EV share of sales stays at its 2021 level (`ev_share_frozen` = 1),
with the carbon price forced to the row's value in both runs. What is counted is the seed's own relation
dE = eta * A * F (`ev_emission_reduction`): eta = tailpipe emissions of the ICE vehicle an EV replaces
net of its charging emissions at the grid's intensity (road transport net of charging); A = the EV
fleet; F = `emission_scope_factor`. Induced abatement in the covered sectors is *not* counted (the
price, and so abatement, is the same in both runs).

At CALIBRATION.md's figures (166 g/km, 12,000 km/yr, 0.13 kWh/km, 0.45-0.6 kg/kWh) eta is ~1.2-1.3
t per vehicle per year, and the extra EVs of the baseline row by 2030 (~25 M) avoid only ~30 Mt/yr.
The table's 200 / 350 / 500 Mt/yr therefore need F ~ 6: the table's reductions are about six times what
China's light-duty fleet can deliver at those factors. F is calibrated to the table (one value for all
three rows, which then agree within 1 %); it scales only the dE output, not the physical road and
charging emissions that feed the carbon market.

### Electrification load and refining
EV charging is added to power-sector demand at the grid's intensity and is covered from the start; the
refining of road fuel is covered once the second group of sectors enters. Both links are cut in the
`no-coupling` scenario (`coupling_battery_to_price` = 0 computes both from a fleet whose EV share stays
at its 2021 value, 1.4 %, while the fleet grows).
""",
    "ev_adoption": """\
### Logistic adoption as a stock
The EV share of sales s is a stock with ds/dt = r s (1 - s/K). With r and K constant its solution is
seed 000's A(t) = K / (1 + e^(-r (t - t0))) (`test_ev_share_is_logistic_when_r_and_k_are_constant`).
r rises with the running-cost advantage and battery progress (pack cost, range); K rises with battery
progress and, through a logistic lift, with the carbon-cost part of the running-cost advantage.

### Calibration to Table 3 and what it implies
The growth rate, the floor of K and the lift's midpoint and width are calibrated so that the carbon
price held at $50 / $75 / $100 per t gives 30 / 50 / 70 % EV share of sales in 2030 (seed 000,
Table 3). The model gives 30.6 / 50.4 / 69.5 % and avoided emissions of 198 / 349 / 506 Mt/yr
(extra EVs in 2030: 25 / 45 / 65 M). The table asks for a strong response between $50 and
$100 (355 and 710 yuan/t), where the running-cost arithmetic alone moves the EV's yearly saving by only
~10 %; the lift therefore stands for the policy signal a high carbon price carries, as seed 000 links
adoption directly to the price.

"EV" is read as battery-electric (plug-in hybrids burn fuel and sit with ICE vehicles). The 2021 BEV
share is taken as ~80 % of the NEV share (13.4 %, CALIBRATION.md). A consequence of the table: at the
default run's prices (~80-200 yuan/t) the BEV share reaches ~16 % in 2024 and ~30 % in 2030, below the
observed path (NEV share 40.9 % in 2024, CALIBRATION.md) - the seed's table describes a slower world
than China's recent sales.

### Vehicle balance
`vehicles_sold = ev_fleet + ice_fleet + vehicles_scrapped` (relative 1e-9, every step); the initial
fleet counts as sold before 2021.
""",
    "ssb_maturity": """\
### The sigmoid as a special case
With `rd_elasticity` = `talent_elasticity` = 0, k_eff = k and the stock's solution is seed 000's
S(t) = 1/(1 + e^(-k (t - t_m))) with t_m = `maturity_midpoint_reference`
(`test_maturity_is_the_sigmoid_when_k_is_constant`). In the default run R&D grows with recycled
auction revenue and S crosses 0.5 in 2029.5 (test: between 2028 and 2030).
""",
    "cost_learning": """\
### Costs
Li-ion: 132 $/kWh in 2021 (CALIBRATION.md), ~113 in 2025, ~101 in 2030. SSB: ~560 $/kWh in 2021
(4.3x Li-ion, within seed 002's 4-25x), ~230 in 2025 (seed 000's 200-300), crossing 1.5x Li-ion
(premium markets) in the late 2020s and ~1x around 2030 (seed 004's thresholds). A two-factor learning
curve (cumulative production and an R&D knowledge stock) carries R&D funding, and so recycled carbon
revenue, into cost even after maturity is reached.

### Range example
R = rho m / epsilon: with the technology mature (rho = 450 Wh/kg), m = 500 kg and epsilon = 0.2 kWh/km,
`ssb_range_example` = 1125 km (`test_range_example`). The seed 004 target rho_SSB >= 2 rho_Li is not
reached with seed 000's 400-500 Wh/kg against Li-ion's 300-350 (`density_ratio` ~1.3-1.5).
""",
    "ssb_diffusion": """\
### Bass as a special case, and the 2030 shipments
With `bass_p_maturity_gain` = `bass_q_cost_elasticity` = 0 and F(0) = 0 the stock follows the closed
form F(t) = (1 - e^(-(p+q)t)) / (1 + (q/p) e^(-(p+q)t)) (`test_ssb_share_is_bass_with_constant_coefficients`).
The default run ships 612 GWh of SSB in 2030 (GGII/EVTank: 614.1 GWh, test ±20 %), with ~29 % of it
all-solid-state (seed 004: approaching 30 %). The model's mainstream battery market in 2030 is ~1,500
GWh plus ~600 GWh of storage and niche demand, so SSB is ~28 % of the model's market, more than the
~10 % of CALIBRATION.md's EvTank figure (whose total market is larger than the model's). Under RK4 the
fast Bass/learning growth gives 707 GWh at the same step: Euler at dt = 1/12 is ~15 % slow here.
""",
}

INTRO = {
    "allowance_supply": "Module `allowance_supply` (engine/modules/allowance_supply.yaml).",
}


def esc(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def module_page(name):
    data = yaml.safe_load((ROOT / "engine" / "modules" / f"{name}.yaml").read_text())
    lines = [f"# {name.replace('_', ' ').capitalize()}", "", f"File: `engine/modules/{name}.yaml`.", "",
             esc(data.get("description", "")).strip(), "",
             f"Inputs: {', '.join(f'`{i}`' for i in data.get('inputs') or []) or '-'}  ",
             f"Outputs: {', '.join(f'`{o}`' for o in data.get('outputs') or []) or '-'}", ""]
    if NOTES.get(name):
        lines += [NOTES[name], ""]
    if data.get("stocks"):
        lines += ["## Stocks", "", "| stock | initial | inflows | outflows | units | meaning | source |",
                  "|---|---|---|---|---|---|---|"]
        for k, v in data["stocks"].items():
            lines.append(f"| `{k}` | `{esc(v.get('initial'))}` | {', '.join(v.get('inflows') or []) or '-'} | "
                         f"{', '.join(v.get('outflows') or []) or '-'} | {esc(v.get('units', ''))} | "
                         f"{esc(v.get('doc', ''))} | {esc(v.get('source', ''))} |")
        lines.append("")
    for section, title in (("flows", "Flows"), ("auxiliaries", "Auxiliaries")):
        if data.get(section):
            lines += [f"## {title}", "", "| name | equation | units | meaning | source |", "|---|---|---|---|---|"]
            for k, v in data[section].items():
                pol = v.get("polarity")
                extra = f" (declared link polarity: {', '.join(f'{a} {s}' for a, s in pol.items())})" if pol else ""
                lines.append(f"| `{k}` | `{esc(v.get('equation'))}` | {esc(v.get('units', ''))} | "
                             f"{esc(v.get('doc', ''))}{extra} | {esc(v.get('source', ''))} |")
            lines.append("")
    if data.get("lookups"):
        lines += ["## Lookups (piecewise linear over their x, clamped)", "", "| name | points | units | meaning | source |",
                  "|---|---|---|---|---|"]
        for k, v in data["lookups"].items():
            pts = ", ".join(f"({x:g}, {y:g})" for x, y in v["points"])
            lines.append(f"| `{k}` | {pts} | {esc(v.get('units', ''))} | {esc(v.get('doc', ''))} | {esc(v.get('source', ''))} |")
        lines.append("")
    if data.get("parameters"):
        lines += ["## Parameters", "", "| name | value | units | range | meaning | source |", "|---|---|---|---|---|---|"]
        for k, v in data["parameters"].items():
            lines.append(f"| `{k}` | {v['value']} | {esc(v.get('units', ''))} | {v.get('range')} | "
                         f"{esc(v.get('doc', ''))} | {esc(v.get('source', ''))} |")
        lines.append("")
    return "\n".join(lines)


def parameter_table():
    lines = ["# Parameters and their sources", "",
             "Every parameter of the flagship model, with its default, units, the range a sweep may use and "
             "its source (seed file and section, a CALIBRATION.md row, a calibration target, or a stated "
             "assumption). Generated from the module files by `docs/model/_generate.py`.", "",
             "| module | parameter | value | units | range | source |", "|---|---|---|---|---|---|"]
    counts = {"seed": 0, "CALIBRATION": 0, "calibrated": 0, "assumption": 0}
    for name in MODULES:
        data = yaml.safe_load((ROOT / "engine" / "modules" / f"{name}.yaml").read_text())
        for k, v in (data.get("parameters") or {}).items():
            src = str(v.get("source", ""))
            for key in counts:
                if key.lower() in src.lower():
                    counts[key] += 1
            lines.append(f"| {name} | `{k}` | {v['value']} | {esc(v.get('units', ''))} | {v.get('range')} | {esc(src)} |")
    lines += ["", "Sources named (a parameter may name several): " +
              ", ".join(f"{k}: {n}" for k, n in counts.items()) + "."]
    return "\n".join(lines) + "\n"


def main():
    for name in MODULES:
        (OUT / f"{name}.md").write_text(module_page(name) + "\n")
    (OUT / "parameters.md").write_text(parameter_table())


if __name__ == "__main__":
    main()
