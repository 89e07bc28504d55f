"""Running generated JavaScript modules in Node.js from the tests (skipped where node is absent)."""
import base64
import json
import shutil
import subprocess

import numpy as np
import pytest

from engine.backends.javascript import module_source

NODE = shutil.which("node") or shutil.which("nodejs")
needs_node = pytest.mark.skipif(NODE is None, reason="Node.js is not installed (apt-get install nodejs; "
                                                     ".ci/run does it)")
DRIVER = """
const fs = require("fs");
const settings = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const answers = settings.map((each, i) => each.map((params) => {
  try {
    const r = MODELS[i].run(params);
    return { data: Buffer.from(r.data.buffer).toString("base64"), names: r.names };
  } catch (e) {
    return { error: String(e.message), kind: e.name };
  }
}));
process.stdout.write(JSON.stringify(answers));
"""


def run_many(jobs, tmp_path):
    """Run several plans' modules in one node process, each for its parameter settings (``jobs``:
    (plan, settings) pairs): per job, a list of records (time x variable) or, for a run that
    failed, the error's message."""
    text = "const MODELS = [];\n" + "".join(module_source(plan) + "MODELS.push(globalThis.carbonloopModel);\n"
                                           for plan, _ in jobs)
    (tmp_path / "model.js").write_text(text + DRIVER)
    (tmp_path / "settings.json").write_text(json.dumps([list(s) for _, s in jobs]))
    done = subprocess.run([NODE, str(tmp_path / "model.js"), str(tmp_path / "settings.json")],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    out = []
    for (plan, _), answers in zip(jobs, json.loads(done.stdout)):
        got = []
        for a in answers:
            if "error" in a:
                got.append(a["error"])
                continue
            assert a["names"] == plan.saved_names
            got.append(np.frombuffer(base64.b64decode(a["data"]), "<f8").reshape(plan.n_save, len(plan.saved)))
        out.append(got)
    return out


def run_js(plan, settings, tmp_path):
    """Run the plan's module in node for each parameter setting (see ``run_many``)."""
    return run_many([(plan, settings)], tmp_path)[0]


def rel_diff(a, b) -> float:
    """Largest difference relative to each variable's largest magnitude over the run."""
    scale = np.maximum(np.abs(b).max(axis=0, keepdims=True), 1e-300)
    return float(np.max(np.abs(a - b) / scale, initial=0.0))
