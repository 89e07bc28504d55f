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
  2021-22 period; from end-2024 each year's emissions are settled at the end of the next year (MEE:
  two-year cycles, annual from 2023). All actions of an event are computed from the same state, so what
  leaves the bank arrives in the surrendered or cancelled stock.
- **Sector expansion** (`sector expansion` at `expansion_year`, default 2024, the first emissions year
  of steel, cement and aluminium; `second sector expansion` at `expansion2_year`, default 2028, for
  petrochemicals incl. refining, chemicals, paper and aviation) sets the coverage switches.
- **Balance checks** (declared in the default scenario, checked at every saved step, relative 1e-9):
  `allowances_issued = allowances_surrendered + allowance_bank + allowances_cancelled`, and for offsets
  `ccer_issued = ccer_used + ccer_pool`.
- The yearly tightening of the benchmarks is estimated from the 2021-24 prices
  (`scenarios/calibrate-history.yaml`); the 2021 allocation ratio is held at its assumed value, since
  four yearly prices bound a level and a slope only ([calibration](calibration.md)).
""",
    "carbon_price": """\
### Trading: market activity and compliance trading
Yearly volumes are lumpy: 179 Mt in the five months of 2021, ~51 in 2022, 212 in 2023, 189 in 2024
(`scenarios/data/ets_volume.csv`). The dip of 2022 is the year in which no obligation awaited surrender
(the first period was settled at the end of 2021, the 2021-22 period closed only at the start of 2023).
So trading has two parts: `trading_activity`, which grows by the turnover relation of the seed (below),
and `compliance_trading` = `compliance_trade_share` x `obligation_due` x `deadline_weight`, which runs
only while an obligation is due and crowds toward the year-end deadline: the weight is the profile
rush e^(rush (x - 1)) / (1 - e^-rush) over the year fraction x (mean 1), averaged over each step, so
the steps of a year add up to one year's trading under Euler and RK4 alike. With the estimated rush
(~11) almost all compliance trading falls in the last two months of a year, as the exchange's yearly
statistics show. The calibration fits the cumulative volume and value at each year end (the yearly
series are reported against the model: see [calibration](calibration.md)).

### Table 1 of seed 000: date mapping and the seed's percentages
The national market opened on 16 July 2021 (`market_open_year` = 2021.54; the `market opens` event
credits the opening block `opening_trade_volume` at the price of the day). The seed's "Second Cycle"
(465.0 Mt, 27.0 bn yuan "by mid-July") is read as **16 July 2024** and is one of the calibrated series
(`scenarios/data/seed000_table1_volume.csv`, `..._turnover.csv`): the model gives 478 Mt and 29.5 bn
yuan on 16 July 2024 (+2.8 %, +9.4 %), 473 Mt and 29.1 bn yuan at the nearest saved month
(`tests/test_flagship_figures.py::test_table1_second_cycle`, ±10 %).

The **"First Cycle" level (316.5 Mt, 14.2 bn yuan) no longer holds**, because the public series leaves
no date for it: the cumulative volume is 230 Mt at the end of 2022 and 442 Mt at the end of 2023
(`scenarios/data/ets_cumulative_volume.csv`), so 316.5 Mt is passed late in 2023, when the cumulative
value is already ~18 bn yuan (public: 10.5 bn at the end of 2022, 24.9 bn at the end of 2023); and
14.2 bn yuan is reached around mid-2023, when the volume is ~285 Mt. The model, calibrated to the
public year-end values, passes 316.5 Mt in December 2023 with 18.4 bn yuan
(`test_table1_first_cycle_has_no_date_in_the_public_series`). The earlier version of the model mapped
the first level to 1 January 2023 and reproduced it; that fit contradicted the public 230 Mt / 10.5 bn
yuan of the same date by +38 % / +36 %.

The table's percentages do not follow from its levels: 465.0 / 316.5 = +46.9 % (the seed says
+47.01 %, close), but 27.0 / 14.2 = **+90.1 %**, not the +125.26 % printed. The row "2024 First Half
(Monthly Average) 0.36682" has no unit that makes sense against the other rows (0.37 Mt a month would
be ~4 Mt a year, against 189 Mt traded in 2024) and is not used.

### The exponential as a special case
With `trade_saturation_share` very large and `compliance_trade_share` = 0, `trading_room` = 1 and
dL/dt = r L, dV/dt = L with L(0) = r V0, so V(t) = V0 e^(r t) exactly
(`test_traded_volume_is_exponential_without_saturation`). By default turnover saturates at 10 % of
yearly issuance.
""",
    "emissions": """\
### Which emissions count in Table 3
"Emission reduction" in seed 000's Table 3 is read as the emissions avoided in 2030 against a
counterfactual run whose NEV share of sales stays at its 2021 level (`nev_share_frozen` = 1), with the
carbon price forced to the row's value in both runs and the parameter set of the table
(`scenarios/seed000-table3.yaml`). What is counted is the seed's own relation dE = eta * A * F
(`ev_emission_reduction`): eta = tailpipe emissions of the conventional vehicle an electric vehicle
replaces, net of its charging emissions at the grid's intensity (road transport net of charging);
A = the fleet driving on electricity (BEVs plus the electric part of PHEV driving,
`electric_driving_fleet`); F = `emission_scope_factor`. Induced abatement in the covered sectors is
*not* counted (the price, and so abatement, is the same in both runs).

At 166 g/km (IEA GFEI), 12,000 km/yr, 0.13 kWh/km and 0.45-0.6 kg/kWh, eta is ~1.2-1.3 t per vehicle
per year, and the extra electric driving of the baseline row by 2030 avoids only ~23 Mt/yr. The
table's 200 / 350 / 500 Mt/yr therefore need F ~ 8.6 (`docs/model/_table3.py` fits it, one value for
all three rows, which then agree within 2 %): the table's reductions are about nine times what China's
light-duty fleet can deliver at those factors. F scales only the dE output, not the physical road and
charging emissions that feed the carbon market. (With BEVs only, the previous version of the model,
F was 6.05; counting PHEVs at half their distance on electricity lowers eta x A per NEV.)

### Electrification load and refining
Charging (BEVs, and PHEVs for `phev_utility_factor` of their distance) is added to power-sector demand
at the grid's intensity and is covered from the start; the refining of road fuel (conventional
vehicles and PHEVs on fuel) is covered once the second group of sectors enters. Both links are cut in
the `no-coupling` scenario (`coupling_battery_to_price` = 0 computes both from a fleet whose
electric-driving share stays at its 2021 value, 1.6 %, while the fleet grows).
""",
    "ev_adoption": """\
### What "EV" means: new-energy vehicles, battery-electric and plug-in hybrid
The public statistics count new-energy vehicles (NEV): battery-electric (BEV), plug-in hybrid (PHEV,
incl. range-extended) and a few fuel-cell vehicles, as shares of new sales (CAAM) and as stocks (MPS).
So the model's adoption variable is the **NEV share of sales** (`nev_sales_share`), and NEVs are two
fleets, `bev_fleet` and `phev_fleet`, beside the conventional `ice_fleet` (incl. hybrids without a
plug). PHEVs take the observed part of NEV sales in 2021-24 (17 %, 22 %, 30 %, 40 %: the CAAM split,
`scenarios/data/bev_sales.csv`, `phev_sales.csv`) and an assumed falling part afterwards; they drive
`phev_utility_factor` (half, an assumption) of their distance on electricity. Sales are counted as
the industry counts them, exports included; `nev_export_share` of NEV sales leaves at once (estimated
at 17 % from CAAM sales against MPS stocks, interval 8-24 %; CAAM reports NEV exports of about a
tenth of NEV sales in 2023-24), and the outflow of the conventional fleet (`vehicle_lifetime`) also
stands for its exports. SSB packs go into BEVs only.

### Logistic adoption as a stock
The NEV share of sales s is a stock with ds/dt = r s (1 - s/K). With r and K constant its solution is
seed 000's A(t) = K / (1 + e^(-r (t - t0))) (`test_nev_share_is_logistic_when_r_and_k_are_constant`).
r rises with the running-cost advantage and battery progress (pack cost, range); K rises with battery
progress and, through a logistic lift, with the carbon-cost part of the running-cost advantage.

### Estimated from 2021-24, and Table 3's own parameter set
The initial share, r and the floor of K are estimated from the NEV share, sales and stocks of
2021-24 ([calibration](calibration.md)): 9.9 % at the start of 2021, r = 1.06 per year, K = 0.42 at
the 2021 battery; the model's yearly NEV shares are 13.9 / 23.5 / 32.3 / 40.2 % against the observed
13.4 / 25.6 / 31.6 / 40.9 %. K grows as packs cheapen and lengthen their range (and SSB arrive): the
share is 44 % in 2025, 54 % in 2030 and 83 % in 2040.

Seed 000's Table 3 (30 / 50 / 70 % EV share of sales in 2030 at $50 / $75 / $100 per t) describes a
slower world: 30 % in 2030 is below the share China had already reached in 2024. It keeps its own
parameter set, `scenarios/seed000-table3.yaml` (r = 0.264, floor of K 0.287, the lift's midpoint
1,012 yuan/yr and width 48.5 yuan/yr; `python docs/model/_table3.py` finds them), on which the
`baseline`, `moderate` and `advanced` scenarios build: 30.0 / 49.9 / 70.0 % in 2030 and avoided
emissions of 196 / 345 / 505 Mt/yr. In that world the NEV share is 16 % in 2024 against the observed
41 % (`test_table3_parameter_set_is_slower_than_history`). The table asks for a strong response
between $50 and $100 (355 and 710 yuan/t), where the running-cost arithmetic alone moves the yearly
saving by only ~10 %; the lift therefore stands for the policy signal a high carbon price carries, as
seed 000 links adoption directly to the price. At the default's prices (~100-200 yuan/t) the lift
stays near zero.

### Vehicle balance
`vehicles_sold = bev_fleet + phev_fleet + ice_fleet + vehicles_scrapped + vehicles_exported`
(relative 1e-9, every step); the initial fleet counts as sold before 2021.
""",
    "ssb_maturity": """\
### The sigmoid as a special case
With `rd_elasticity` = `talent_elasticity` = 0, k_eff = k and the stock's solution is seed 000's
S(t) = 1/(1 + e^(-k (t - t_m))) with t_m = `maturity_midpoint_reference`
(`test_maturity_is_the_sigmoid_when_k_is_constant`). In the default run R&D grows with recycled
auction revenue and S crosses 0.5 in 2029.5 (test: between 2028 and 2030, `scenarios/data/seed_figures.csv`).
""",
    "cost_learning": """\
### Costs
Li-ion: 137 $/kWh as the 2021 mean (BNEF: 132), 152 in 2022 at the peak of the lithium price surge
(BNEF: 151), ~110 in 2025, ~98 in 2030. The surge (`material_price_surge` x `material_surge_path`)
raises the materials cost by up to 65 % (estimated) along a fixed shape: rising from mid-2020, peaking
in mid-2022 and gone by mid-2024 (seed 002: lithium carbonate rose ~14-fold from June 2020 to November
2022). The learning rate (17 %, interval 12-22 %) and the materials cost (55 $/kWh) are estimated from
the 2021-24 pack prices and the cumulative production ([calibration](calibration.md)). SSB: ~560 $/kWh
in 2021 (4.2x Li-ion, within seed 002's 4-25x), ~230 in 2025 (seed 000's 200-300), crossing 1.5x Li-ion
(premium markets) early in 2027 and ~1x in 2030 (seed 004's thresholds). A two-factor learning curve
(cumulative production and an R&D knowledge stock) carries R&D funding, and so recycled carbon
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
The default run ships 538 GWh of SSB in 2030 (GGII/EVTank in seed 004: 614.1 GWh, test ±20 %), with
~29 % of it all-solid-state (seed 004: approaching 30 %); under RK4 at the same step, 622 GWh (Euler
at dt = 1/12 is ~14 % slow on the fast Bass growth). The model's mainstream battery market in 2030 is
~1,300 GWh plus ~530 GWh of storage and niche demand. `battery_shipments` (Li-ion and SSB) is compared
with the world's Li-ion demand (`scenarios/data/liion_demand.csv`) through `global_market_multiplier`
(estimated: 1.23 GWh of world traction demand per GWh of China's NEV demand, on top of consumer and
storage demand). With the NEV reading of adoption (faster than the BEV-only reading of the previous
version) the 2030 shipments fell from 612 to 538 GWh: NEV battery demand is larger, so Li-ion learns
faster and SSB reach cost parity later relative to Li-ion.
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
             "its source (a seed file and section, a public source by name, a data file in scenarios/data/, "
             "an estimate of scenarios/calibrate-history.yaml, a calibration target, or a stated assumption). "
             "Generated from the module files by `docs/model/_generate.py`.", "",
             "| module | parameter | value | units | range | source |", "|---|---|---|---|---|---|"]
    counts = {"seed": 0, "scenarios/data": 0, "estimated": 0, "calibrated": 0, "assumption": 0}
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
