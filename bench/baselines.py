#!/usr/bin/env python3
"""The paper's non-adversarial baselines side by side (issue 8 acceptance): one seed each of
Uniform, popularity (NNCF), DNS, AOBPR, random-from-memory, ENMF, SRNS, and Uniform and SRNS
with the MLP scorer, on ML-100K (ratings >= 4, leave-one-out by time) and on ML-1M in the NCF
split (validation carved out of train), beside the SRNS paper's Table 3 ML-1M row.

Every run is a plain `srns train` whose run directory (config.json, epochs.jsonl,
summary.json, model.bin, train.log) is kept under --runs; a run whose summary.json exists is
never redone, and a run directory without one (an interrupted run) is started again, so the
script can be stopped and rerun at will. The test metrics are those of the best validation
epoch, on the split's own negatives and over --neg-draws draws (the split's and fresh ones).

  bench/baselines.py                        # everything (hours on a 2-core CPU)
  bench/baselines.py --datasets ml100k      # one dataset
  bench/baselines.py --methods uniform,srns --dry-run
  bench/baselines.py --table-only           # rebuild the tables from finished runs
"""
import argparse
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "experiments"))
import runner  # noqa: E402  (the ML-1M NCF split's flags)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.environ.get("SRNS_SHARED_DATA", os.path.join(ROOT, "..", "shared", "data"))

# method -> (label, srns train flags, paper Table 3 ML-1M N@1, N@3, R@3 or None)
METHODS = {
    "uniform": ("Uniform", ["--sampler", "uniform"], (0.1744, 0.2846, 0.3663)),
    "popularity": ("NNCF (popularity)", ["--sampler", "popularity"], (0.0829, 0.1478, 0.1971)),
    "dns": ("DNS", ["--sampler", "dns"], None),
    "aobpr": ("AOBPR", ["--sampler", "aobpr"], (0.1802, 0.2905, 0.3728)),
    "memory-random": ("Random from memory", ["--sampler", "memory-random"], None),
    "enmf": ("ENMF", ["--sampler", "enmf"], (0.1846, 0.3021, 0.3882)),
    "srns": ("SRNS", ["--sampler", "srns"], (0.1933, 0.3070, 0.3912)),
    "uniform-mlp": ("Uniform, MLP", ["--sampler", "uniform", "--model", "mlp"], None),
    "srns-mlp": ("SRNS, MLP", ["--sampler", "srns", "--model", "mlp"], None),
}

# Epoch budgets (epochs, patience): ML-100K the paper's protocol (400 epochs, patience 100);
# ML-1M capped for a shared 2-core CPU, tighter for the samplers that score many candidates per
# pair (SRNS's memory refresh, and every score through the MLP tower).
BUDGET = {
    "ml100k": {"default": (400, 100), "uniform-mlp": (150, 40), "srns-mlp": (60, 20)},
    "ml1m": {"default": (100, 20), "memory-random": (60, 15), "srns": (100, 25),
             "uniform-mlp": (40, 10), "srns-mlp": (40, 10), "enmf": (400, 40)},
}

# Runs left out, with the reason the table prints.
SKIP = {}

COLUMNS = [("ndcg@1", "N@1"), ("ndcg@3", "N@3"), ("recall@3", "R@3"), ("recall@10", "HR@10"),
           ("ndcg@10", "N@10")]


def make_splits(binary, data_dir, datasets, dry_run=False):
    """The splits' folders; makes those missing (dry run: prints their commands only)."""
    if not dry_run:
        os.makedirs(data_dir, exist_ok=True)
    paths = {}
    for name in datasets:
        out = os.path.join(data_dir, name)
        paths[name] = out
        if os.path.exists(os.path.join(out, "meta.json")):
            continue
        if name == "ml100k":
            cmd = [binary, "split", "--input", os.path.join(SHARED, "ml-100k", "u.data"),
                   "--min-rating", "4", "--out", out]
        else:
            cmd = ([binary, "split"] + runner.ncf_ml1m_split_flags(os.path.join(SHARED, "ncf")) +
                   ["--out", out])
        print(" ".join(cmd), flush=True)
        if not dry_run:
            subprocess.run(cmd, check=True)
    return paths


def run_command(binary, data, method, dataset, out, args):
    epochs, patience = BUDGET[dataset].get(method, BUDGET[dataset]["default"])
    nice = ["nice", "-n", str(args.nice)] if args.nice else []
    return (nice + [binary, "train", "--data", data] + METHODS[method][1] +
            ["--epochs", str(epochs), "--patience", str(patience), "--seed", str(args.seed),
             "--threads", str(args.threads), "--neg-draws", str(args.neg_draws),
             "--progress", "off", "--out", out])


def run_one(cmd, out):
    if os.path.exists(os.path.join(out, "summary.json")):
        return "reused"
    if os.path.exists(out):
        shutil.rmtree(out)  # an interrupted run: start it again
    os.makedirs(os.path.dirname(out), exist_ok=True)
    start = time.time()
    with open(out + ".log", "w") as log:
        proc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed; see {out}.log")
    shutil.move(out + ".log", os.path.join(out, "train.log"))
    return f"{time.time() - start:.0f}s"


def fmt(x):
    return f"{x:.4f}"


def table(runs_dir, datasets, methods, args):
    report = {"seed": args.seed, "neg_draws": args.neg_draws, "runs": {}}
    lines = []
    for dataset in datasets:
        lines += [f"### {'ML-100K (ratings >= 4, leave-one-out by time)' if dataset == 'ml100k' else 'ML-1M, NCF split (validation carved out of train)'}",
                  "",
                  "| method | " + " | ".join(c for _, c in COLUMNS) +
                  f" | N@1 over {args.neg_draws} draws | best epoch / run | CPU s/epoch |"
                  + (" paper N@1 / N@3 / R@3 (ML-1M, SRNS split) |" if dataset == "ml1m" else ""),
                  "|---" * (len(COLUMNS) + 4 + (1 if dataset == "ml1m" else 0)) + "|"]
        for m in methods:
            path = os.path.join(runs_dir, dataset, m, "summary.json")
            label, _, paper = METHODS[m]
            if not os.path.exists(path):
                why = SKIP.get((dataset, m), "not run")
                lines.append(f"| {label} | " + " | ".join("-" for _ in COLUMNS) + f" | {why} | | |"
                             + (" |" if dataset == "ml1m" else ""))
                continue
            with open(path) as f:
                s = json.load(f)
            test = s["test"]
            draws = s.get("test_neg_draws")
            drawn = (f"{fmt(draws['mean']['ndcg@1'])} ± {fmt(draws['sd']['ndcg@1'])}"
                     if draws else "-")
            cells = " | ".join(fmt(test[k]) for k, _ in COLUMNS)
            row = (f"| {label} | {cells} | {drawn} | {s['best_epoch']} / {s['epochs_run']} | "
                   f"{s['seconds_per_epoch']:.2f} |")
            if dataset == "ml1m":
                row += (" " + " / ".join(f"{x:.4f}" for x in paper) + " |") if paper else " - |"
            lines.append(row)
            report["runs"][f"{dataset}/{m}"] = {
                "test": test, "test_neg_draws": draws, "best_epoch": s["best_epoch"],
                "epochs_run": s["epochs_run"], "seconds_per_epoch": s["seconds_per_epoch"],
                "paper_ml1m": paper}
        lines.append("")
    return report, lines


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--binary", default=os.path.join(ROOT, "build", "srns"))
    p.add_argument("--datasets", default="ml100k,ml1m")
    p.add_argument("--methods", default=",".join(METHODS))
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=1,
                   help="threads per run (1: OpenMP barriers on a busy 2-core machine cost more "
                        "than a second thread gains)")
    p.add_argument("--neg-draws", type=int, default=21, help="the split's draw and 20 fresh ones")
    p.add_argument("--runs", default=os.path.join(HERE, "results", "raw", "baselines"))
    p.add_argument("--out", default=os.path.join(HERE, "results", "baselines"),
                   help="writes OUT.json and OUT-table.md")
    p.add_argument("--jobs", type=int, default=1, help="runs at a time")
    p.add_argument("--nice", type=int, default=10,
                   help="niceness of each run (0: none), so other work on the machine goes first")
    p.add_argument("--dry-run", action="store_true", help="print the commands only (makes no split, runs nothing, writes no table)")
    p.add_argument("--table-only", action="store_true", help="only rebuild the tables")
    a = p.parse_args()
    datasets = a.datasets.split(",")
    methods = a.methods.split(",")
    for m in methods:
        if m not in METHODS:
            sys.exit(f"unknown method {m} (known: {', '.join(METHODS)})")
    if not a.table_only:
        data = make_splits(a.binary, os.path.join(a.runs, "data"), datasets, a.dry_run)
        todo = []
        for dataset in datasets:
            for m in methods:
                if (dataset, m) in SKIP:
                    print(f"{dataset} {m}: {SKIP[(dataset, m)]}", flush=True)
                    continue
                out = os.path.join(a.runs, dataset, m)
                cmd = run_command(a.binary, data[dataset], m, dataset, out, a)
                print(" ".join(cmd), flush=True)
                todo.append((f"{dataset} {m}", cmd, out))
        # Longest first (ML-1M, then the samplers that score most per pair), so parallel jobs
        # end together.
        cost = ["srns-mlp", "srns", "uniform-mlp", "memory-random", "dns", "aobpr", "enmf"]
        todo.sort(key=lambda t: (t[0].split()[0] != "ml1m",
                                 cost.index(t[0].split()[1]) if t[0].split()[1] in cost
                                 else len(cost)))
        if not a.dry_run:
            with concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs) as pool:
                runs = {pool.submit(run_one, cmd, out): name for name, cmd, out in todo}
                for done in concurrent.futures.as_completed(runs):
                    try:
                        result = done.result()
                    except RuntimeError as e:  # the others still run; the table says "not run"
                        result = f"FAILED: {e}"
                    print(f"  {runs[done]}: {result} (load {os.getloadavg()[0]:.2f})", flush=True)
    if a.dry_run:
        return
    # The tables cover every dataset and method with a finished run, whatever this call ran.
    report, lines = table(a.runs, ["ml100k", "ml1m"], list(METHODS), a)
    lines += ["What was run, the machine's load and the comparison with the paper: "
              "[baselines-notes.md](baselines-notes.md).", ""]
    report["command"] = " ".join(sys.argv)
    with open(a.out + ".json", "w") as f:
        json.dump(report, f, indent=2)
    with open(a.out + "-table.md", "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
