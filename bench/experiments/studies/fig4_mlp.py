"""Fig. 4(g-h): Uniform and SRNS with GMF and with an MLP scorer on ML-1M (NCF split).

The MLP is NCF's tower with the paper's sigmoid activation (`--model mlp --mlp-layers
64,32,16`); GMF is F = 32. The paper's real-data protocol (studies/common.py), 3 seeds.
The GMF runs are Table 3's (the same commands: Uniform, and SRNS with the alpha Table 3's grid
chose on validation), run or reused from its folder; the MLP's SRNS takes that alpha too.
"""
import os

import report as rp
import runner
from studies import _common as common
from studies import table3

MLP = ["--model", "mlp", "--mlp-layers", "64,32,16"]
SAMPLERS = ("uniform", "srns")
SEEDS = (1, 2, 3)


def _tagged(run, model, sampler):
    run.tags = {"model": model, "sampler": sampler}
    return run


def runs():
    alpha = table3.chosen("ml1m", "srns")  # None until Table 3's ML-1M SRNS grid is done
    out = []
    for s in SAMPLERS:
        if s == "srns" and alpha is None:
            continue
        grid_value = alpha if s == "srns" else None
        extra = ["--alpha", alpha] if s == "srns" else []
        for seed in SEEDS:
            out.append(_tagged(table3.run_for("ml1m", s, grid_value, seed), "gmf", s))
            out.append(_tagged(runner.Run("fig4_mlp", f"mlp-{s}-seed{seed}", "ml1m",
                                          ["--sampler", s] + MLP + extra + common.PROTOCOL,
                                          seed, {}), "mlp", s))
    return out


def report(runs, out):
    rows = common.report_table(runs, out, "Fig. 4(g-h): GMF and MLP, Uniform and SRNS, ML-1M (NCF split)", ("model", "sampler"))
