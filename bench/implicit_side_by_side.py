#!/usr/bin/env python3
"""Side by side: srns's CPU BPR (uniform negatives, SGD) against implicit's CPU BPR.

The same ML-1M training pairs (the NCF split's ../shared/data/ncf/ml-1m.train.pairs.tsv), the
same number of factors (32) and CPU threads, epochs interleaved round by round so that both
see the same machine load: each round times one implicit epoch, then one srns epoch with the
deterministic SGD step and one with --hogwild. Reported per side: seconds per epoch and
positive pairs per second, min and median over the rounds.

What an epoch is on each side:
  implicit  BayesianPersonalizedRanking.fit with iterations=1 (factors persist across calls):
            bpr_update draws len(pairs) samples, each a random training pair (u, i) and a
            random item j of a random training pair (popularity-weighted), skips the sample if
            u likes j (verify_negative_samples) and otherwise applies a lock-free SGD update
            (Hogwild). Its own callback times bpr_update alone. Pairs/s = samples / seconds.
  srns      bench/srns_throughput --samplers uniform --optimizer sgd --eval none: one epoch of
            the shuffled training pairs in batches of 1000 (the partial last batch dropped),
            each pair's negative uniform over the items its user never interacted with, one
            deterministic SGD step per batch (or, with --hogwild, lock-free per-pair updates).
            Pairs/s = trained pairs / (select+grad + optimizer seconds), one untimed warm-up
            epoch before the timed one, in a fresh process each round.

The script makes its own virtual environment (bench/.venv-implicit) and installs implicit
there the first time. Example:
  bench/implicit_side_by_side.py --threads 2 --rounds 7 --out bench/results/implicit_side_by_side
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
VENV = os.path.join(HERE, ".venv-implicit")
IMPLICIT = "implicit==0.7.3"


def ensure_venv():
    """Re-runs this script inside bench/.venv-implicit, creating it first if needed."""
    if os.path.realpath(sys.prefix) == os.path.realpath(VENV):
        return
    python = os.path.join(VENV, "bin", "python")
    if not os.path.exists(python):
        print(f"making {VENV} with {IMPLICIT}", flush=True)
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
        subprocess.run([python, "-m", "pip", "install", "--quiet", IMPLICIT, "numpy", "scipy"],
                       check=True)
    os.execv(python, [python, os.path.abspath(__file__)] + sys.argv[1:])


def split_dir(srns, pairs, test, out):
    """The srns split directory of the same pairs (every pair trains; the test rows are unused)."""
    if not os.path.exists(os.path.join(out, "train.tsv")):
        os.makedirs(os.path.dirname(out), exist_ok=True)
        subprocess.run([srns, "split", "--format", "ncf", "--train", pairs, "--test", test,
                        "--out", out], check=True)
    return out


def load_csr(path):
    import numpy as np
    import scipy.sparse as sp
    data = np.loadtxt(path, dtype=np.int64, delimiter="\t", usecols=(0, 1))
    users, items = data[:, 0], data[:, 1]
    m = sp.csr_matrix((np.ones(len(users), dtype=np.float32), (users, items)))
    m.sum_duplicates()
    return m


def time_implicit(model, csr):
    got = {}

    def callback(epoch, elapsed, correct, skipped):
        got.update(seconds=elapsed, skipped=skipped)

    model.fit(csr, show_progress=False, callback=callback)
    return got


def time_srns(throughput, data, threads, hogwild):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "run.json")
        cmd = [throughput, "--data", data, "--devices", "cpu", "--threads", str(threads),
               "--samplers", "uniform", "--optimizer", "sgd", "--eval", "none",
               "--cpu-warmup", "1", "--epochs", "1", "--json", out]
        if hogwild:
            cmd.append("--hogwild")
        subprocess.run(cmd, check=True, capture_output=True, text=True)
        with open(out) as f:
            run = json.load(f)["runs"][0]
    phases = run["phases_per_epoch"]
    return {"seconds": phases["select_grad"] + phases["optimizer"] + phases["batches"],
            "pairs": run["pairs_per_epoch"], "command": " ".join(cmd[:-2])}


def summary(seconds, pairs):
    rates = [p / s for s, p in zip(seconds, pairs)]
    return {"seconds_min": min(seconds), "seconds_median": statistics.median(seconds),
            "pairs_per_second_max": max(rates), "pairs_per_second_median": statistics.median(rates),
            "pairs_per_epoch": pairs[0], "seconds": seconds}


def main():
    ensure_venv()
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    shared = os.path.join(os.path.dirname(ROOT), "shared", "data", "ncf")
    p.add_argument("--pairs", default=os.path.join(shared, "ml-1m.train.pairs.tsv"))
    p.add_argument("--test", default=os.path.join(shared, "ml-1m.test.rating"),
                   help="NCF test file (srns split needs one; unused for timing)")
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--factors", type=int, default=32)
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--out", default="", help="write OUT.json and OUT.md")
    a = p.parse_args()

    import implicit
    import implicit.cpu.bpr
    import numpy as np

    srns = os.path.join(a.build, "srns")
    throughput = os.path.join(a.build, "bench", "srns_throughput")
    data = split_dir(srns, a.pairs, a.test, os.path.join(HERE, "data", "ml1m-ncf-all-pairs"))
    csr = load_csr(a.pairs)
    print(f"pairs: {a.pairs}: {csr.shape[0]} users x {csr.shape[1]} items, {csr.nnz} pairs; "
          f"implicit {implicit.__version__}, {a.threads} threads, {a.factors} factors",
          flush=True)
    model = implicit.cpu.bpr.BayesianPersonalizedRanking(
        factors=a.factors, iterations=1, num_threads=a.threads, random_state=1)
    time_implicit(model, csr)  # warm-up: allocates the factors
    load_before = os.getloadavg()
    rows = {"implicit": ([], []), "srns": ([], []), "srns --hogwild": ([], [])}
    skipped = []
    commands = {}
    for r in range(a.rounds):
        got = time_implicit(model, csr)
        rows["implicit"][0].append(got["seconds"])
        rows["implicit"][1].append(csr.nnz)
        skipped.append(got["skipped"])
        for name, hog in (("srns", False), ("srns --hogwild", True)):
            s = time_srns(throughput, data, a.threads, hog)
            rows[name][0].append(s["seconds"])
            rows[name][1].append(s["pairs"])
            commands[name] = s["command"]
        print(f"round {r + 1}: " + ", ".join(f"{k} {v[0][-1]:.3f} s" for k, v in rows.items()),
              flush=True)
    load_after = os.getloadavg()
    report = {"pairs_file": a.pairs, "users": csr.shape[0], "items": csr.shape[1],
              "pairs": int(csr.nnz), "threads": a.threads, "factors": a.factors,
              "rounds": a.rounds, "implicit_version": implicit.__version__,
              "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.processor()}",
              "load_average_before": load_before, "load_average_after": load_after,
              "implicit_skipped_samples_median": statistics.median(skipped),
              "srns_commands": commands,
              "sides": {k: summary(*v) for k, v in rows.items()}}
    base = report["sides"]["implicit"]["pairs_per_second_median"]
    for k, v in report["sides"].items():
        v["over_implicit_median"] = v["pairs_per_second_median"] / base
    lines = [f"| side | s/epoch min | s/epoch median | pairs/s median | vs implicit |",
             "|---|---|---|---|---|"]
    for k, v in report["sides"].items():
        lines.append(f"| {k} | {v['seconds_min']:.3f} | {v['seconds_median']:.3f} | "
                     f"{v['pairs_per_second_median']:.3g} | {v['over_implicit_median']:.2f}x |")
    table = "\n".join(lines)
    print(table)
    print(f"load average (1, 5, 15 min) before {load_before}, after {load_after}")
    if a.out:
        os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
        with open(a.out + ".json", "w") as f:
            json.dump(report, f, indent=2)
        with open(a.out + ".md", "w") as f:
            f.write(f"# srns vs implicit {implicit.__version__}: CPU BPR, side by side\n\n"
                    f"Pairs: `{a.pairs}` ({csr.nnz} pairs, {csr.shape[0]} users, "
                    f"{csr.shape[1]} items); {a.factors} factors; {a.threads} threads; "
                    f"{a.rounds} interleaved rounds. Machine: {report['machine']}. Load "
                    f"average before {load_before[0]:.2f}, after {load_after[0]:.2f} (1 min).\n\n"
                    f"```\n{' '.join(sys.argv)}\n```\n\n{table}\n\n"
                    f"implicit skips the samples whose random item the user likes (median "
                    f"{statistics.median(skipped):.0f} of {csr.nnz} per epoch) and counts them "
                    f"in its epoch. srns commands: " +
                    "; ".join(f"`{c}`" for c in commands.values()) + "\n")
        print(f"wrote {a.out}.json and {a.out}.md")


if __name__ == "__main__":
    main()
