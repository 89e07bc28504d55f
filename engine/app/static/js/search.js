// Finding a variable by name or description, to add its graph.

import { el } from "./format.js";

const SHOWN = 20;

// variables: [{name, kind, units, doc}]; every word of the query must appear in the name or doc.
export function matches(variables, query) {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return [];
  const hits = variables.filter((v) => {
    const text = `${v.name} ${v.doc}`.toLowerCase();
    return words.every((w) => text.includes(w));
  });
  const q = query.toLowerCase().trim();
  const rank = (v) => (v.name === q ? 0 : v.name.startsWith(q) ? 1 : v.name.includes(q) ? 2 : 3);
  return hits.sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name)).slice(0, SHOWN);
}

export class Search {
  constructor(input, list, onPick) {
    this.input = input;
    this.list = list;
    this.onPick = onPick;
    this.variables = [];
    this.active = -1;
    input.addEventListener("input", () => this.refresh());
    input.addEventListener("keydown", (ev) => this.key(ev));
    input.addEventListener("blur", () => setTimeout(() => this.close(), 150));
  }

  setVariables(variables) {
    this.variables = variables;
    this.close();
  }

  refresh() {
    const found = matches(this.variables, this.input.value);
    this.active = found.length ? 0 : -1;
    this.list.replaceChildren(...found.map((v, i) => el("li", {
      role: "option", dataset: { name: v.name }, "aria-selected": i === 0 ? "true" : "false",
      onmousedown: (ev) => { ev.preventDefault(); this.pick(v.name); },
    }, el("b", { text: v.name }), el("span", { text: ` ${v.units ? `[${v.units}] ` : ""}${v.doc || ""}` }))));
    this.list.hidden = !found.length;
    this.input.setAttribute("aria-expanded", String(!this.list.hidden));
  }

  key(ev) {
    const items = [...this.list.children];
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      if (!items.length) return;
      ev.preventDefault();
      this.active = (this.active + (ev.key === "ArrowDown" ? 1 : -1) + items.length) % items.length;
      items.forEach((li, i) => li.setAttribute("aria-selected", i === this.active ? "true" : "false"));
    } else if (ev.key === "Enter" && this.active >= 0 && items[this.active]) {
      ev.preventDefault();
      this.pick(items[this.active].dataset.name);
    } else if (ev.key === "Escape") {
      this.close();
    }
  }

  pick(name) {
    this.input.value = "";
    this.close();
    this.onPick(name);
  }

  close() {
    this.list.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
  }
}
