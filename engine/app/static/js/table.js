// The difference table: each shown variable at the chosen years, this run, the baseline and the change.

import { change, el, fmt, fmtChange, nearest } from "./format.js";

// variables: [{name, units, doc}]; current, baseline: {name: values}
export function renderTable(table, variables, years, times, current, baseline) {
  const idx = years.map((y) => nearest(times, y));
  const head = el("tr", {}, el("th", { scope: "col", text: "variable" }), el("th", { scope: "col", text: "units" }),
    ...years.map((y, k) => el("th", { scope: "col", text: String(times[idx[k]] === y ? y : `${y} (${times[idx[k]]})`) })));
  const rows = variables.map(({ name, units, doc }) => {
    const cur = current[name] || baseline[name];
    const base = baseline[name];
    const cells = idx.map((i, k) => {
      if (!cur || !base) return el("td", { text: "…" });
      const c = cur[i], b = base[i], pct = change(c, b);
      const dir = pct === null || Math.abs(pct) < 0.05 ? "same" : pct > 0 ? "up" : "down";
      return el("td", { class: `cell ${dir}`,
        dataset: { var: name, year: String(years[k]), current: String(c), baseline: String(b),
          change: pct === null ? "" : String(pct) } },
      el("span", { class: "cur", text: fmt(c) }),
      el("span", { class: "base", text: `baseline ${fmt(b)}` }),
      el("span", { class: "chg", text: fmtChange(pct) }));
    });
    return el("tr", { dataset: { var: name } },
      el("th", { scope: "row", title: doc || "" }, el("span", { class: "name", text: name }),
        doc ? el("small", { text: doc }) : null),
      el("td", { class: "units", text: units || "" }), ...cells);
  });
  table.replaceChildren(el("thead", {}, head), el("tbody", {}, ...rows));
}

// Years typed by the user: numbers within the run, at most 8, in order; null if none is valid.
export function parseYears(text, start, stop) {
  const ys = (text || "").split(/[\s,;]+/).filter(Boolean).map(Number)
    .filter((y) => Number.isFinite(y) && y >= start && y <= stop);
  const unique = [...new Set(ys)].sort((a, b) => a - b).slice(0, 8);
  return unique.length ? unique : null;
}
