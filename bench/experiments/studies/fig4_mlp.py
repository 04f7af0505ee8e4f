"""Fig. 4(g-h): Uniform and SRNS with GMF and with an MLP scorer on ML-1M (NCF split).

The MLP is NCF's tower with the paper's sigmoid activation (`--model mlp --mlp-layers
64,32,16`); GMF is F = 32. The paper's real-data protocol (studies/common.py), 3 seeds.
"""
import os

import report as rp
import runner
from studies import _common as common

MODELS = {"gmf": ["--model", "gmf"], "mlp": ["--model", "mlp", "--mlp-layers", "64,32,16"]}
SAMPLERS = ("uniform", "srns")
SEEDS = (1, 2, 3)


def runs():
    return [runner.Run("fig4_mlp", f"{model}-{s}-seed{seed}", "ml1m",
                       ["--sampler", s] + a + common.PROTOCOL, seed,
                       {"model": model, "sampler": s})
            for model, a in MODELS.items() for s in SAMPLERS for seed in SEEDS]


def report(runs, out):
    rows = common.report_table(runs, out, "Fig. 4(g-h): GMF and MLP, Uniform and SRNS, ML-1M (NCF split)", ("model", "sampler"))
