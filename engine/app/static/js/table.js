// The difference table: each shown variable at the chosen years, this run, the baseline and the change.

import { change, el, fmt, fmtChange, nearest } from "./format.js";

// Text of a node, changed only where it differs (an unchanged cell costs the browser no layout).
function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

// One cell: this run, the baseline and the change; "…" while a trajectory is missing.
function fillCell(td, name, year, c, b) {
  if (c === undefined || b === undefined) {
    td.className = "";
    for (const k of Object.keys(td.dataset)) delete td.dataset[k];
    td.replaceChildren("…");
    return;
  }
  const pct = change(c, b);
  const dir = pct === null || Math.abs(pct) < 0.05 ? "same" : pct > 0 ? "up" : "down";
  if (td.className !== `cell ${dir}`) td.className = `cell ${dir}`;
  if (td.children.length !== 3) {
    td.replaceChildren(el("span", { class: "cur" }), el("span", { class: "base" }), el("span", { class: "chg" }));
  }
  Object.assign(td.dataset, { var: name, year: String(year), current: String(c), baseline: String(b),
    change: pct === null ? "" : String(pct) });
  const [cur, base, chg] = td.children;
  setText(cur, fmt(c));
  setText(base, `baseline ${fmt(b)}`);
  setText(chg, fmtChange(pct));
}

const built = new WeakMap();           // table -> the rows and columns it was built for

// variables: [{name, units, doc}]; current, baseline: {name: values}. The table is built again only
// when its rows or columns change; a new run rewrites the cells whose numbers changed.
export function renderTable(table, variables, years, times, current, baseline) {
  const idx = years.map((y) => nearest(times, y));
  const heads = years.map((y, k) => String(times[idx[k]] === y ? y : `${y} (${times[idx[k]]})`));
  const key = JSON.stringify([variables.map((v) => [v.name, v.units, v.doc]), heads]);
  if (built.get(table) !== key) {
    const head = el("tr", {}, el("th", { scope: "col", text: "variable" }), el("th", { scope: "col", text: "units" }),
      ...heads.map((text) => el("th", { scope: "col", text })));
    const rows = variables.map(({ name, units, doc }) => el("tr", { dataset: { var: name } },
      el("th", { scope: "row", title: doc || "" }, el("span", { class: "name", text: name }),
        doc ? el("small", { text: doc }) : null),
      el("td", { class: "units", text: units || "" }), ...idx.map(() => el("td"))));
    table.replaceChildren(el("thead", {}, head), el("tbody", {}, ...rows));
    built.set(table, key);
  }
  const rows = table.tBodies[0].rows;
  variables.forEach(({ name }, r) => {
    const cur = current[name] || baseline[name];
    const base = baseline[name];
    idx.forEach((i, k) => fillCell(rows[r].cells[2 + k], name, years[k], cur ? cur[i] : undefined,
      base ? base[i] : undefined));
  });
}

// Years typed by the user: numbers within the run, at most 8, in order; null if none is valid.
export function parseYears(text, start, stop) {
  const ys = (text || "").split(/[\s,;]+/).filter(Boolean).map(Number)
    .filter((y) => Number.isFinite(y) && y >= start && y <= stop);
  const unique = [...new Set(ys)].sort((a, b) => a - b).slice(0, 8);
  return unique.length ? unique : null;
}
