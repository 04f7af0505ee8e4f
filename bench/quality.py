#!/usr/bin/env python3
"""Quality benchmark: train each sampler with several seeds on one split and report test
metrics as mean ± sd, with the mean best epoch.

Every run is a plain `srns train` whose run directory (config.json, epochs.jsonl,
summary.json) is kept under --runs, so each figure can be traced to its run.

Example (the ML-100K acceptance protocol of issue 2):
  srns split --input ../shared/data/ml-100k/u.data --min-rating 4 --out ml100k
  bench/quality.py --data ml100k --samplers uniform,srns --seeds 1-5 --epochs 300 \
      --patience 100 --out bench/results/ml100k_quality
"""
import argparse
import concurrent.futures as futures
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def parse_seeds(text):
    seeds = []
    for part in text.split(","):
        if "-" in part:
            lo, hi = part.split("-")
            seeds.extend(range(int(lo), int(hi) + 1))
        else:
            seeds.append(int(part))
    return seeds


def run_one(binary, data, sampler, seed, runs_dir, extra, threads):
    out = os.path.join(runs_dir, f"{sampler}-seed{seed}")
    summary_path = os.path.join(out, "summary.json")
    if os.path.exists(summary_path):  # resume: a finished run is never redone
        with open(summary_path) as f:
            return sampler, seed, json.load(f), 0.0
    cmd = [binary, "train", "--data", data, "--sampler", sampler, "--seed", str(seed),
           "--threads", str(threads), "--out", out, "--quiet", "--progress", "off"] + extra
    start = time.time()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr}")
    with open(summary_path) as f:
        return sampler, seed, json.load(f), time.time() - start


def mean_sd(values):
    if len(values) < 2:
        return values[0], 0.0
    return statistics.mean(values), statistics.stdev(values)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", required=True, help="split directory")
    p.add_argument("--samplers", default="uniform,srns")
    p.add_argument("--seeds", default="1-5", help="e.g. 1-5 or 1,2,7")
    p.add_argument("--epochs", type=int, default=300)
    p.add_argument("--patience", type=int, default=100)
    p.add_argument("--metrics", default="ndcg@1,ndcg@3,recall@3")
    p.add_argument("--jobs", type=int, default=max(1, os.cpu_count() or 1))
    p.add_argument("--threads", type=int, default=1, help="threads per run")
    p.add_argument("--binary", default=os.path.join(ROOT, "build", "srns"))
    p.add_argument("--out", required=True, help="results prefix: writes OUT.json and OUT.md; runs in OUT-runs/")
    p.add_argument("extra", nargs="*", help="extra srns train flags (after --)")
    a = p.parse_args()

    runs_dir = a.out + "-runs"
    os.makedirs(runs_dir, exist_ok=True)
    extra = ["--epochs", str(a.epochs), "--patience", str(a.patience)] + a.extra
    samplers = a.samplers.split(",")
    seeds = parse_seeds(a.seeds)
    metrics = a.metrics.split(",")
    results = {s: [] for s in samplers}
    with futures.ThreadPoolExecutor(max_workers=a.jobs) as pool:
        jobs = [pool.submit(run_one, a.binary, a.data, s, seed, runs_dir, extra, a.threads)
                for seed in seeds for s in samplers]
        for job in futures.as_completed(jobs):
            sampler, seed, summary, secs = job.result()
            results[sampler].append((seed, summary))
            print(f"{sampler:8s} seed {seed:3d}: best epoch {summary['best_epoch']:4d}  " +
                  "  ".join(f"{m} {summary['test'][m]:.4f}" for m in metrics) +
                  (f"  ({secs:.0f}s)" if secs else "  (reused)"), flush=True)

    report = {"data": a.data, "seeds": seeds, "command": " ".join(sys.argv), "samplers": {}}
    draws = all("test_neg_draws" in summ for r in results.values() for _, summ in r)
    columns = metrics + ([f"{m} over draws" for m in metrics] if draws else [])
    lines = [f"# Quality on {a.data}", "", f"Command: `{' '.join(sys.argv)}`", "",
             "| sampler | " + " | ".join(columns) + " | best epoch | s/epoch | runs |",
             "|---" * (len(columns) + 4) + "|"]
    for s in samplers:
        rows = sorted(results[s], key=lambda r: r[0])
        entry = {"runs": len(rows), "per_seed": {str(seed): summ["test"] for seed, summ in rows}}
        cells = []
        for m in metrics:
            mu, sd = mean_sd([summ["test"][m] for _, summ in rows])
            entry[m] = {"mean": mu, "sd": sd}
            cells.append(f"{mu:.4f} ± {sd:.4f}")
        # With --neg-draws K: each run's metric averaged over its K test draws (the split's and
        # K-1 fresh ones), then mean ± sd of those over the seeds.
        if all("test_neg_draws" in summ for _, summ in rows):
            for m in metrics:
                mu, sd = mean_sd([summ["test_neg_draws"]["mean"][m] for _, summ in rows])
                entry[m + " over draws"] = {"mean": mu, "sd": sd}
                cells.append(f"{mu:.4f} ± {sd:.4f}")
        be_mu, be_sd = mean_sd([summ["best_epoch"] for _, summ in rows])
        spe_mu, _ = mean_sd([summ["seconds_per_epoch"] for _, summ in rows])
        entry["best_epoch"] = {"mean": be_mu, "sd": be_sd}
        entry["seconds_per_epoch"] = spe_mu
        report["samplers"][s] = entry
        lines.append(f"| {s} | " + " | ".join(cells) + f" | {be_mu:.0f} ± {be_sd:.0f} | {spe_mu:.3f} | {len(rows)} |")
    with open(a.out + ".json", "w") as f:
        json.dump(report, f, indent=2)
    with open(a.out + ".md", "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
