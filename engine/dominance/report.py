"""Plain-text reports of an analysis: how the loops were found, dominant periods, the strongest
loops, and for an ensemble each loop's share of runs dominant."""
from __future__ import annotations

import numpy as np


def _pct(x) -> str:
    return "-" if x is None else f"{x * 100:.1f}%"


def discovery_lines(d) -> list:
    """One line per partition: its stocks, and how its loops were found."""
    out = []
    for f, part in zip(d.found, d.partitions):
        n = len(part.stocks)
        head = f"P{part.number} ({n} stock{'s' if n > 1 else ''}: {part.describe(4)})"
        if f.method == "exhaustive":
            out.append(f"{head}: all {f.found} loops")
            continue
        total = f"the partition has {f.total:,}" if f.total is not None else "too many to count"
        line = (f"{head}: more than {d.options.cap:,} loops ({total}); the strongest-path search "
                f"found {f.found:,} in {f.searches} searches, {f.kept:,} reaching "
                f"{d.options.min_share:.1%} at some time")
        if f.declared:
            line += f", plus {len(f.declared)} the model names"
        if f.share_mean is not None:
            line += (f"; they explain {_pct(f.share_mean)} of the change on average "
                     f"(least {_pct(f.share_min)})")
        out.append(line)
    return out


def periods_text(d, run: int = 0) -> str:
    """The dominant periods of every partition (one run) as a table."""
    df = d.periods(run)
    lines = [f"{'partition':<10}{'from':>9}{'to':>9}  dominant loops (mean relative score)"]
    for _, r in df.iterrows():
        names = f"   [{r['names']}]" if r["names"] else ""
        lines.append(f"{r['partition']:<10}{r['start']:>9g}{r['end']:>9g}  {r['scores'] or r['dominant']}{names}")
    return "\n".join(lines)


def cited(d, run: int = 0) -> set:
    """Indices of the loops the printed period table (one run) or shares table (an ensemble) cites."""
    if d.n_runs > 1:
        share = d.dominant.mean(axis=2)
        return set(sorted(range(len(d.loops)), key=lambda i: -share[i].mean())[:SHARES_TOP])
    from .periods import periods
    return {i for p in periods(d.dominant, d.signed, d.magnitude, d.spans, d.groups, d.partitions, run)
            for i in p.loops}


def loops_text(d, top: int = 10, also=()) -> str:
    """The strongest loops of each partition (and every loop of ``also``, indices of loops another
    table cites): label, polarity (confidence), mean share, path; then how many are not shown and
    where every loop is listed."""
    also = set(also)
    width = max([6] + [len(lp.label) + 2 for lp in d.loops])
    lines = [f"{'loop':<{width}}{'polarity':<10}{'conf.':>6}{'share':>8}  path"]
    for part in d.partitions:
        loops = sorted((lp for lp in d.loops if lp.partition == part.number), key=lambda lp: -lp.importance)
        shown = [lp for k, lp in enumerate(loops) if k < top or lp.index in also]
        for lp in shown:
            path = lp.path()
            path = path if len(path) < 110 else path[:107] + "..."
            lines.append(f"{lp.label:<{width}}{lp.polarity or 'inact.':<10}{lp.confidence:>6.2f}"
                         f"{lp.importance * 100:>7.1f}%  {path}")
        if len(loops) > len(shown):
            lines.append(f"{'':<{width}}... and {len(loops) - len(shown)} more loops in P{part.number} "
                         "(every loop with its label: loops.csv beside dominance.h5)")
    return "\n".join(lines)


SHARES_TOP = 8


def shares_text(d, top: int = SHARES_TOP, columns: int = 8) -> str:
    """For an ensemble: the share of runs in which each strong loop dominates, at a few bins."""
    share = d.dominant.mean(axis=2)
    order = sorted(range(len(d.loops)), key=lambda i: -share[i].mean())[:top]
    cols = np.unique(np.linspace(0, share.shape[1] - 1, min(columns, share.shape[1])).round().astype(int))
    width = max([8] + [len(d.loops[i].label) + 2 for i in order])
    head = f"{'loop':<{width}}" + "".join(f"{d.spans[c, 0]:>8g}" for c in cols) + "  path"
    lines = [f"share of {d.n_runs} runs in which each loop is dominant, by period starting at:", head]
    for i in order:
        lp = d.loops[i]
        lines.append(f"{lp.label:<{width}}" + "".join(f"{share[i, c] * 100:>7.0f}%" for c in cols)
                     + f"  {lp.path()[:60]}")
    return "\n".join(lines)
