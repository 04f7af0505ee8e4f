#!/usr/bin/env python3
"""Why SRNS with the MLP scorer trails Uniform (issue 8 on ML-100K, issue 14 on ML-1M): the same
tower under uniform, DNS and SRNS negatives, with the paper's sigmoid activation and with tanh.

Every run is `srns train --data DATA --model mlp --epochs E --seed 1 --threads T` with the
flags below and all else at its default (Adam lr 1e-3, reg 0.01, batch 1000). ML-100K: NCF's
tower at its default 32,16,8, the eight runs of RUNS. ML-1M (NCF split): Fig. 4(g-h)'s tower
64,32,16 and SRNS at Fig. 4(g-h)'s alpha 1, uniform and SRNS with each activation (RUNS_ML1M),
to see on the larger set whether the sigmoid is what holds SRNS back there too. The run
directories are kept under --runs (a finished run is not redone). The table gives the training
loss of the first and last epochs and the best validation NDCG@1 with its epoch.

  bench/mlp_hard_negatives.py [--data ml100k|ml1m] [--epochs 15] [--jobs 2] [--threads 1]
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

# Longest first, so that two jobs finish together.
RUNS_ML1M = [
    ("SRNS, sigmoid", ["--sampler", "srns", "--alpha", "1"]),
    ("SRNS, tanh", ["--sampler", "srns", "--alpha", "1", "--mlp-activation", "tanh"]),
    ("uniform, sigmoid", ["--sampler", "uniform"]),
    ("uniform, tanh", ["--sampler", "uniform", "--mlp-activation", "tanh"]),
]
# --data -> (runner.DATASETS key, the runs, flags every run takes, the results' name)
SETS = {
    "ml100k": ("ml100k", RUNS, [], "mlp_hard_negatives"),
    "ml1m": ("ml1m", RUNS_ML1M, ["--mlp-layers", "64,32,16"], "mlp_hard_negatives_ml1m"),
}


def run(binary, data, flags, out, epochs, threads):
    if os.path.exists(os.path.join(out, "summary.json")):
        return
    if os.path.exists(out):
        subprocess.run(["rm", "-rf", out], check=True)
    cmd = [binary, "train", "--data", data, "--model", "mlp", "--epochs", str(epochs),
           "--seed", "1", "--threads", str(threads), "--progress", "off", "--quiet",
           "--out", out] + flags
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", choices=sorted(SETS), default="ml100k")
    p.add_argument("--epochs", type=int, default=15)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--threads", type=int, default=1, help="threads per run")
    p.add_argument("--runs", help="run directories (default bench/results/raw/NAME)")
    p.add_argument("--out", help="results without extension (default bench/results/NAME)")
    a = p.parse_args()
    key, runs, common_flags, name = SETS[a.data]
    runs = [(label, common_flags + flags) for label, flags in runs]
    a.runs = a.runs or os.path.join(HERE, "results", "raw", name)
    a.out = a.out or os.path.join(HERE, "results", name)
    binary = runner.srns_binary()
    data = runner.prepare(key)
    os.makedirs(a.runs, exist_ok=True)
    dirs = {label: os.path.join(a.runs, label.replace(", ", "-").replace(" ", "_"))
            for label, _ in runs}
    with concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs) as pool:
        for f in [pool.submit(run, binary, data, flags, dirs[label], a.epochs, a.threads)
                  for label, flags in runs]:
            f.result()
    rows = []
    lines = ["| negatives, activation | loss, epoch 1 | loss, last epoch | best val NDCG@1 (epoch) |"
             " val NDCG@1, last epoch |", "|---|---|---|---|---|"]
    for label, flags in runs:
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
        json.dump({"command": " ".join(sys.argv), "data": a.data, "epochs": a.epochs,
                   "runs": rows}, f, indent=2)
    with open(a.out + ".md", "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
