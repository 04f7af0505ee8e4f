#!/usr/bin/env python3
"""Why SRNS with the MLP scorer does not learn on ML-100K (issue 8): the same tower under
uniform, DNS and SRNS negatives, with the paper's sigmoid activation and with tanh.

Every run is `srns train --data ML100K --model mlp --epochs E --seed 1 --threads 1` with the
flags below and all else at its default (tower 32,16,8, Adam lr 1e-3, reg 0.01, batch 1000);
the run directories are kept under --runs (a finished run is not redone). The table gives the
training loss of the first and last epochs and the best validation NDCG@1 with its epoch.

  bench/mlp_hard_negatives.py [--epochs 15] [--jobs 2] [--out bench/results/mlp_hard_negatives]
"""
import argparse
import concurrent.futures
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, "experiments"))
import runner  # noqa: E402  (the ML-100K split, made once)

RUNS = [
    ("uniform, sigmoid", ["--sampler", "uniform"]),
    ("DNS, sigmoid", ["--sampler", "dns"]),
    ("SRNS, sigmoid", ["--sampler", "srns"]),
    ("SRNS, sigmoid, lr 1e-2", ["--sampler", "srns", "--lr", "0.01"]),
    ("SRNS, relu", ["--sampler", "srns", "--mlp-activation", "relu"]),
    ("uniform, tanh", ["--sampler", "uniform", "--mlp-activation", "tanh"]),
    ("DNS, tanh", ["--sampler", "dns", "--mlp-activation", "tanh"]),
    ("SRNS, tanh", ["--sampler", "srns", "--mlp-activation", "tanh"]),
]


def run(binary, data, flags, out, epochs):
    if os.path.exists(os.path.join(out, "summary.json")):
        return
    if os.path.exists(out):
        subprocess.run(["rm", "-rf", out], check=True)
    cmd = [binary, "train", "--data", data, "--model", "mlp", "--epochs", str(epochs),
           "--seed", "1", "--threads", "1", "--progress", "off", "--quiet", "--out", out] + flags
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--epochs", type=int, default=15)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--runs", default=os.path.join(HERE, "results", "raw", "mlp_hard_negatives"))
    p.add_argument("--out", default=os.path.join(HERE, "results", "mlp_hard_negatives"))
    a = p.parse_args()
    binary = runner.srns_binary()
    data = runner.prepare("ml100k")
    os.makedirs(a.runs, exist_ok=True)
    dirs = {label: os.path.join(a.runs, label.replace(", ", "-").replace(" ", "_"))
            for label, _ in RUNS}
    with concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs) as pool:
        for f in [pool.submit(run, binary, data, flags, dirs[label], a.epochs)
                  for label, flags in RUNS]:
            f.result()
    rows = []
    lines = ["| negatives, activation | loss, epoch 1 | loss, last epoch | best val NDCG@1 (epoch) |"
             " val NDCG@1, last epoch |", "|---|---|---|---|---|"]
    for label, flags in RUNS:
        with open(os.path.join(dirs[label], "epochs.jsonl")) as f:
            epochs = [json.loads(x) for x in f if x.strip()]
        trained = [e for e in epochs if "loss" in e]
        best = max(trained, key=lambda e: e["val"]["ndcg@1"])
        row = {"run": label, "flags": flags, "loss_first": trained[0]["loss"],
               "loss_last": trained[-1]["loss"], "best_val_ndcg1": best["val"]["ndcg@1"],
               "best_epoch": best["epoch"], "last_val_ndcg1": trained[-1]["val"]["ndcg@1"]}
        rows.append(row)
        lines.append(f"| {label} | {row['loss_first']:.4f} | {row['loss_last']:.4f} | "
                     f"{row['best_val_ndcg1']:.4f} ({row['best_epoch']}) | "
                     f"{row['last_val_ndcg1']:.4f} |")
    with open(a.out + ".json", "w") as f:
        json.dump({"command": " ".join(sys.argv), "epochs": a.epochs, "runs": rows}, f, indent=2)
    with open(a.out + ".md", "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
