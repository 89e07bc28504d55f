// The page: a scenario's levers, its graphs drawn over the baseline, the difference table, downloads.

import { DominanceChart } from "./dominance.js";
import { download, el, fmt, frameProduced } from "./format.js";
import { Levers } from "./levers.js";
import { Panel, csvText } from "./panels.js";
import { Search } from "./search.js";
import { fileSource, pageSource, serverSource } from "./source.js";
import { parseYears, renderTable } from "./table.js";
import { readURL, writeURL } from "./url.js";

const $ = (id) => document.getElementById(id);

// Everything the page holds; window.carbonloop exposes it to tests and the latency benchmark.
const S = {
  meta: null, levers: {}, values: {}, picks: [], years: null, times: null, current: {}, baseline: {},
  token: 0, runs: 0, inflight: false, pending: null, panels: [], sliders: null, dominance: null,
  dominanceVar: null, timings: [], source: null, server: null,
};
window.carbonloop = S;

function status(text, kind = "") {
  const s = $("status");
  s.textContent = text;
  s.className = kind;
}

const moved = () => Object.fromEntries(Object.entries(S.values).filter(([k, v]) => v !== S.levers[k].value));
const shown = () => [...new Set(S.panels.flatMap((p) => p.spec.variables))];
const info = (name) => S.meta.variables.find((v) => v.name === name) || { name, units: "", doc: "" };
const years = () => S.years || S.meta.years;

function saveURL() {
  writeURL({ scenario: S.meta.name, params: moved(), show: S.picks, years: S.years,
    dominance: S.dominance && S.dominanceVar !== shown()[0] ? S.dominanceVar : null });
}

function panelContext(removable) {
  return {
    timeUnits: S.meta.time.units,
    onPNG: async (p) => download(`${S.meta.name}-${p.spec.variables[0]}.png`, await p.png()),
    onCSV: (p) => download(`${S.meta.name}-${p.spec.variables[0]}.csv`,
      new Blob([csvText(csvHeader(), [p], S.meta.time.units)], { type: "text/csv" })),
    onRemove: removable ? removePick : null,
  };
}

function addPanel(spec, removable) {
  const p = new Panel($("panels"), spec, panelContext(removable));
  S.panels.push(p);
  for (const v of spec.variables) {
    const bands = (S.meta.bands || {})[v];
    if (bands && bands.length) p.setBands(v, bands);
    if (S.meta.data.includes(v)) {
      S.source.data(S.meta.name, v)
        .then((series) => series && p.setPoints(v, series))
        .catch((e) => status(e.message, "error"));
    }
  }
  return p;
}

function pickPanel(name) {
  const v = info(name);
  return addPanel({ title: v.doc ? `${name}: ${v.doc}` : name, variables: [name], units: v.units, ylabel: "" }, true);
}

function addPick(name) {
  if (shown().includes(name)) return status(`${name} is already shown`);
  if (shown().length >= S.meta.max_variables) {
    return status(`at most ${S.meta.max_variables} variables can be shown at once`, "error");
  }
  S.picks.push(name);
  pickPanel(name);
  fillDominanceChoices();
  requestRun(performance.now());
}

function removePick(panel) {
  const name = panel.spec.variables[0];
  S.picks = S.picks.filter((n) => n !== name);
  S.panels = S.panels.filter((p) => p !== panel);
  panel.remove();
  fillDominanceChoices();
  draw();
  saveURL();
}

function csvHeader() {
  const m = moved();
  const levers = Object.keys(m).length
    ? Object.entries(m).map(([k, v]) => `${k}=${v} (scenario ${S.levers[k].value})`).join("; ")
    : "none moved";
  return [`carbonloop app: scenario ${S.meta.name} (${S.meta.file})`, `levers: ${levers}`,
    "baseline: the scenario as written; data: measured series where the scenario has them"];
}

// Run with the levers as they stand; while a run is under way, later moves wait and go as one.
function requestRun(t0) {
  if (S.inflight) {
    S.pending = S.pending === null ? t0 : Math.min(S.pending, t0);
    return;
  }
  S.inflight = true;
  doRun(t0).finally(() => {
    S.inflight = false;
    if (S.pending !== null) {
      const next = S.pending;
      S.pending = null;
      requestRun(next);
    }
  });
}

async function doRun(t0) {
  const token = S.token;
  const variables = shown();
  const params = moved();
  try {
    const tRequest = performance.now();
    const { body, timing } = await S.source.run({ scenario: S.meta.name, params, variables,
      baseline: variables.filter((v) => !(v in S.baseline)) });
    if (token !== S.token) return;
    const tResponse = performance.now();
    Object.assign(S.baseline, body.baseline);
    S.times = body.times;
    S.current = body.values;
    draw();
    const tDrawn = performance.now();
    await frameProduced();
    const t1 = performance.now();
    if (token !== S.token) return;              // another scenario was opened meanwhile
    // ms: input event to the frame with the redrawn chart produced; queued: waiting for the previous
    // run; fetch: request to parsed answer (server_total of it in the server); draw: charts and table
    // drawn; frame: until the browser has produced the frame that shows them
    S.timings.push({ run: S.runs + 1, t0, t1, ms: t1 - t0, queued: tRequest - t0, fetch: tResponse - tRequest,
      draw: tDrawn - tResponse, frame: t1 - tDrawn, server_run: timing.run ?? null,
      server_encode: timing.encode ?? null, server_total: timing.total ?? null, baseline: body.is_baseline,
      where: S.source.kind });
    // the status line and the address change after the frame with the charts, not in it, and while a
    // slider is dragged (a later move waits) they follow when it rests
    if (S.pending === null) {
      const where = S.source.kind === "server" ? "server run" : "run in this page";
      status(`${body.is_baseline ? "the scenario as written" : `${Object.keys(params).length} lever(s) moved`}: `
        + `${Math.round(t1 - t0)} ms (${where} ${(timing.run ?? 0).toFixed(1)} ms)`);
      saveURL();
    }
    S.runs += 1;
    $("panels").dataset.run = String(S.runs);
    dominanceWhenStill();
  } catch (e) {
    if (token === S.token) status(e.message, "error");
  }
}

function draw() {
  if (!S.times) return;
  for (const p of S.panels) p.update(S.times, S.current, S.baseline);
  renderTable($("diff"), shown().map(info), years(), S.times, S.current, S.baseline);
}

function fillDominanceChoices() {
  if (!S.dominance) return;
  const sel = $("dominance-variable");
  const vars = shown();
  if (!vars.includes(S.dominanceVar)) S.dominanceVar = vars[0];
  sel.replaceChildren(...vars.map((v) => el("option", { value: v, text: v, selected: v === S.dominanceVar })));
}

// The loop-dominance analysis costs a hundred runs' time: it is asked for once the levers have
// rested for DOMINANCE_REST_MS with no run under way, so that it never slows a slider being dragged.
const DOMINANCE_REST_MS = 250;
let dominanceTimer = null;

function dominanceWhenStill() {
  if (!S.dominance) return;
  clearTimeout(dominanceTimer);
  dominanceTimer = setTimeout(() => {
    if (S.inflight || S.pending !== null) dominanceWhenStill();
    else refreshDominance();
  }, DOMINANCE_REST_MS);
}

async function refreshDominance() {
  if (!S.dominance || !S.dominanceVar) return;
  // a file's loop shares are the baseline's: a lever move changes nothing to draw again
  if (S.source.kind === "file" && S.dominance.variable === S.dominanceVar) return;
  const token = S.token;
  const variable = S.dominanceVar;
  try {
    const shares = await S.source.dominance(S.meta.name, moved(), variable);
    if (token === S.token && variable === S.dominanceVar) S.dominance.show(variable, shares);
  } catch (e) {
    status(e.message, "error");
  }
}

function setupDominance(wanted) {
  const box = $("dominance");
  box.hidden = !S.meta.dominance;
  S.dominance = null;
  $("dominance-chart").replaceChildren();
  if (!S.meta.dominance) return;
  S.dominance = new DominanceChart($("dominance-chart"), $("dominance-legend"), $("dominance-note"), S.meta.time.units);
  S.dominanceVar = wanted && shown().includes(wanted) ? wanted : shown()[0];
  fillDominanceChoices();
}

// Lever settings from a shared address: known levers, within range; the rest is reported.
function applyURLParams(params) {
  const ignored = [];
  for (const [k, v] of Object.entries(params)) {
    const lever = S.levers[k];
    if (lever && v >= lever.low && v <= lever.high) S.values[k] = v;
    else ignored.push(k);
  }
  return ignored;
}

async function openScenario(name, fromURL = null) {
  S.token += 1;
  status(`loading ${name}…`);
  const meta = await S.source.scenario(name);
  if (S.server) S.source = meta.model ? await pageSource(S.server, meta) : S.server;
  S.meta = meta;
  S.levers = Object.fromEntries(meta.groups.flatMap((g) => g.levers).map((l) => [l.parameter, l]));
  S.values = Object.fromEntries(Object.values(S.levers).map((l) => [l.parameter, l.value]));
  S.baseline = {};
  S.times = null;
  const known = new Set(meta.variables.map((v) => v.name));
  const ignored = fromURL ? applyURLParams(fromURL.params) : [];
  S.picks = (fromURL ? fromURL.show : S.picks).filter((n) => known.has(n));
  S.years = fromURL && fromURL.years.length ? parseYears(fromURL.years.join(" "), meta.time.start, meta.time.stop) : null;
  document.title = `carbonloop: ${meta.title}`;
  $("scenario").value = name;
  $("description").textContent = meta.description;
  $("years").value = years().join(" ");
  S.sliders = new Levers($("levers"), meta.groups, onLever);
  for (const [k, v] of Object.entries(S.values)) S.sliders.set(k, v);
  S.panels.forEach((p) => p.remove());
  S.panels = [];
  meta.panels.forEach((spec) => addPanel(spec, false));
  S.picks.forEach(pickPanel);
  search.setVariables(meta.variables);
  setupDominance(fromURL && fromURL.dominance);
  showDocumentation(meta.parameters || []);
  await doRun(performance.now());
  if (ignored.length) status(`ignored in the address (not a lever, or out of range): ${ignored.join(", ")}`, "error");
  if (meta.data_error) status(meta.data_error, "error");
  if (meta.bands_error) status(meta.bands_error, "error");
}

// The model's documentation: every parameter with its value, units, range, description and source.
function showDocumentation(parameters) {
  const rows = parameters.map((p) => el("tr", {},
    el("th", { scope: "row", text: p.name }), el("td", { text: fmt(p.value) }), el("td", { text: p.units || "" }),
    el("td", { text: p.range ? p.range.map((x) => (x === null ? "∞" : fmt(x))).join(" to ") : "" }),
    el("td", { text: p.doc || "" }), el("td", { text: p.source || "" })));
  const head = el("tr", {}, ...["parameter", "value", "units", "range", "description", "source"]
    .map((h) => el("th", { scope: "col", text: h })));
  $("parameters").replaceChildren(el("thead", {}, head), el("tbody", {}, ...rows));
  $("documentation").hidden = !parameters.length;
}

// What a page opened from an exported file says about itself: no server, and its check against the engine.
function fileNotes() {
  document.body.classList.add("file");
  $("dominance-title").textContent = "Which loops dominate in the baseline (computed when the file was exported)";
  $("file-note").hidden = false;
  $("file-note").textContent = "This page runs the model itself (no server, no network). Its baseline "
    + `agrees with the engine's within ${S.source.check.toExponential(1)} (relative). Loop dominance shows `
    + "the baseline's dominant loops, computed when the file was exported; it does not follow the levers.";
}

function onLever(parameter, value, t0) {
  S.values[parameter] = value;
  requestRun(t0);
}

// Several levers set at once and one run (for tests and the latency benchmark): {parameter: value}.
S.setLevers = (values) => {
  for (const [k, v] of Object.entries(values)) {
    S.values[k] = v;
    S.sliders.set(k, v);
  }
  requestRun(performance.now());
};

function reset() {
  for (const l of Object.values(S.levers)) {
    S.values[l.parameter] = l.value;
    S.sliders.set(l.parameter, l.value);
  }
  requestRun(performance.now());
}

async function share() {
  saveURL();
  try {
    await navigator.clipboard.writeText(window.location.href);
    status("link copied");
  } catch {
    status(`link: ${window.location.href}`);
  }
}

const search = new Search($("find"), $("found"), addPick);

async function init() {
  $("reset").addEventListener("click", reset);
  $("share").addEventListener("click", share);
  $("csv").addEventListener("click", () => download(`${S.meta.name}.csv`,
    new Blob([csvText(csvHeader(), S.panels, S.meta.time.units)], { type: "text/csv" })));
  $("scenario").addEventListener("change", (ev) => openScenario(ev.target.value).catch((e) => status(e.message, "error")));
  $("years").addEventListener("change", (ev) => {
    S.years = parseYears(ev.target.value, S.meta.time.start, S.meta.time.stop);
    ev.target.value = years().join(" ");
    draw();
    saveURL();
  });
  $("dominance-variable").addEventListener("change", (ev) => {
    S.dominanceVar = ev.target.value;
    saveURL();
    refreshDominance();
  });
  const bundle = document.getElementById("carbonloop-bundle");
  S.server = bundle ? null : serverSource();
  S.source = bundle ? fileSource(JSON.parse(bundle.textContent), globalThis.carbonloopModel) : S.server;
  if (S.source.kind === "file") fileNotes();
  const scenarios = await S.source.scenarios();
  $("scenario").replaceChildren(...scenarios.map((s) => el("option", { value: s.name, text: s.name, title: s.description })));
  const fromURL = readURL();
  const names = scenarios.map((s) => s.name);
  const first = names.includes(fromURL.scenario) ? fromURL.scenario : names.includes("default") ? "default" : names[0];
  await openScenario(first, fromURL);
}

init().catch((e) => status(e.message, "error"));
