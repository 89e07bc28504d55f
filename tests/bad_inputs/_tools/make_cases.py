"""Writes the files of the bad-input corpus (tests/bad_inputs): the good base models and one file
per case (binary and other-encoding cases included). ``python make_cases.py DIR`` writes them
under DIR; cases.yaml, the table of what each message must say, is kept by hand."""
import sys
from pathlib import Path

OUT = Path(sys.argv[1])
NS = "http://docs.oasis-open.org/xmile/ns/XMILE/v1.0"

BASE = {
"base/teacup.yaml": """\
# The good model every scenario and sweep case starts from (a cooling cup of tea).
scenario: teacup
time: {start: 0, stop: 30, dt: 0.25, units: minute}
stocks:
  tea: {initial: 180, outflows: [loss], units: degF, doc: temperature of the tea}
flows:
  loss: {equation: (tea - room) / tau, units: degF/minute, doc: heat lost to the room}
parameters:
  room: {value: 70, units: degF, range: [0, 100], doc: room temperature}
  tau: {value: 10, units: minute, range: [1, 100], doc: characteristic cooling time}
""",
"base/logistic.yaml": """\
# The good model the calibration cases fit (logistic adoption).
scenario: logistic
time: {start: 0, stop: 16, dt: 0.25, units: year}
stocks:
  adopters: {initial: s0, inflows: [adoption], units: dmnl}
flows:
  adoption: {equation: r * adopters * (1 - adopters / K), units: 1/year}
parameters:
  r: {value: 0.5, range: [0, 5], units: 1/year}
  K: {value: 0.8, range: [0.05, 1], units: dmnl}
  s0: {value: 0.01, range: [0.0001, 0.5], units: dmnl}
""",
"base/share.csv": "time,value\n1,0.02\n2,0.03\n3,0.05\n4,0.08\n",
}

def xmile(variables, sim="<start>0</start><stop>10</stop><dt>1</dt>", head="", extra="", models=""):
    return (f'<?xml version="1.0" encoding="utf-8"?>\n{head}<xmile version="1.0" xmlns="{NS}">\n'
            f"<header><name>case</name></header>\n<sim_specs>{sim}</sim_specs>\n{extra}"
            f"<model><variables>\n{variables}\n</variables></model>\n{models}</xmile>\n")

GOODVARS = ('<stock name="tea"><eqn>180</eqn><outflow>loss</outflow></stock>\n'
            '<flow name="loss"><eqn>(tea - room) / 10</eqn></flow>\n<aux name="room"><eqn>70</eqn></aux>')

E = "extends: ../base/teacup.yaml\n"
S = "scenario: ../base/teacup.yaml\nmethod: latin\nsamples: 20\nseed: 1\n"
SP = "parameters:\n  room: {range: [60, 80]}\n  tau: {range: [5, 15]}\n"
SO = "outputs:\n  metrics:\n    final: {variable: tea, at: 30}\n"
C = "scenario: ../base/logistic.yaml\nseed: 1\n"
CP = "parameters:\n  r: {bounds: [0.1, 2]}\n  K: {bounds: [0.2, 1]}\n"
CS = "series:\n  share: {file: ../base/share.csv, units: dmnl, variable: adopters, read: at, scale: 0.01}\n"
CO = "optimizer: {population: 5, generations: 5}\n"
DEEP = "(" * 5000 + "tea" + ")" * 5000

CASES = {
# ---------------------------------------------------------------- scenario files: the whole file
"scenario/binary.yaml": b"\x89HDF\r\n\x1a\n\x00\x00\x00\x00\x00\x08\x08\x00",
"scenario/latin1.yaml": "scenario: caf\xe9\ntime: {start: 0, stop: 1, dt: 1}\n".encode("latin-1"),
"scenario/utf16.yaml": "scenario: tea\ntime: {start: 0, stop: 1, dt: 1}\n".encode("utf-16"),
"scenario/empty.yaml": "",
"scenario/a-list.yaml": "- scenario\n- time\n",
"scenario/a-number.yaml": "42\n",
"scenario/yaml-syntax.yaml": E + "time: {start: 0, stop: 30\n",
"scenario/python-tag.yaml": E + 'description: !!python/object/apply:os.system ["echo pwned"]\n',
"scenario/alias-bomb.yaml": E + "lol0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"lol{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]\n" for i in range(1, 9)),
"scenario/duplicate-key.yaml": E + "description: one\ndescription: two\n",
"scenario/unknown-field.yaml": E + "evnts: []\n",
"scenario/key-a-list.yaml": E + "? [a, b]\n: 1\n",
# extends and modules
"scenario/extends-missing.yaml": "extends: nowhere.yaml\n",
"scenario/extends-list.yaml": "extends: [../base/teacup.yaml]\n",
"scenario/extends-itself.yaml": "extends: extends-itself.yaml\n",
"scenario/extends-binary.yaml": "extends: binary.yaml\n",
"scenario/modules-mapping.yaml": "scenario: m\ntime: {start: 0, stop: 1, dt: 1}\nmodules: {tea: teacup}\n",
"scenario/modules-missing.yaml": "scenario: m\ntime: {start: 0, stop: 1, dt: 1}\nmodules: [no-such-module]\n",
"scenario/no-model.yaml": "scenario: m\ntime: {start: 0, stop: 1, dt: 1}\n",
# time
"scenario/time-missing.yaml": "scenario: m\nstocks:\n  s: {initial: 1}\n",
"scenario/time-a-list.yaml": E + "time: [0, 30, 1]\n",
"scenario/time-dt-zero.yaml": E + "time: {dt: 0}\n",
"scenario/time-dt-negative.yaml": E + "time: {dt: -0.25}\n",
"scenario/time-dt-tiny.yaml": E + "time: {dt: 1e-32}\n",
"scenario/time-nanoseconds-for-a-century.yaml": E + "time: {start: 2000, stop: 2100, dt: 1e-9}\n",
"scenario/time-stop-before-start.yaml": E + "time: {start: 30, stop: 0}\n",
"scenario/time-infinite-stop.yaml": E + "time: {stop: .inf}\n",
"scenario/time-overflowing-stop.yaml": E + "time: {stop: 10^400}\n",
"scenario/time-not-whole-steps.yaml": E + "time: {dt: 0.7}\n",
"scenario/time-method.yaml": E + "time: {method: rk45}\n",
"scenario/time-save-step.yaml": E + "time: {save_step: 0.01}\n",
"scenario/time-unknown-key.yaml": E + "time: {stpo: 3}\n",
"scenario/time-text.yaml": E + "time: {dt: fast}\n",
# overrides and exogenous
"scenario/overrides-list.yaml": E + "overrides: [room, 3]\n",
"scenario/overrides-unknown.yaml": E + "overrides: {rooom: 3}\n",
"scenario/overrides-out-of-range.yaml": E + "overrides:\n  room: 500\n",
"scenario/overrides-flow.yaml": E + "overrides: {loss: 3}\n",
"scenario/overrides-injection.yaml": E + "overrides: {room: \"__import__('os').system('echo pwned')\"}\n",
"scenario/overrides-overflow.yaml": E + "overrides: {room: 10^400}\n",
"scenario/exogenous-list.yaml": E + "exogenous: [room]\n",
"scenario/exogenous-table-unsorted.yaml": E + "exogenous:\n  room: {table: [[0, 70], [20, 60], [10, 65]]}\n",
"scenario/exogenous-bad-equation.yaml": E + "exogenous:\n  room: '70 +'\n",
"scenario/exogenous-bad-field.yaml": E + "exogenous:\n  room: {tabel: [[0, 70]]}\n",
# events
"scenario/events-mapping.yaml": E + "events: {cool: {at: 5, set: {room: 60}}}\n",
"scenario/events-not-mappings.yaml": E + "events: [cool, heat]\n",
"scenario/events-no-timing.yaml": E + "events:\n  - {name: cool, set: {room: 60}}\n",
"scenario/events-two-timings.yaml": E + "events:\n  - {name: cool, at: 5, every: 2, set: {room: 60}}\n",
"scenario/events-unknown-field.yaml": E + "events:\n  - {name: cool, at: 5, sett: {room: 60}}\n",
"scenario/events-unknown-target.yaml": E + "events:\n  - {name: cool, at: 5, set: {rooom: 60}}\n",
"scenario/events-target-flow.yaml": E + "events:\n  - {name: cool, at: 5, set: {loss: 1}}\n",
"scenario/events-value-out-of-range.yaml": E + "events:\n  - {name: cool, at: 5, set: {room: 500}}\n",
"scenario/events-every-picosecond.yaml": E + "events:\n  - {name: tick, every: 1e-12, set: {room: 71}}\n",
"scenario/events-every-zero.yaml": E + "events:\n  - {name: tick, every: 0, set: {room: 71}}\n",
"scenario/events-at-outside-the-run.yaml": E + "events:\n  - {name: late, at: 500, set: {room: 60}}\n",
"scenario/events-at-before-the-run.yaml": E + "events:\n  - {name: early, at: -5, set: {room: 60}}\n",
"scenario/events-too-many-times.yaml": E + "events:\n  - {name: many, set: {room: 60}, at: [" + ", ".join(["1"] * 10001) + "]}\n",
"scenario/events-when-stateful.yaml": E + "events:\n  - {name: cool, when: \"smooth(tea, 3) < 100\", set: {room: 60}}\n",
"scenario/events-when-no-arguments.yaml": E + "events:\n  - {name: cool, when: mod() > 1, set: {room: 60}}\n",
"scenario/events-when-if-then-else-empty.yaml": E + "events:\n  - {name: cool, when: if_then_else() > 1, set: {room: 60}}\n",
"scenario/events-ramp-bad.yaml": E + "events:\n  - {name: cool, at: 5, ramp: {room: 60}}\n",
"scenario/events-duplicate-names.yaml": E + "events:\n  - {name: cool, at: 5, set: {room: 60}}\n  - {name: cool, at: 9, set: {room: 50}}\n",
"scenario/events-set-a-list.yaml": E + "events:\n  - {name: cool, at: 5, set: [room, 60]}\n",
"scenario/events-value-unknown-name.yaml": E + "events:\n  - {name: cool, at: 5, set: {room: rooom - 10}}\n",
"scenario/events-value-injection.yaml": E + "events:\n  - {name: cool, at: 5, set: {room: \"eval('1')\"}}\n",
# checks, loops, report, levers
"scenario/checks-not-a-list.yaml": E + "checks: {energy: 1}\n",
"scenario/checks-missing-rhs.yaml": E + "checks:\n  - {name: energy, lhs: tea}\n",
"scenario/checks-negative-tolerance.yaml": E + "checks:\n  - {name: energy, lhs: tea, rhs: tea, tolerance: -1}\n",
"scenario/checks-unknown-name.yaml": E + "checks:\n  - {name: energy, lhs: tae, rhs: tea}\n",
"scenario/loops-list.yaml": E + "loops: [tea, loss]\n",
"scenario/loops-unknown-element.yaml": E + "loops:\n  B1: {elements: [tea, los]}\n",
"scenario/loops-numbers.yaml": E + "loops:\n  B1: [1, 2]\n",
"scenario/report-list.yaml": E + "report: [tea]\n",
"scenario/report-unknown-field.yaml": E + "report: {summry: [tea]}\n",
"scenario/report-misspelled-summary.yaml": E + "report:\n  summary: [teaa]\n",
"scenario/report-figure-no-variables.yaml": E + "report:\n  figures:\n    - {name: tea}\n",
"scenario/report-figure-unknown-variable.yaml": E + "report:\n  figures:\n    - {name: tea, variables: [tea, los]}\n",
"scenario/report-years-text.yaml": E + "report: {years: soon}\n",
"scenario/report-figure-a-number.yaml": E + "report:\n  figures: [3]\n",
"scenario/levers-not-a-list.yaml": E + "levers: room\n",
"scenario/levers-unknown-parameter.yaml": E + "levers:\n  - {parameter: rooom}\n",
# equations inside a scenario (its inline module)
"scenario/injection-import.yaml": E + "auxiliaries:\n  hack: \"__import__('os').system('echo pwned')\"\n",
"scenario/injection-attribute.yaml": E + "auxiliaries:\n  hack: ().__class__.__bases__\n",
"scenario/injection-lambda.yaml": E + "auxiliaries:\n  hack: '(lambda: 1)()'\n",
"scenario/injection-string.yaml": E + "auxiliaries:\n  hack: open('/etc/passwd')\n",
"scenario/deep-nesting.yaml": E + f"auxiliaries:\n  deep: '{DEEP}'\n",
"scenario/huge-delay-fixed.yaml": E + "auxiliaries:\n  late: delay_fixed(tea, 1e12, 0)\n",
"scenario/huge-smoothn-order.yaml": E + "auxiliaries:\n  smooth_tea: smoothn(tea, 3, 1e9)\n",
"scenario/overflowing-parameter.yaml": E + "parameters:\n  big: {value: 10^400}\n",
# ---------------------------------------------------------------- module files (run through a scenario)
"module/not-a-mapping.yaml": "- stocks\n",
"module/section-a-list.yaml": "module: m\nstocks: [a, b]\n",
"module/stock-no-initial.yaml": "module: m\nstocks:\n  s: {units: t}\n",
"module/bad-name.yaml": "module: m\nauxiliaries:\n  2x: 1\n",
"module/reserved-name.yaml": "module: m\nauxiliaries:\n  time: 1\n",
"module/dunder-name.yaml": "module: m\nauxiliaries:\n  __class__: 1\n",
"module/unknown-field.yaml": "module: m\nstocks:\n  s: {initial: 1, inflow: [f]}\n",
"module/defined-twice.yaml": "module: m\nstocks:\n  s: {initial: 1}\nauxiliaries:\n  s: 2\n",
"module/inflow-undefined.yaml": "module: m\nstocks:\n  s: {initial: 1, inflows: [f]}\n",
"module/inflow-is-parameter.yaml": "module: m\nstocks:\n  s: {initial: 1, inflows: [p]}\nparameters:\n  p: 1\n",
"module/non-negative-maybe.yaml": "module: m\nstocks:\n  s: {initial: 1, non_negative: maybe}\n",
"module/flow-syntax.yaml": "module: m\nflows:\n  f: 1 + * 2\n",
"module/unknown-function.yaml": "module: m\nauxiliaries:\n  a: frobnicate(1)\n",
"module/if-then-else-no-arguments.yaml": "module: m\nauxiliaries:\n  a: if_then_else()\n",
"module/mod-one-argument.yaml": "module: m\nauxiliaries:\n  a: mod(3)\n",
"module/lookup-as-a-name.yaml": "module: m\nlookups:\n  curve: {points: [[0, 0], [1, 1]]}\nauxiliaries:\n  a: curve * 2\n",
"module/lookup-two-arguments.yaml": "module: m\nlookups:\n  curve: {points: [[0, 0], [1, 1]]}\nauxiliaries:\n  a: curve(1, 2)\n",
"module/algebraic-loop.yaml": "module: m\nauxiliaries:\n  a: b + 1\n  b: a * 2\n",
"module/unknown-name.yaml": "module: m\nauxiliaries:\n  a: bee + 1\n  bees: 2\n",
"module/parameter-no-value.yaml": "module: m\nparameters:\n  p: {units: t}\n",
"module/parameter-text-value.yaml": "module: m\nparameters:\n  p: {value: lots}\n",
"module/parameter-range-reversed.yaml": "module: m\nparameters:\n  p: {value: 1, range: [2, 0]}\n",
"module/parameter-outside-range.yaml": "module: m\nparameters:\n  p: {value: 5, range: [0, 1]}\n",
"module/parameter-a-list.yaml": "module: m\nparameters:\n  p: [1, 2]\n",
"module/lookup-points-not-a-list.yaml": "module: m\nlookups:\n  curve: {points: 5}\n",
"module/lookup-x-decreasing.yaml": "module: m\nlookups:\n  curve: {points: [[1, 0], [0, 1]]}\n",
"module/lookup-infinite-point.yaml": "module: m\nlookups:\n  curve: {points: [[0, 0], [1, .inf]]}\n",
"module/lookup-extrapolate-maybe.yaml": "module: m\nlookups:\n  curve: {points: [[0, 0], [1, 1]], extrapolate: maybe}\n",
"module/output-not-an-element.yaml": "module: m\noutputs: [nothing]\nauxiliaries:\n  a: 1\n",
"module/input-not-provided.yaml": "module: m\ninputs: [price]\nauxiliaries:\n  a: price * 2\n",
"module/inputs-a-mapping.yaml": "module: m\ninputs: {price: 1}\nauxiliaries:\n  a: 2\n",
"module/polarity-bad.yaml": "module: m\nauxiliaries:\n  a: {equation: b, polarity: {b: up}}\n  b: 1\n",
"module/checks-bad.yaml": "module: m\nauxiliaries:\n  a: 1\nchecks:\n  - {name: c, lhs: a}\n",
"module/equation-a-mapping.yaml": "module: m\nauxiliaries:\n  a: {equation: {x: 1}}\n",
"module/binary.yaml": b"\x00\x01\x02module",
# ---------------------------------------------------------------- sweep specs
"sweep/not-a-mapping.yaml": "- sweep\n",
"sweep/unknown-field.yaml": S + SP + SO + "sampels: 3\n",
"sweep/no-scenario.yaml": "method: latin\n" + SP + SO,
"sweep/scenario-missing.yaml": S.replace("../base/teacup.yaml", "nowhere.yaml") + SP + SO,
"sweep/scenario-a-list.yaml": S.replace("../base/teacup.yaml", "[a, b]") + SP + SO,
"sweep/method-unknown.yaml": S.replace("latin", "random") + SP + SO,
"sweep/samples-absurd.yaml": S.replace("samples: 20", "samples: 1000000000000") + SP + SO,
"sweep/grid-absurd.yaml": S.replace("latin", "grid").replace("samples: 20", "samples: 10000000") + SP + SO,
"sweep/samples-text.yaml": S.replace("samples: 20", "samples: many") + SP + SO,
"sweep/sobol-not-a-power-of-two.yaml": S.replace("latin", "sobol") + SP + SO,
"sweep/seed-negative.yaml": S.replace("seed: 1", "seed: -1") + SP + SO,
"sweep/seed-huge.yaml": S.replace("seed: 1", "seed: 100000000000000000000000").replace("latin", "morris").replace("samples: 20", "samples: 4") + SP + SO,
"sweep/morris-odd-levels.yaml": S.replace("latin", "morris") + "levels: 3\n" + SP + SO,
"sweep/parameters-none.yaml": S + SO,
"sweep/parameters-a-list.yaml": S + "parameters: [room, tau]\n" + SO,
"sweep/parameter-unknown.yaml": S + "parameters:\n  rooom: {range: [60, 80]}\n" + SO,
"sweep/parameter-is-a-flow.yaml": S + "parameters:\n  loss: {range: [0, 1]}\n" + SO,
"sweep/distribution-unknown.yaml": S + "parameters:\n  room: {distribution: cauchy, low: 1, high: 2}\n" + SO,
"sweep/distribution-missing-field.yaml": S + "parameters:\n  room: {distribution: normal, mean: 70}\n" + SO,
"sweep/uniform-reversed.yaml": S + "parameters:\n  room: {distribution: uniform, low: 80, high: 60}\n" + SO,
"sweep/draws-outside-range.yaml": S + "parameters:\n  room: {distribution: uniform, low: 50, high: 200}\n" + SO,
"sweep/distribution-infinite.yaml": S + "parameters:\n  room: {distribution: uniform, low: 0, high: .inf}\n" + SO,
"sweep/levels-empty.yaml": S + "parameters:\n  room: {levels: []}\n" + SO,
"sweep/outputs-a-list.yaml": S + SP + "outputs: [tea]\n",
"sweep/outputs-empty.yaml": S + SP + "outputs: {}\n",
"sweep/metrics-a-list.yaml": S + SP + "outputs:\n  metrics: [final]\n",
"sweep/metric-a-bare-number.yaml": S + SP + "outputs:\n  metrics:\n    final: 3\n",
"sweep/metric-named-run.yaml": S + SP + "outputs:\n  metrics:\n    run: {variable: tea, at: 30}\n",
"sweep/metric-named-chunk-done.yaml": S + SP + "outputs:\n  metrics:\n    chunk_done: {variable: tea, at: 30}\n",
"sweep/metric-named-like-a-path.yaml": S + SP + "outputs:\n  metrics:\n    ../../escape: {variable: tea, at: 30}\n",
"sweep/metric-condition-unknown-name.yaml": S + SP + "outputs:\n  metrics:\n    cool: {first: tae < 100}\n",
"sweep/metric-condition-stateful.yaml": S + SP + "outputs:\n  metrics:\n    cool: {first: \"smooth(tea, 2) < 100\"}\n",
"sweep/metric-condition-syntax.yaml": S + SP + "outputs:\n  metrics:\n    cool: {first: tea < < 100}\n",
"sweep/metric-condition-injection.yaml": S + SP + "outputs:\n  metrics:\n    cool: {first: \"__import__('os').system('echo pwned')\"}\n",
"sweep/metric-condition-no-arguments.yaml": S + SP + "outputs:\n  metrics:\n    cool: {first: mod() > 0}\n",
"sweep/metric-condition-parameter.yaml": S + SP + "outputs:\n  metrics:\n    cool: {first: room > 3}\n",
"sweep/metric-at-outside-the-run.yaml": S + SP + "outputs:\n  metrics:\n    final: {variable: tea, at: 300}\n",
"sweep/metric-integral-reversed.yaml": S + SP + "outputs:\n  metrics:\n    lost: {integral: loss, from: 20, to: 10}\n",
"sweep/metric-unknown-variable.yaml": S + SP + "outputs:\n  metrics:\n    final: {variable: tae, at: 30}\n",
"sweep/trajectory-unknown.yaml": S + SP + "outputs:\n  trajectories: [tae]\n",
"sweep/trajectory-a-mapping.yaml": S + SP + "outputs:\n  trajectories: {tea: 1}\n",
"sweep/trajectory-step-nan.yaml": S + SP + SO + "  trajectory_step: .nan\n",
"sweep/memory-negative.yaml": S + SP + SO + "memory_mb: -1\n",
"sweep/memory-infinite.yaml": S + SP + SO + "memory_mb: .inf\n",
"sweep/second-order-maybe.yaml": S.replace("latin", "sobol").replace("samples: 20", "samples: 16") + "second_order: maybe\n" + SP + SO,
"sweep/binary.yaml": b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03",
# ---------------------------------------------------------------- calibration specs
"calibration/not-a-mapping.yaml": "- calibration\n",
"calibration/unknown-field.yaml": C + CP + CS + CO + "optimiser: {}\n",
"calibration/no-scenario.yaml": "seed: 1\n" + CP + CS + CO,
"calibration/parameter-unknown.yaml": C + "parameters:\n  rr: {bounds: [0.1, 2]}\n" + CS + CO,
"calibration/bounds-reversed.yaml": C + "parameters:\n  r: {bounds: [2, 0.1]}\n" + CS + CO,
"calibration/series-unknown-variable.yaml": C + CP + CS.replace("variable: adopters", "variable: adoptrs") + CO,
"calibration/data-missing.yaml": C + CP + CS.replace("../base/share.csv", "nowhere.csv") + CO,
"calibration/parameters-a-list.yaml": C + "parameters: [r, K]\n" + CS + CO,
# ---------------------------------------------------------------- XMILE files
"xmile/not-xml.xmile": "stock: this is YAML, not XML\n",
"xmile/not-xmile.xmile": "<html><body>hello</body></html>\n",
"xmile/binary.xmile": b"\x00\x00\x00\x18ftypmp42",
"xmile/unknown-namespace.xmile": xmile(GOODVARS).replace(NS, "http://example.com/not-xmile"),
"xmile/no-sim-specs.xmile": xmile(GOODVARS).replace("<sim_specs><start>0</start><stop>10</stop><dt>1</dt></sim_specs>", ""),
"xmile/no-model.xmile": f'<xmile version="1.0" xmlns="{NS}"><sim_specs><start>0</start><stop>10</stop></sim_specs></xmile>',
"xmile/dt-reciprocal-zero.xmile": xmile(GOODVARS, sim='<start>0</start><stop>10</stop><dt reciprocal="true">0</dt>'),
"xmile/dt-one-over-zero.xmile": xmile(GOODVARS, sim="<start>0</start><stop>10</stop><dt>1/0</dt>"),
"xmile/dt-tiny.xmile": xmile(GOODVARS, sim="<start>0</start><stop>10</stop><dt>1e-32</dt>"),
"xmile/stop-before-start.xmile": xmile(GOODVARS, sim="<start>10</start><stop>0</stop><dt>1</dt>"),
"xmile/stop-overflows.xmile": xmile(GOODVARS, sim="<start>0</start><stop>1e400</stop><dt>1</dt>"),
"xmile/start-text.xmile": xmile(GOODVARS, sim="<start>soon</start><stop>10</stop><dt>1</dt>"),
"xmile/method-rk45.xmile": xmile(GOODVARS).replace("<sim_specs>", '<sim_specs method="RK45">'),
"xmile/unknown-builtin.xmile": xmile('<aux name="price"><eqn>FROBNICATE(3)</eqn></aux>'),
"xmile/syntax-error.xmile": xmile('<aux name="cost"><eqn>(1 + </eqn></aux>'),
"xmile/no-equation.xmile": xmile('<aux name="cost"></aux>'),
"xmile/unknown-name.xmile": xmile('<aux name="cost"><eqn>price * 2</eqn></aux>'),
"xmile/undefined-flow.xmile": xmile('<stock name="tea"><eqn>180</eqn><outflow>los</outflow></stock>'),
"xmile/module-without-model.xmile": xmile('<module name="hares"/>'),
"xmile/module-contains-itself.xmile": xmile('<module name="a" model="loop"/>', models='<model name="loop"><variables><module name="b" model="loop"/></variables></model>\n'),
"xmile/conveyor.xmile": xmile('<stock name="belt"><eqn>1</eqn><conveyor><len>2</len></conveyor></stock>'),
"xmile/entity-bomb.xmile": xmile('<aux name="a"><eqn>&lol9;</eqn></aux>', head='<!DOCTYPE xmile [<!ENTITY lol "lol">' + "".join(
    f'<!ENTITY lol{i} "' + f"&lol{i-1 if i > 1 else ''};" * 10 + '">' for i in range(1, 10)) + "]>\n"),
"xmile/external-entity.xmile": xmile('<aux name="a"><eqn>&xxe;</eqn></aux>', head='<!DOCTYPE xmile [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'),
"xmile/huge-delay.xmile": xmile('<aux name="late"><eqn>DELAY(tea, 1e12)</eqn></aux>\n' + GOODVARS.replace("DELAY", "")).replace("DELAY(tea, 1e12)", "DELAYN(room, 5, 1e9)"),
"xmile/overflowing-number.xmile": xmile('<aux name="big"><eqn>10^400</eqn></aux>\n' + GOODVARS),
"xmile/gf-bad-points.xmile": xmile('<gf name="curve"><xscale min="0" max="1"/><ypts>1,abc,3</ypts></gf>\n<aux name="a"><eqn>curve(0.5)</eqn></aux>'),
"xmile/macro-wrong-arguments.xmile": xmile('<aux name="a"><eqn>twice(1, 2)</eqn></aux>', extra='<macro name="twice"><parm>x</parm><eqn>2 * x</eqn></macro>\n'),
"xmile/macro-calls-itself.xmile": xmile('<aux name="a"><eqn>again(1)</eqn></aux>', extra='<macro name="again"><parm>x</parm><eqn>again(x)</eqn></macro>\n'),
"xmile/dimension-unknown.xmile": xmile('<aux name="v"><dimensions><dim name="Nowhere"/></dimensions><eqn>1</eqn></aux>'),
"xmile/stray-closing-tag.xmile": xmile('<aux name="a"><eqn>1</eqn></aux></stock>'),
"xmile/gf-without-input.xmile": xmile('<gf name="curve"><xscale min="0" max="1"/><ypts>1,2,3</ypts></gf>\n<aux name="a"><eqn>curve * 2</eqn></aux>'),
"xmile/huge-delay-fixed.xmile": xmile('<aux name="late"><eqn>DELAY(room, 1e12)</eqn></aux>\n' + GOODVARS),
"xmile/injection.xmile": xmile("<aux name=\"a\"><eqn>__import__('os').system('echo pwned')</eqn></aux>"),
}

for name, text in {**BASE, **CASES}.items():
    p = OUT / name
    p.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_text(text)
print(len(CASES), "cases")
