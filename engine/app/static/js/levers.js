// The lever panel: one slider (or switch) per lever, grouped as the scenario declares them.

import { clean, el, fmt } from "./format.js";

export class Levers {
  // groups: [{name, levers: [{parameter, label, low, high, step, units, doc, value, switch}]}]
  // onInput(parameter, value, eventTime) is called on every move.
  constructor(container, groups, onInput) {
    this.container = container;
    this.onInput = onInput;
    this.rows = new Map();
    container.replaceChildren();
    if (!groups.length) {
      container.append(el("p", { class: "empty", text:
        "This scenario declares no levers. A 'levers:' section in the scenario file adds sliders (see docs/app.md)." }));
    }
    for (const g of groups) {
      const box = el("details", { class: "group", open: true }, el("summary", { text: g.name }));
      for (const lever of g.levers) box.append(this.row(lever));
      container.append(box);
    }
  }

  row(lever) {
    const id = `lever-${lever.parameter}`;
    const common = { id, "data-parameter": lever.parameter };
    const undo = el("button", { class: "undo", type: "button", hidden: true,
      title: `Back to the scenario's value (${fmt(lever.value)})`, text: "↺",
      "aria-label": `Reset ${lever.label}` });
    let input, num = null;
    if (lever.switch) {
      input = el("input", { ...common, type: "checkbox", class: "switch" });
    } else {
      input = el("input", { ...common, type: "range", min: lever.low, max: lever.high, step: lever.step,
        list: `${id}-ticks` });
      // the box takes any value in range (a calibrated value such as 0.173 need not be on the slider's steps)
      num = el("input", { type: "number", class: "num", min: lever.low, max: lever.high, step: "any",
        "aria-label": `${lever.label} value` });
    }
    const row = el("div", { class: "lever", dataset: { parameter: lever.parameter },
      title: `${lever.doc || ""}\n${lever.parameter}: ${fmt(lever.low)} to ${fmt(lever.high)} ${lever.units}`.trim() },
      el("div", { class: "lever-head" }, el("label", { for: id, text: lever.label }), undo),
      el("div", { class: "lever-body" }, input, num,
        lever.switch ? el("span", { class: "units", text: "off / on" }) : el("span", { class: "units", text: lever.units })));
    if (!lever.switch) {
      row.append(el("datalist", { id: `${id}-ticks` }, el("option", { value: lever.value })));
    }
    const entry = { lever, input, num, undo, row };
    this.rows.set(lever.parameter, entry);
    input.addEventListener("input", (ev) => {
      const v = lever.switch ? (input.checked ? lever.high : lever.low) : clean(input.value);
      this.show(entry, v, false);
      this.onInput(lever.parameter, v, ev.timeStamp);
    });
    if (num) {
      num.addEventListener("change", (ev) => {
        const v = Number(num.value);
        if (num.value === "" || !Number.isFinite(v) || v < lever.low || v > lever.high) {
          num.setCustomValidity(`between ${fmt(lever.low)} and ${fmt(lever.high)}`);
          num.reportValidity();
          return;
        }
        num.setCustomValidity("");
        this.show(entry, v, true);
        this.onInput(lever.parameter, v, ev.timeStamp);
      });
    }
    undo.addEventListener("click", (ev) => {
      this.show(entry, lever.value, true);
      this.onInput(lever.parameter, lever.value, ev.timeStamp);
    });
    this.show(entry, lever.value, true);
    return row;
  }

  // Show value v on a lever (the slider is moved too unless the move came from it).
  show(entry, v, moveSlider) {
    const { lever, input, num, undo, row } = entry;
    if (lever.switch) input.checked = v === lever.high;
    else if (moveSlider) input.value = v;
    if (num && document.activeElement !== num) num.value = v;
    const moved = v !== lever.value;
    row.classList.toggle("moved", moved);
    undo.hidden = !moved;
  }

  set(parameter, v) {
    const entry = this.rows.get(parameter);
    if (entry) this.show(entry, v, true);
  }
}
