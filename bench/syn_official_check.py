#!/usr/bin/env python3
"""Checks srns's --protocol syn-official against the independent numpy implementation of the
official synthetic-data code (bench/reference_syn_numpy.py): the same data, sigma file, alpha
and number of epochs, several seeds each (the two share no random numbers, so they agree in
distribution, not run for run). Reports, per epoch, the seed means of test Recall@1/3/5 and
NDCG@1/3/5 and the label error ratio of both, and their largest gap measured in the seeds' sd.

  "$(bench/python_env.sh)" bench/syn_official_check.py [--set ml-100k] [--sigma 10] \
      [--alpha 10] [--epochs 60] [--seeds 1,2,3] [--out bench/results/syn_official_check]

Runs are kept in OUT/runs (the engine's run directories, the reference's JSON lines) and
reused when present, so the check can be resumed.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.environ.get("SRNS_SHARED_DATA", os.path.join(os.path.dirname(ROOT), "shared", "data"))
KEYS = ["recall@1", "recall@3", "recall@5", "ndcg@1", "ndcg@3", "ndcg@5", "label_error_ratio"]


def engine_run(srns, split, fn, alpha, epochs, seed, out):
    if not os.path.exists(os.path.join(out, "summary.json")):
        subprocess.run([srns, "train", "--data", split, "--protocol", "syn-official", "--fn-file",
                        fn, "--alpha", str(alpha), "--epochs", str(epochs), "--seed", str(seed),
                        "--device", "cpu", "--out", out, "--quiet", "--progress", "off"],
                       check=True)
    rows = []
    with open(os.path.join(out, "epochs.jsonl")) as f:
        for line in f:
            r = json.loads(line)
            if r["epoch"] == 0:
                continue
            row = dict(r["test"])
            row["label_error_ratio"] = r.get("label_error_ratio")
            rows.append(row)
    return rows


def reference_run(python, data, fn, alpha, epochs, seed, out):
    if not os.path.exists(out):
        with open(out + ".tmp", "w") as f:
            subprocess.run([python, os.path.join(HERE, "reference_syn_numpy.py"), data, "srns", fn,
                            str(seed), str(epochs), str(alpha)], stdout=f, check=True)
        os.rename(out + ".tmp", out)
    with open(out) as f:
        lines = [json.loads(line) for line in f if line.startswith('{"epoch"')]
    return lines


def seed_stats(runs, epoch, key):
    values = [r[epoch][key] for r in runs if epoch < len(r) and r[epoch].get(key) is not None]
    if not values:
        return None, None
    return statistics.mean(values), statistics.stdev(values) if len(values) > 1 else 0.0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--set", default="ml-100k")
    p.add_argument("--sigma", default="10", help="the fn_sigma_K.tsv file's K")
    p.add_argument("--alpha", type=float, default=10.0)
    p.add_argument("--epochs", type=int, default=60)
    p.add_argument("--seeds", default="1,2,3")
    p.add_argument("--out", default=os.path.join(ROOT, "bench", "results", "syn_official_check"))
    a = p.parse_args()
    srns = os.environ.get("SRNS_BIN", os.path.join(ROOT, "build", "srns"))
    data = os.path.join(SHARED, "srns-syn", a.set)
    fn = os.path.join(data, f"fn_sigma_{a.sigma}.tsv")
    runs_dir = os.path.join(a.out, "runs")
    os.makedirs(runs_dir, exist_ok=True)
    split = os.path.join(runs_dir, f"split-{a.set}")
    if not os.path.exists(os.path.join(split, "meta.json")):
        subprocess.run([srns, "split", "--format", "ncf", "--train", f"{data}/train.tsv", "--test",
                        f"{data}/test.tsv", "--out", split], check=True, stdout=subprocess.DEVNULL)
    seeds = [int(s) for s in a.seeds.split(",")]
    tag = f"{a.set}-s{a.sigma}-a{a.alpha:g}-e{a.epochs}"
    engine = [engine_run(srns, split, fn, a.alpha, a.epochs, s, os.path.join(runs_dir, f"engine-{tag}-seed{s}"))
              for s in seeds]
    reference = [reference_run(sys.executable, data, fn, a.alpha, a.epochs, s,
                               os.path.join(runs_dir, f"reference-{tag}-seed{s}.jsonl"))
                 for s in seeds]
    gaps = {}
    lines = []
    for e in range(a.epochs):
        cells = [str(e + 1)]
        for key in KEYS:
            me, se = seed_stats(engine, e, key)
            mr, sr = seed_stats(reference, e, key)
            if me is None or mr is None:
                cells.append("-")
                continue
            pooled = ((se ** 2 + sr ** 2) / 2) ** 0.5
            gap = abs(me - mr) / pooled if pooled > 0 else 0.0
            if e >= 5:  # the first epochs move too fast for seed sds to mean much
                gaps[key] = max(gaps.get(key, 0.0), gap)
            cells.append(f"{me:.4f} / {mr:.4f}")
        lines.append(cells)
    last = max(0, a.epochs - 10)
    summary = {k: {"engine": statistics.mean(seed_stats(engine, e, k)[0] for e in range(last, a.epochs)),
                   "reference": statistics.mean(seed_stats(reference, e, k)[0] for e in range(last, a.epochs)),
                   "largest_gap_in_sd_after_epoch_5": gaps.get(k)} for k in KEYS}
    with open(os.path.join(a.out, f"{tag}.md"), "w") as f:
        f.write(f"# --protocol syn-official against the numpy reference: {a.set}, "
                f"fn_sigma_{a.sigma}, alpha {a.alpha:g}, {a.epochs} epochs, seeds {a.seeds}\n\n")
        f.write("Per epoch, seed means of the test metrics: engine / reference.\n\n")
        f.write("| epoch | " + " | ".join(KEYS) + " |\n|" + "---|" * (len(KEYS) + 1) + "\n")
        for cells in lines:
            f.write("| " + " | ".join(cells) + " |\n")
        f.write(f"\nMeans over the last 10 epochs and the largest per-epoch gap (epochs 6+), in "
                f"pooled seed sd:\n\n```\n{json.dumps(summary, indent=1)}\n```\n")
    with open(os.path.join(a.out, f"{tag}.json"), "w") as f:
        json.dump({"engine": engine, "reference": reference, "summary": summary}, f)
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
