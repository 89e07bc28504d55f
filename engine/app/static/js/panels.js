// A graph panel: this run (solid) over the baseline (dashed), data points with error bars, a
// calibration's predictive band behind the baseline where there is one, PNG and CSV.
/* global uPlot */

import { colour, csvCell, el, fmt } from "./format.js";

const HEIGHT = 240;
const SYNC = "carbonloop";
// A panel out of view keeps its new numbers and draws them when it comes within this margin of the
// window (before it shows), so a lever move costs the drawing of the panels in view only.
const VIEW_MARGIN = "40px 0px";

// This run's lines as three one-pixel lines side by side. A browser drawing its canvases without a
// GPU (Skia on the processor) strokes a line wider than one pixel through its general path filler,
// which costs about 20 ms for the six series of 469 points of the flagship's saw-tooth panel, but a
// line one pixel wide through its hairline filler in about 1 ms: the same two-pixel line, drawn as the
// line and its copies one pixel right and one pixel down, costs a few hairlines.
const LINEAR = uPlot.paths.linear();

function wideLine(u, seriesIdx, idx0, idx1) {
  const paths = LINEAR(u, seriesIdx, idx0, idx1);
  if (paths && paths.stroke instanceof Path2D) {
    const r = uPlot.pxRatio;
    const wide = new Path2D();
    for (const [dx, dy] of [[0, 0], [r, 0], [0, r]]) wide.addPath(paths.stroke, new DOMMatrix([1, 0, 0, 1, dx, dy]));
    paths.stroke = wide;
  }
  return paths;
}

function yearLabel(v) {
  return Number.isInteger(v) ? String(v) : String(Math.round(v * 100) / 100);
}

// Draws measured points and their error bars inside the plot area.
function drawPoints(u, points) {
  const { ctx } = u;
  const r = uPlot.pxRatio;
  const { left, top, width, height } = u.bbox;
  ctx.save();
  ctx.beginPath();
  ctx.rect(left, top, width, height);
  ctx.clip();
  for (const { series, colour: c } of points) {
    ctx.strokeStyle = c;
    ctx.fillStyle = c;
    ctx.lineWidth = 1.5 * r;
    series.times.forEach((t, i) => {
      const x = u.valToPos(t, "x", true);
      const y = u.valToPos(series.values[i], "y", true);
      const lo = series.low ? series.low[i] : null;
      const hi = series.high ? series.high[i] : null;
      if (lo !== null && hi !== null) {
        const y0 = u.valToPos(lo, "y", true);
        const y1 = u.valToPos(hi, "y", true);
        ctx.beginPath();
        ctx.moveTo(x, y0); ctx.lineTo(x, y1);
        ctx.moveTo(x - 4 * r, y0); ctx.lineTo(x + 4 * r, y0);
        ctx.moveTo(x - 4 * r, y1); ctx.lineTo(x + 4 * r, y1);
        ctx.stroke();
      }
      ctx.beginPath();
      ctx.arc(x, y, 3.5 * r, 0, 2 * Math.PI);
      ctx.fill();
      ctx.strokeStyle = "#fff";
      ctx.stroke();
      ctx.strokeStyle = c;
    });
  }
  ctx.restore();
}

// Draws the calibrations' bands behind the lines: the 90 % predictive band (light), the 90 % band of
// the parameters alone inside it (darker) and the median (dotted), each in its variable's colour.
function drawBands(u, bands) {
  const { ctx } = u;
  const r = uPlot.pxRatio;
  const { left, top, width, height } = u.bbox;
  const x = (t) => u.valToPos(t, "x", true);
  const y = (v) => u.valToPos(v, "y", true);
  const fill = (b, lo, hi) => {
    let open = false;
    ctx.beginPath();
    b.times.forEach((t, i) => {                    // a gap (null) ends one piece of the band
      if (b[lo][i] === null || b[hi][i] === null) { open = false; return; }
      if (!open) ctx.moveTo(x(t), y(b[hi][i])); else ctx.lineTo(x(t), y(b[hi][i]));
      open = true;
    });
    for (let i = b.times.length - 1; i >= 0; i--) {
      if (b[lo][i] !== null && b[hi][i] !== null) ctx.lineTo(x(b.times[i]), y(b[lo][i]));
    }
    ctx.closePath();
    ctx.fill();
  };
  ctx.save();
  ctx.beginPath();
  ctx.rect(left, top, width, height);
  ctx.clip();
  for (const { band, colour: c } of bands) {
    ctx.fillStyle = c;
    ctx.globalAlpha = 0.13;
    fill(band, "low", "high");
    ctx.globalAlpha = 0.22;
    fill(band, "param_low", "param_high");
    ctx.globalAlpha = 0.9;
    ctx.strokeStyle = c;
    ctx.lineWidth = 1 * r;
    ctx.setLineDash([2 * r, 3 * r]);
    ctx.beginPath();
    band.times.forEach((t, i) => {
      if (band.median[i] === null) return;
      if (i === 0 || band.median[i - 1] === null) ctx.moveTo(x(t), y(band.median[i]));
      else ctx.lineTo(x(t), y(band.median[i]));
    });
    ctx.stroke();
  }
  ctx.restore();
}

// The legend line of one band: what it is, what it assumes, that a lever move leaves it in place.
export function bandText(b) {
  return `${b.label}; darker: ${b.param_label}; dotted: its median. ${b.note}`;
}

// Text in lines no wider than `width` as `g` draws it (words kept whole).
function wrap(g, text, width) {
  const lines = [];
  let line = "";
  for (const word of text.split(" ")) {
    const next = line ? `${line} ${word}` : word;
    if (line && g.measureText(next).width > width) { lines.push(line); line = word; } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}

export class Panel {
  // spec: {title, variables, units, ylabel}; ctx: {timeUnits, describe(name), onRemove?}
  constructor(parent, spec, ctx) {
    this.spec = spec;
    this.ctx = ctx;
    this.points = new Map();           // variable -> data series
    this.bands = new Map();            // variable -> predictive bands of the calibrations of the scenario
    this.colours = spec.variables.map((_, i) => colour(i));
    this.units = spec.ylabel || spec.units || "";
    const tools = el("div", { class: "tools" },
      el("button", { type: "button", class: "png", text: "PNG", title: "Download this graph as PNG",
        onclick: () => ctx.onPNG(this) }),
      el("button", { type: "button", class: "csv", text: "CSV", title: "Download this graph's numbers",
        onclick: () => ctx.onCSV(this) }),
      ctx.onRemove ? el("button", { type: "button", class: "remove", text: "×", title: "Remove this graph",
        onclick: () => ctx.onRemove(this) }) : null);
    this.chartBox = el("div", { class: "chart", "data-run": "0" });
    this.note = el("p", { class: "note" });
    this.el = el("article", { class: "panel", dataset: { variables: spec.variables.join(",") } },
      el("header", {}, el("h3", { text: spec.title, title: spec.variables.join(", ") }),
        el("span", { class: "units", text: this.units }), tools),
      this.chartBox, el("p", { class: "key", text: "solid: this run; dashed: the scenario as written" }),
      this.bandKey = el("ul", { class: "band-key" }), this.note);
    parent.append(this.el);
    this.plot = null;
    this.data = null;
    this.resize = new ResizeObserver(() => this.plot && this.plot.setSize(this.size()));
    this.resize.observe(this.chartBox);
    this.inView = true;                // until the observer says otherwise
    this.stale = false;                // numbers given while out of view, not drawn yet
    this.view = new IntersectionObserver((entries) => {
      this.inView = entries[entries.length - 1].isIntersecting;
      if (this.inView && this.stale) this.draw();
    }, { rootMargin: VIEW_MARGIN });
    this.view.observe(this.chartBox);
  }

  size() {
    return { width: Math.max(this.chartBox.clientWidth, 200), height: HEIGHT };
  }

  options() {
    const series = [{ label: this.ctx.timeUnits, value: (u, v) => (v === null ? "–" : yearLabel(v)) }];
    this.spec.variables.forEach((name, i) => {
      const c = this.colours[i];
      const value = (u, v) => fmt(v);
      series.push({ label: name, stroke: c, width: 1, paths: wideLine, value });     // drawn two pixels wide
      series.push({ label: `${name} (baseline)`, stroke: c, width: 1, dash: [6, 4], alpha: 0.75, value });
    });
    const pointsOf = () => [...this.points.entries()].map(([name, s]) => (
      { series: s, colour: this.colours[this.spec.variables.indexOf(name)] }));
    const bandsOf = () => [...this.bands.entries()].flatMap(([name, bs]) => bs.map((b) => (
      { band: b, colour: this.colours[this.spec.variables.indexOf(name)] })));
    return {
      ...this.size(),
      series,
      cursor: { sync: { key: SYNC } },
      scales: {
        x: { time: false },
        y: { range: (u, lo, hi) => this.yRange(lo, hi) },
      },
      axes: [
        { label: this.ctx.timeUnits, values: (u, splits) => splits.map(yearLabel) },
        { label: this.units, size: 70, values: (u, splits) => splits.map(fmt) },
      ],
      hooks: {
        drawAxes: [(u) => drawBands(u, bandsOf())],      // after the axes, before the lines
        draw: [(u) => drawPoints(u, pointsOf())],
        // a variable shown or hidden from the legend takes its baseline line along
        setSeries: [(u, i, opts) => { if (i % 2 === 1 && opts && "show" in opts) u.setSeries(i + 1, { show: opts.show }); }],
      },
    };
  }

  yRange(lo, hi) {
    for (const s of this.points.values()) {
      for (const xs of [s.values, s.low, s.high]) {
        for (const v of xs || []) if (v !== null) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
      }
    }
    for (const bs of this.bands.values()) {
      for (const b of bs) {
        for (const xs of [b.low, b.high, b.param_low, b.param_high]) {
          for (const v of xs) if (v !== null) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
        }
      }
    }
    if (lo === null || hi === null || !Number.isFinite(lo)) return [0, 1];
    return uPlot.rangeNum(lo, hi, 0.1, true);
  }

  // times: saved times; current, baseline: {variable: values}
  update(times, current, baseline) {
    const cols = [times];
    for (const name of this.spec.variables) {
      const base = baseline[name] || null;
      cols.push(current[name] || base, base);
    }
    this.data = cols;
    if (!this.plot) {
      this.plot = new uPlot(this.options(), cols, this.chartBox);
      this.chartBox.dataset.run = "1";
    } else if (this.inView) this.draw();
    else this.stale = true;
  }

  // Draws the panel's numbers now (uPlot's batch draws when it ends, not in a later microtask).
  draw() {
    this.stale = false;
    this.plot.batch(() => this.plot.setData(this.data));
    this.chartBox.dataset.run = String(Number(this.chartBox.dataset.run) + 1);
  }

  // Stops following the panel's size and visibility (it leaves the page).
  remove() {
    this.resize.disconnect();
    this.view.disconnect();
    if (this.plot) this.plot.destroy();
    this.el.remove();
  }

  setPoints(name, series) {
    this.points.set(name, series);
    const notes = [...this.points.entries()].map(([n, s]) =>
      `● ${s.label || n}: data${s.units ? ` (${s.units})` : ""}${s.source ? `, ${s.source}` : ""}`);
    this.note.textContent = notes.join("; ");
    if (this.plot) this.plot.redraw(true, false);
  }

  // bands: the predictive bands of `name` (bands.py), drawn behind the baseline; they stay as levers move.
  setBands(name, bands) {
    this.bands.set(name, bands);
    const c = this.colours[this.spec.variables.indexOf(name)];
    for (const b of bands) {
      const swatch = el("span", { class: "swatch" });
      swatch.style.background = c;          // through the style object: a page's CSP refuses style attributes
      this.bandKey.append(el("li", { title: `Assumptions: ${b.assumptions} Rows: ${b.file}` },
        swatch, `${name}: ${bandText(b)}`));
    }
    if (this.plot) this.plot.redraw(true, false);
  }

  // The panel's graph as a PNG blob: title, the plot as drawn, a legend, on white.
  png() {
    if (this.stale) this.draw();
    const src = this.plot.ctx.canvas;
    const r = uPlot.pxRatio;
    const pad = 12 * r, titleH = 30 * r, rowH = 18 * r;
    const out = el("canvas", { width: src.width + 2 * pad });
    const g = out.getContext("2d");
    g.font = `${12 * r}px sans-serif`;
    const bandLines = [...this.bandKey.children].flatMap((li) => wrap(g, li.textContent, src.width));
    const rows = this.plot.series.length - 1 + (this.points.size ? 1 : 0) + bandLines.length;
    out.height = titleH + src.height + rows * rowH + pad;
    g.fillStyle = "#fff";
    g.fillRect(0, 0, out.width, out.height);
    g.fillStyle = "#111";
    g.font = `bold ${14 * r}px sans-serif`;
    g.fillText(`${this.spec.title}${this.units ? ` (${this.units})` : ""}`, pad, 20 * r);
    g.drawImage(src, pad, titleH);
    g.font = `${12 * r}px sans-serif`;
    let y = titleH + src.height + rowH * 0.8;
    this.plot.series.slice(1).forEach((s, i) => {
      g.strokeStyle = this.colours[Math.floor(i / 2)];
      g.lineWidth = (i % 2 ? 1 : 2) * r;
      g.setLineDash(i % 2 ? [6 * r, 4 * r] : []);
      g.beginPath(); g.moveTo(pad, y - 4 * r); g.lineTo(pad + 24 * r, y - 4 * r); g.stroke();
      g.fillStyle = "#111";
      g.fillText(s.label, pad + 32 * r, y);
      y += rowH;
    });
    if (this.points.size) { g.fillText(this.note.textContent, pad, y); y += rowH; }
    for (const line of bandLines) { g.fillText(line, pad, y); y += rowH; }
    return new Promise((resolve) => out.toBlob(resolve, "image/png"));
  }

  // Columns of the CSV: time, each variable (this run, baseline), each data series (value, low, high).
  csvColumns() {
    const [times, ...cols] = this.data;
    const columns = [];
    this.spec.variables.forEach((name, i) => {
      columns.push({ head: name, at: new Map(times.map((t, k) => [t, cols[2 * i][k]])) });
      columns.push({ head: `${name} (baseline)`, at: new Map(times.map((t, k) => [t, cols[2 * i + 1][k]])) });
    });
    for (const [name, s] of this.points) {
      for (const [key, label] of [["values", "data"], ["low", "data low"], ["high", "data high"]]) {
        if (s[key]) columns.push({ head: `${name} (${label})`, at: new Map(s.times.map((t, k) => [t, s[key][k]])) });
      }
    }
    for (const [name, bs] of this.bands) {
      for (const b of bs) {
        for (const [key, label] of [["median", "median"], ["low", "90 % predictive low"], ["high", "90 % predictive high"],
          ["param_low", "90 % parameters low"], ["param_high", "90 % parameters high"]]) {
          columns.push({ head: `${name} (calibration ${b.calibration}, ${label})`, at: new Map(b.times.map((t, k) => [t, b[key][k]])) });
        }
      }
    }
    return { times, columns };
  }
}

// One CSV text for several panels' columns, rows on the union of their times.
export function csvText(header, panels, timeUnits) {
  const columns = [];
  const seen = new Set();
  const times = new Set();
  for (const p of panels) {
    const { times: ts, columns: cs } = p.csvColumns();
    ts.forEach((t) => times.add(t));
    for (const c of cs) {
      if (seen.has(c.head)) continue;
      seen.add(c.head);
      c.at.forEach((_, t) => times.add(t));
      columns.push(c);
    }
  }
  const lines = header.map((h) => `# ${h}`);
  lines.push([timeUnits, ...columns.map((c) => c.head)].map(csvCell).join(","));
  for (const t of [...times].sort((a, b) => a - b)) {
    lines.push([t, ...columns.map((c) => c.at.get(t))].map(csvCell).join(","));
  }
  return `${lines.join("\n")}\n`;
}
