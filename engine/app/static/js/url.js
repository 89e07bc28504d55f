// The page's state in its address, so that a view can be shared: scenario, levers moved, graphs, years.
//   ?scenario=default&price_floor=120&show=ev_fleet,ssb_cost&years=2030,2050&dominance=carbon_price
// Every key but these four is a lever's parameter.

const RESERVED = new Set(["scenario", "show", "years", "dominance"]);

export function readURL(search = window.location.search) {
  const q = new URLSearchParams(search);
  const params = {};
  for (const [k, v] of q) {
    if (!RESERVED.has(k) && v.trim() !== "" && Number.isFinite(Number(v))) params[k] = Number(v);
  }
  const list = (k) => (q.get(k) || "").split(",").map((s) => s.trim()).filter(Boolean);
  return {
    scenario: q.get("scenario"),
    params,
    show: list("show"),
    years: list("years").map(Number).filter(Number.isFinite),
    dominance: q.get("dominance"),
  };
}

export function writeURL({ scenario, params, show, years, dominance }) {
  const q = new URLSearchParams();
  q.set("scenario", scenario);
  for (const [k, v] of Object.entries(params)) q.set(k, String(v));
  if (show.length) q.set("show", show.join(","));
  if (years) q.set("years", years.join(","));
  if (dominance) q.set("dominance", dominance);
  const search = `?${q.toString().replace(/%2C/g, ",")}`;
  if (search !== window.location.search) window.history.replaceState(null, "", search);
}
