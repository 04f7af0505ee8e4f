"""Table 3: every sampler on ML-1M (NCF split) and ML-100K, best model's test metrics.

The paper's protocol (studies/common.py): at most 400 epochs, patience 100 on validation
NDCG@1, the best model tested over the split's negatives and fresh draws, 3 seeds. Each
sampler's key hyper-parameter is chosen on validation from a small grid, with seed 1 (the
paper's Appendix B.4, which holds its grids, is not available here; the grids are GRID below):
the value with the best validation NDCG@1 is then run with seeds 2 and 3 (its seed-1 run is
the grid's). The GAN samplers (RNS-AS, IRGAN, AdvIR) start from the same seed's Uniform run
(`--init`), as the paper does for RNS-AS and AdvIR; the others start from random models.
GMF, F = 32, Adam lr 1e-3, batch 1000, reg 0.01 (ENMF: its own optimiser defaults).
"""
import json
import os

import report as rp
import runner
from studies import _common as common

DATASETS = ("ml1m", "ml100k")
SEEDS = (1, 2, 3)
# sampler -> (flag, values) searched with seed 1; None: nothing to choose.
GRID = {
    "uniform": None,
    "popularity": ("--popularity-exponent", ("0.25", "0.5", "0.75", "1")),
    "dns": ("--dns-candidates", ("4", "8", "16")),
    "aobpr": ("--aobpr-lambda", ("0.01", "0.05", "0.2")),
    "enmf": ("--enmf-c0", ("0.05", "0.1", "0.3")),
    "rns-as": ("--gen-lr", ("1e-4", "1e-3")),
    "irgan": ("--gen-lr", ("1e-4", "1e-3")),
    "advir": ("--adv-eps", ("0.01", "0.05", "0.1")),
    "srns": ("--alpha", ("1", "5", "10")),
}
GAN = ("rns-as", "irgan", "advir")


def run_for(data, sampler, value, seed):
    """The run of `sampler` on `data` with grid value `value` (None: no grid) and `seed`."""
    args = ["--sampler", sampler] + common.PROTOCOL
    grid = GRID[sampler]
    if grid:
        args += [grid[0], value]
    if sampler in GAN:
        uniform = run_for(data, "uniform", None, seed)
        args += ["--init", os.path.join(uniform.dir, "model.bin")]
    name = f"{data}-{sampler}" + (f"-{value}" if grid else "") + f"-seed{seed}"
    return runner.Run("table3", name, data, args, seed,
                      {"data": data, "sampler": sampler, "value": value or ""})


def _best_val(run):
    """Best validation NDCG@1 of a finished run; None where only a committed row older than
    that column remains."""
    if run.has_records():
        with open(os.path.join(run.dir, "summary.json")) as f:
            return json.load(f).get("best_val", {}).get("ndcg@1", float("-inf"))
    return common.committed_row(run)["val_ndcg1"]


def chosen(data, sampler):
    """The grid value with the best validation NDCG@1 (seed 1), or None until all are done.
    Where the seed-1 runs' validation is no longer known (their directories are not on this
    machine and their committed rows predate the column), the choice made then: the one value
    whose seed-2 run exists."""
    grid = GRID[sampler]
    if not grid:
        return None
    runs = [run_for(data, sampler, v, 1) for v in grid[1]]
    if not all(r.done() for r in runs):
        return None
    vals = [_best_val(r) for r in runs]
    if None in vals:
        later = [v for v in grid[1] if run_for(data, sampler, v, 2).done()]
        return later[0] if len(later) == 1 else None
    return grid[1][vals.index(max(vals))]


def runs():
    out = []
    for data in DATASETS:
        for s in SEEDS:
            out.append(run_for(data, "uniform", None, s))
        for sampler, grid in GRID.items():
            if not grid:
                continue
            out += [run_for(data, sampler, v, 1) for v in grid[1]]
            value = chosen(data, sampler)
            if value is not None:
                out += [run_for(data, sampler, value, s) for s in SEEDS[1:]]
    return out


def report(runs, out):
    rows = [common.row(r) for r in runs]
    rp.write_csv(os.path.join(out, "runs.csv"), rows)
    final = [r for r in rows
             if GRID[r["sampler"]] is None or r["value"] == chosen(r["data"], r["sampler"])]
    with open(os.path.join(out, "table.md"), "w") as f:
        f.write("# Table 3: test metrics of the best model (mean ± sd over seeds x negative "
                f"draws, {common.NEG_DRAWS} draws per seed)\n\n")
        for data in DATASETS:
            part = [r for r in final if r["data"] == data]
            if not part:
                continue
            f.write(f"## {runner.DATASETS[data][0]}\n\n")
            paper = (lambda key: common.PAPER_ML1M.get(key[0])) if data == "ml1m" else None
            f.write(common.table(part, ("sampler", "value"), paper) + "\n")
        f.write("Grid (seed 1, validation NDCG@1): " + "; ".join(
            f"{s} {g[0]} {'/'.join(g[1])}" for s, g in GRID.items() if g) + "\n")
        f.write("\nRows above appear once a sampler's grid and its seeds 2 and 3 are done. The "
                "seed-1 runs finished so far, the grid's choice marked:\n\n")
        for data in DATASETS:
            seed1 = [r for r in runs if r.tags["data"] == data and r.seed == 1]
            if seed1:
                f.write(f"### {data}, seed 1\n\n" + _seed1_table(seed1) + "\n")


def _seed1_table(runs):
    """Validation and test NDCG@1 of seed-1 runs (the grid), the chosen value starred; test N@1
    is the split's own negatives (draw 0). Validation is "-" where only a committed row older
    than that column remains."""
    lines = ["| sampler | value | val N@1 | test N@1 | test N@1 over draws | best epoch / run |",
             "|---|---|---|---|---|---|"]
    for r in runs:
        row = common.row(r)
        sampler, value = r.tags["sampler"], r.tags["value"]
        star = " *" if GRID[sampler] and value == chosen(r.tags["data"], sampler) else ""
        test = row["ndcg@1_draws"][0] if row["ndcg@1_draws"] else None
        lines.append(f"| {sampler} | {value}{star} | {_f4(row['val_ndcg1'])} | {_f4(test)} | "
                     f"{rp.fmt(*rp.mean_sd(row['ndcg@1_draws']))} | "
                     f"{row['best_epoch']} / {row['epochs']} |")
    return "\n".join(lines) + "\n"


def _f4(x):
    return "-" if x is None else f"{x:.4f}"
