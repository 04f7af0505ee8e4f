#!/usr/bin/env python3
"""How often each sampler draws a held-out positive as a negative: the label error ratio of
runs whose truth set is the split's validation and test items (srns train --fn-file; samplers
without SRNS memory only count it, nothing is injected), with validation NDCG@1, every sampler
started from the same pretrained model. The diagnostic behind bench/results/gan_wallclock.md:
it shows whether hard-negative samplers train the recommender against the very items it is
evaluated on (the SRNS paper's false negatives).

  bench/gan_heldout_hits.py --data runs/gan_wallclock/ml100k \\
      --init runs/gan_wallclock/ml100k-pretrain/model.bin --out bench/results/gan_heldout_hits

Each variant is NAME=srns train flags; finished runs under --work are reused.
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
VARIANTS = [
    "uniform=--sampler uniform",
    "rns-as=--sampler rns-as",
    "rns-as, G frozen (--gen-lr 1e-7)=--sampler rns-as --gen-lr 1e-7",
    "rns-as, --gen-tau 5=--sampler rns-as --gen-tau 5",
    "irgan=--sampler irgan",
    "irgan, --gen-tau 5=--sampler irgan --gen-tau 5",
    "advir, --adv-eps 0.05=--sampler advir --adv-eps 0.05",
    "srns=--sampler srns --fn-num 0",
]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--binary", default=os.path.join(ROOT, "build-cpu", "srns"))
    p.add_argument("--data", required=True, help="split directory (val.tsv, test.tsv)")
    p.add_argument("--init", required=True, help="pretrained model.bin")
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--work", default=os.path.join(ROOT, "runs", "gan_heldout_hits"))
    p.add_argument("--out", required=True, help="writes OUT.md and OUT.json")
    p.add_argument("--variant", action="append", help="NAME=flags (default: the built-in list)")
    a = p.parse_args()
    os.makedirs(a.work, exist_ok=True)
    heldout = os.path.join(a.work, "heldout.tsv")
    with open(heldout, "w") as out:
        for name in ("val.tsv", "test.tsv"):
            with open(os.path.join(a.data, name)) as f:
                out.write(f.read())
    results = {}
    for variant in a.variant or VARIANTS:
        name, flags = variant.split("=", 1)
        run = os.path.join(a.work, name.replace(" ", "_").replace(",", "").replace("(", "")
                           .replace(")", "").replace("--", ""))
        if not os.path.exists(os.path.join(run, "summary.json")):
            cmd = [a.binary, "train", "--data", a.data, "--init", a.init, "--fn-file", heldout,
                   "--epochs", str(a.epochs), "--patience", "0", "--metric", "ndcg@1",
                   "--ks", "1,3,5,10", "--threads", str(a.threads), "--progress", "off",
                   "--quiet", "--out", run] + flags.split()
            print("+ " + " ".join(cmd), flush=True)
            subprocess.run(cmd, check=True, env=dict(os.environ, OMP_WAIT_POLICY="passive"))
        with open(os.path.join(run, "epochs.jsonl")) as f:
            rows = [json.loads(line) for line in f]
        trained = [r for r in rows if r["epoch"] > 0]
        results[name] = {
            "ler_first": trained[0]["label_error_ratio"],
            "ler_last": trained[-1]["label_error_ratio"],
            "val_start": rows[0]["val"]["ndcg@1"],
            "val_last": trained[-1]["val"]["ndcg@1"],
            "val_mean_last10": sum(r["val"]["ndcg@1"] for r in trained[-10:]) / 10,
            "loss_last": trained[-1]["loss"],
            "run": os.path.relpath(run, ROOT),
        }
    lines = ["# Held-out positives drawn as negatives", "",
             f"Data `{a.data}`, start `{a.init}`, {a.epochs} epochs per run. Command: "
             f"`{' '.join(sys.argv)}`", "",
             "| sampler | held-out share of negatives, epoch 1 | last epoch | val N@1 at start | "
             "val N@1, mean of the last 10 epochs | training loss, last epoch |",
             "|---|---|---|---|---|---|"]
    for name, r in results.items():
        lines.append(f"| {name} | {100 * r['ler_first']:.2f}% | {100 * r['ler_last']:.2f}% | "
                     f"{r['val_start']:.4f} | {r['val_mean_last10']:.4f} | {r['loss_last']:.3f} |")
    with open(a.out + ".json", "w") as f:
        json.dump(results, f, indent=1)
    with open(a.out + ".md", "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
