// Where the page's scenarios, runs, data points and loop shares come from: the app's server, or the
// data and generated model that a file written by 'carbonloop export-app' carries (no server, no network).

import { enc, getJSON, postJSON } from "./api.js";
import { decodeRun, f64 } from "./format.js";

export function serverSource() {
  return {
    kind: "server",
    scenarios: async () => (await getJSON("/api/scenarios")).scenarios,
    scenario: (name) => getJSON(`/api/scenario/${enc(name)}`),
    run: async (request) => {
      const { body, timing } = await postJSON("/api/run", { ...request, encoding: "base64" });
      return { body: decodeRun(body), timing };
    },
    data: async (name, variable) => (await getJSON(`/api/data/${enc(name)}/${enc(variable)}`)).series,
    dominance: async (name, params, variable) =>
      (await postJSON("/api/dominance", { scenario: name, params, variable })).body.dominance,
  };
}

// The model a server offers as JavaScript (carbonloop app --in-page): the module sets globalThis.carbonloopModel.
function loadModel(url) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = url;
    script.onload = () => { resolve(globalThis.carbonloopModel); script.remove(); };
    script.onerror = () => reject(new Error(`the model could not be loaded from ${url}`));
    document.head.append(script);
  });
}

// The server app with the model run in the page: a move never waits for the server; the baseline,
// data points and loop dominance still come from it.
export async function pageSource(server, meta) {
  const model = await loadModel(meta.model);
  return {
    ...server,
    kind: "page",
    run: async (request) => {
      const { params, variables, baseline } = request;
      if (!Object.keys(params).length) return server.run(request);     // the server's cached baseline
      const base = baseline.length
        ? (await server.run({ scenario: request.scenario, params: {}, variables: [], baseline })).body.baseline : {};
      const t0 = performance.now();
      const result = model.run(params);
      const ms = performance.now() - t0;
      return {
        body: { times: Array.from(model.times), values: Object.fromEntries(variables.map((n) => [n, Array.from(result.get(n))])),
          baseline: base, is_baseline: false, params },
        timing: { run: ms, total: ms },
      };
    },
  };
}

// Largest difference of a from b relative to b's largest magnitude.
function relDiff(a, b) {
  const scale = Math.max(...b.map(Math.abs), 1e-300);
  let worst = 0;
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / scale);
  return worst;
}

// bundle: {scenario, baseline: {variable: base64 float64}, data, dominance}; model: the generated module.
export function fileSource(bundle, model) {
  const meta = bundle.scenario;
  const times = Array.from(model.times);
  const own = model.run({});          // the baseline run in the page: every saved variable
  const baseline = Object.fromEntries(model.saved.map((n) => [n, Array.from(own.get(n))]));
  let check = 0;                      // the page's baseline against the engine's, where the file has it
  for (const [name, text] of Object.entries(bundle.baseline)) {
    const engine = f64(text);
    if (!name.startsWith("check:")) check = Math.max(check, relDiff(baseline[name], engine));
    baseline[name] = engine;
  }
  return {
    kind: "file",
    check,
    scenarios: async () => [{ name: meta.name, file: meta.file, description: meta.description }],
    scenario: async () => meta,
    run: async ({ params, variables, baseline: wanted }) => {
      const moved = Object.keys(params).length > 0;
      const t0 = performance.now();
      const result = moved ? model.run(params) : null;
      const ms = performance.now() - t0;
      const values = Object.fromEntries(variables.map((n) => [n, result ? Array.from(result.get(n)) : baseline[n]]));
      return {
        body: { times, values, baseline: Object.fromEntries(wanted.map((n) => [n, baseline[n]])),
          is_baseline: !moved, params },
        timing: { run: ms, total: ms },
      };
    },
    data: async (name, variable) => bundle.data[variable] || null,
    dominance: async (name, params, variable) => bundle.dominance[variable] || null,
  };
}
