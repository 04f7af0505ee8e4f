"""Fig. 4(d-f): test NDCG against SRNS's memory size S1 on ML-1M (NCF split).

S1 in {4, 8, 16, 32, 64} for variance-based SRNS (the engine's defaults: alpha 5, T0 50,
increasing), difficulty-only (alpha 0) and random-from-memory (memory-random), the paper's
real-data protocol (studies/common.py), 3 seeds. S2 stays 64 (the memory refresh draws S2 new
pool slots at every refresh).
"""
import os

import report as rp
import runner
from studies import _common as common

S1 = (4, 8, 16, 32, 64)
METHODS = {"variance": ["--sampler", "srns"], "difficulty": ["--sampler", "srns", "--alpha", "0"],
           "random": ["--sampler", "memory-random"]}
SEEDS = (1, 2, 3)


def runs():
    return [runner.Run("fig4_s1", f"{m}-s1_{s1}-seed{seed}", "ml1m",
                       a + ["--s1", str(s1)] + common.PROTOCOL, seed,
                       {"method": m, "s1": s1})
            for m, a in METHODS.items() for s1 in S1 for seed in SEEDS]


def report(runs, out):
    rows = common.report_table(runs, out, "Fig. 4(d-f): test metrics against S1, ML-1M (NCF split)", ("method", "s1"))
    series = []
    for m in METHODS:
        pts = sorted((r["s1"], r["ndcg@1"]) for r in rows if r["method"] == m)
        by = rp.group([{"s1": s, "v": v} for s, v in pts], ("s1",))
        xs = [k[0] for k in by]
        series.append((m, xs, [rp.mean_sd([x["v"] for x in by[(s,)]])[0] for s in xs]))
    rp.plot_lines(os.path.join(out, "ndcg1_vs_s1.png"),
                  f"Test NDCG@1 against S1, ML-1M (device: {rp.short_device(rows[0]['device'])})", series,
                  "S1", "test NDCG@1 (mean over seeds and draws)")
