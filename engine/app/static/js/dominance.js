// The loop-dominance panel: for each time, a bar stacked from the loops' shares of the variable's behaviour.
/* global uPlot */

import { colour, el } from "./format.js";

const OTHER_COLOUR = "#adb5bd";   // the entry that groups the loops the legend does not name

function loopColour(loop, k) {
  return loop.other ? OTHER_COLOUR : colour(k);
}

function drawBars(u, payload) {
  if (!payload || payload.times.length === 0) return;
  const { ctx } = u;
  const { times, loops } = payload;
  const step = times.length > 1 ? Math.abs(u.valToPos(times[1], "x", true) - u.valToPos(times[0], "x", true)) : 20;
  const w = Math.max(1, step * 0.8);
  const { left, top, width, height } = u.bbox;
  ctx.save();
  ctx.beginPath();
  ctx.rect(left, top, width, height);
  ctx.clip();
  times.forEach((t, i) => {
    const x = u.valToPos(t, "x", true) - w / 2;
    let acc = 0;
    loops.forEach((loop, k) => {
      const s = loop.share[i];
      const h = Math.abs(s) * 100;
      if (h <= 0) return;
      const y0 = u.valToPos(acc, "y", true);
      const y1 = u.valToPos(acc + h, "y", true);
      ctx.globalAlpha = s < 0 ? 0.45 : 0.9;
      ctx.fillStyle = loopColour(loop, k);
      ctx.fillRect(x, y1, w, y0 - y1);
      acc += h;
    });
  });
  ctx.restore();
}

export class DominanceChart {
  constructor(box, legend, note, timeUnits) {
    this.box = box;
    this.legend = legend;
    this.note = note;
    this.payload = null;
    this.variable = null;              // the variable shown
    this.timeUnits = timeUnits;
    this.plot = null;
    new ResizeObserver(() => this.plot && this.plot.setSize(this.size())).observe(box);
  }

  size() {
    return { width: Math.max(this.box.clientWidth, 200), height: 200 };
  }

  // Half the spacing of the bars' times: room for the first and last bar.
  halfStep() {
    const t = this.payload ? this.payload.times : [];
    return t.length > 1 ? Math.abs(t[1] - t[0]) / 2 : 0.5;
  }

  // payload: {times, loops: [{name, polarity, share: [...]}]} or null (nothing to show)
  show(variable, payload) {
    this.variable = variable;
    this.payload = payload;
    this.legend.replaceChildren();
    if (!payload) {
      this.note.textContent = `No loop-dominance scores for ${variable}.`;
      if (this.plot) this.plot.setData([[], []]);
      return;
    }
    payload.loops.forEach((loop, k) => {
      const swatch = el("span", { class: "swatch" });
      swatch.style.background = loopColour(loop, k);
      this.legend.append(el("li", {}, swatch, `${loop.name}${loop.polarity ? ` (${loop.polarity})` : ""}`));
    });
    this.note.textContent = `Share of ${variable}'s behaviour due to each loop, from its loop scores; `
      + "a pale segment is a loop pulling against the variable's change.";
    const data = [payload.times, payload.times.map(() => null)];
    const opts = {
      ...this.size(),
      legend: { show: false },
      series: [{ label: this.timeUnits }, { label: "share", stroke: "transparent" }],
      scales: { x: { time: false, range: (u, lo, hi) => [lo - this.halfStep(), hi + this.halfStep()] },
        y: { range: [0, 100] } },
      axes: [{ label: this.timeUnits, values: (u, splits) => splits.map(String) },
        { label: "% of loop scores", size: 60 }],
      hooks: { draw: [(u) => drawBars(u, this.payload)] },
    };
    if (!this.plot) this.plot = new uPlot(opts, data, this.box);
    else this.plot.setData(data);
    this.box.dataset.run = String(Number(this.box.dataset.run) + 1);
  }
}
