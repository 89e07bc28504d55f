// Numbers as the page shows them, and small helpers shared by the page's parts.

const fourDigits = new Intl.NumberFormat("en-US", { maximumSignificantDigits: 4 });

// A value with 4 significant digits ("1,234", "0.1235", "1.235e+8").
export function fmt(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e7 || a < 1e-3)) return v.toExponential(3);
  return fourDigits.format(v);
}

// Change of `cur` from `base` in percent of |base| (as 'carbonloop compare' prints it), or null.
export function change(cur, base) {
  if (!Number.isFinite(cur) || !Number.isFinite(base) || base === 0) return null;
  return ((cur - base) / Math.abs(base)) * 100;
}

export function fmtChange(pct) {
  if (pct === null) return "–";
  const r = Math.round(pct * 10) / 10;
  return `${r > 0 ? "+" : r < 0 ? "−" : "±"}${Math.abs(r).toFixed(1)}%`;
}

// Index of the saved time nearest to t (the first of equals, as Result.at does).
export function nearest(times, t) {
  let best = 0;
  for (let i = 1; i < times.length; i++) {
    if (Math.abs(times[i] - t) < Math.abs(times[best] - t)) best = i;
  }
  return best;
}

// A lever value as a clean number (slider values such as 0.30000000000000004 -> 0.3).
export function clean(x) {
  return Number(Number(x).toPrecision(12));
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(node.dataset, v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

const PALETTE = ["#1f6fb4", "#d9480f", "#2b8a3e", "#862e9c", "#c2255c", "#0b7285", "#e67700",
  "#5c940d", "#364fc7", "#a61e4d"];

export function colour(i) {
  return PALETTE[i % PALETTE.length];
}

export function download(name, blob) {
  const a = el("a", { href: URL.createObjectURL(blob), download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

export function csvCell(v) {
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "";
  if (v === null || v === undefined) return "";
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

// The numbers of a base64 text of little-endian float64 bytes (how the page asks /api/run for arrays).
export function f64(text) {
  const bin = atob(text);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return Array.from(new Float64Array(bytes.buffer));
}

const decodeAll = (m) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, f64(v)]));

// An /api/run answer asked for with encoding "base64", with its arrays decoded.
export function decodeRun(body) {
  return { ...body, times: f64(body.times), values: decodeAll(body.values), baseline: decodeAll(body.baseline) };
}

// Resolves once the browser has produced the next frame: a task posted from the frame's animation
// callback runs after that frame's style, layout, paint and commit (the rendering of one frame is one
// task), so what was drawn before the call is in the frame handed to the compositor by then.
export const frameProduced = () => new Promise((resolve) => requestAnimationFrame(() => {
  const channel = new MessageChannel();
  channel.port1.onmessage = () => { channel.port1.close(); resolve(); };
  channel.port2.postMessage(null);
}));
