"""Write a calibration's estimates into the module files as the parameters' default values.

Run from the repository root after `carbonloop calibrate scenarios/calibrate-history.yaml`:
    python docs/model/_apply_estimates.py outputs/history/estimates.yaml
Each estimated parameter's `value:` line in engine/modules/*.yaml is replaced (4 significant
digits); the rest of the files is left as it is. Then regenerate the pages: python docs/model/_generate.py
"""
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def apply(estimates: dict) -> list:
    done = []
    for path in sorted((ROOT / "engine" / "modules").glob("*.yaml")):
        text = path.read_text()
        for name, value in estimates.items():
            pattern = re.compile(rf"(^  {re.escape(name)}:\n    value: )([^\n]+)$", re.M)
            text, n = pattern.subn(lambda m: m.group(1) + f"{value:.4g}", text)
            if n:
                done.append(name)
        path.write_text(text)
    return done


def main(argv):
    data = yaml.safe_load(Path(argv[1]).read_text())
    done = apply(data["parameters"])
    missing = sorted(set(data["parameters"]) - set(done))
    print(f"wrote {len(done)} values" + (f"; not found: {missing}" if missing else ""))
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
