"""Why SRNS collapses at S1 = 32 on ML-1M (Fig. 4(d-f)): 12-epoch runs that separate the causes.

In the S1 study (fig4_s1) both SRNS criteria collapse at S1 = 32: the training loss sits at
ln 2 from the first epoch (every positive scored like its chosen negative) and validation
NDCG@1 falls below a random ranking. Each run here changes one thing against SRNS at S1 = 32
with the engine's defaults (the study's run, its first 12 epochs):
  dns-32 / dns-8        DNS, the hardest of 32 (or 8) fresh uniform candidates: no memory
  srns-s1_32-flat       alpha from epoch 0 (flat schedule) instead of alpha * t / T0
  srns-s1_32-reg0       no L2 term
  srns-s1_32-lr1e-4     Adam's learning rate 1e-4 instead of 1e-3
  srns-s1_32-pretrained starting from 10 epochs of Uniform (uniform-10) instead of random
One seed, GMF F = 32, validation NDCG@1 over the split's sampled negatives every epoch.
"""
import os

import report as rp
import runner

COMMON = ["--patience", "0", "--metric", "ndcg@1", "--ks", "1,3,10"]
SRNS32 = ["--sampler", "srns", "--s1", "32"]
SHOWN = (1, 2, 4, 8, 12)  # epochs in the table


def _run(name, args, epochs=12):
    return runner.Run("s1_collapse", name, "ml1m", args + ["--epochs", str(epochs)] + COMMON, 1,
                      {"run": name}, full_eval=False)


def runs():
    uniform = _run("uniform-10", ["--sampler", "uniform"], epochs=10)
    return [
        _run("srns-s1_32", SRNS32),
        _run("dns-32", ["--sampler", "dns", "--dns-candidates", "32"]),
        _run("dns-8", ["--sampler", "dns", "--dns-candidates", "8"]),
        _run("srns-s1_32-flat", SRNS32 + ["--alpha-schedule", "flat"]),
        _run("srns-s1_32-reg0", SRNS32 + ["--reg", "0"]),
        _run("srns-s1_32-lr1e-4", SRNS32 + ["--lr", "1e-4"]),
        uniform,
        _run("srns-s1_32-pretrained", SRNS32 + ["--init", os.path.join(uniform.dir, "model.bin")]),
    ]


def report(runs, out):
    lines, series, rows = [], [], []
    for r in runs:
        if r.name == "uniform-10":
            continue
        ep = runner.load(r)["epochs"]
        by = {e["epoch"]: e for e in ep}
        cells = [r.name]
        for t in SHOWN:
            e = by.get(t)
            cells.append(f"{e['loss']:.4f} / {e['val']['ndcg@1']:.3f}" if e else "-")
        lines.append(cells)
        series.append((r.name, [e["epoch"] for e in ep], [e["val"]["ndcg@1"] for e in ep]))
        rows += [{"run": r.name, "epoch": e["epoch"], "loss": e.get("loss"),
                  "val_ndcg@1": e["val"]["ndcg@1"], "seconds": e.get("seconds")} for e in ep]
    rp.write_csv(os.path.join(out, "epochs.csv"), rows)
    with open(os.path.join(out, "table.md"), "w") as f:
        f.write("# SRNS at S1 = 32 on ML-1M: training loss / validation NDCG@1 by epoch\n\n"
                "(ln 2 = 0.6931: positive and negative scored alike; a random ranking of the 100 "
                "items has NDCG@1 0.010)\n\n")
        f.write(rp.markdown_table(["run"] + [f"epoch {t}" for t in SHOWN], lines))
    rp.plot_lines(os.path.join(out, "val_ndcg1.png"),
                  "SRNS at S1 = 32, ML-1M: validation NDCG@1 by epoch", series, "epoch",
                  "validation NDCG@1")
