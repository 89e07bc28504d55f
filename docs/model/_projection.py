"""Draw the flagship's projection bands to 2060 from the posterior sweep (docs/model/calibration.md).

Run from the repository root after the calibration and the sweep:
    carbonloop calibrate scenarios/calibrate-history.yaml
    carbonloop sweep scenarios/sweep-posterior.yaml
    python docs/model/_projection.py outputs/default-posterior/sweep.h5 docs/model/calibration/projection.png
Prints the 5 / 50 / 95 % quantiles of the sweep's metrics.
"""
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from engine.sweeps.result import SweepResult  # noqa: E402

PANELS = [("carbon_price", "carbon price (yuan/t)"), ("nev_sales_share", "NEV share of sales"),
          ("liion_cost", "Li-ion pack cost ($/kWh)"), ("covered_emissions", "covered emissions (Mt/year)")]


def main(argv):
    res = SweepResult(argv[1])
    fig, axes = plt.subplots(1, len(PANELS), figsize=(4.0 * len(PANELS), 3.0))
    for ax, (name, title) in zip(axes, PANELS):
        traj = res.trajectory(name)
        t = res.times
        q = np.quantile(traj, [0.05, 0.5, 0.95], axis=1)
        ax.fill_between(t, q[0], q[2], alpha=0.25, label="90 % of posterior draws")
        ax.plot(t, q[1], label="median")
        ax.set_title(title, fontsize=9)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    fig.subplots_adjust(left=0.05, right=0.99, bottom=0.12, top=0.88, wspace=0.3)
    fig.savefig(argv[2], dpi=100)
    m = res.metrics()
    for col in m.columns:
        q = np.quantile(m[col], [0.05, 0.5, 0.95])
        print(f"{col}: 5 % {q[0]:.4g}, median {q[1]:.4g}, 95 % {q[2]:.4g}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
