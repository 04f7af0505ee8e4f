#!/usr/bin/env python3
"""Validation NDCG@1 against wall-clock seconds for Uniform, RNS-AS, IRGAN, AdvIR and SRNS, all
started from the same pretrained model: the comparison of the SRNS paper's Fig. 4(a-c), with a
table of seconds per epoch, seconds to the best validation NDCG@1 and the test metrics of the
best model beside the paper's Table 3 rows.

Every step is a plain srns command whose output is kept under --work (finished steps are
reused), so each figure traces back to its run directory:
  1. splits. ML-100K: srns split --input ml-100k/u.data --min-rating 4 (leave-one-out by time,
     100 sampled negatives per row). ML-1M in NCF's split: srns split --format ncf with NCF's
     test rows and 99 negatives, and --val-from-train: the shared train file has no
     timestamps, so each user's validation item is one of the user's training pairs drawn at
     random (seeded), with its own 99 sampled negatives.
  2. a Uniform-BPR pretrain per dataset: srns train --sampler uniform, validation NDCG@1 every
     epoch, early stop after --pretrain-patience epochs without a better one (the reference
     RNS-AS recipe stops after 10; on ML-100K's 942 validation users NDCG@1 is too noisy for
     that and stops far from converged); its best model.bin is the start.
  3. each sampler from that model (--init), --epochs N epochs, validation NDCG@1 every epoch,
     no early stop (the best epoch's model is tested). Runs go one at a time with --threads
     threads each, so they do not share the CPU with one another.
Runs use OMP_WAIT_POLICY=passive (see run()). Wall-clock seconds are the run's own per-epoch records (epochs.jsonl: training, end-of-epoch
work and validation), cumulated from the pretrained model at 0 s. The machine's load average
is read before and after every run and reported with the figures.

  "$(bench/python_env.sh)" bench/gan_wallclock.py --datasets ml100k,ml1m \\
      --epochs ml100k=100,ml1m=20,ml1m/irgan=5 --out bench/results/gan_wallclock
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "experiments"))
import runner  # noqa: E402  (the ML-1M NCF split's flags)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SAMPLERS = ["uniform", "rns-as", "irgan", "advir", "srns"]
# SRNS paper, Table 3, Movielens-1m column (N@1, N@3, R@3): the paper's ML-1m is its own
# filtered split (6,028 users, 3,533 items, 563k training pairs), not NCF's.
PAPER_ML1M = {"uniform": (0.1744, 0.2846, 0.3663), "irgan": (0.1755, 0.2877, 0.3708),
              "rns-as": (0.1823, 0.2932, 0.3754), "advir": (0.1790, 0.2941, 0.3792),
              "srns": (0.1933, 0.3070, 0.3912)}


def default_binary():
    for build in ("build", "build-cpu"):
        path = os.path.join(ROOT, build, "srns")
        if os.path.exists(path):
            return path
    return os.path.join(ROOT, "build", "srns")


def run(cmd, log):
    """Runs one srns command; returns (seconds, load before, load after)."""
    os.makedirs(os.path.dirname(log), exist_ok=True)
    before = os.getloadavg()
    start = time.time()
    print("+ " + " ".join(cmd), flush=True)
    # Passive OpenMP waits: on a machine shared with other jobs, threads that spin at every
    # barrier lose a scheduler slice each time (measured: uniform on ML-100K with 2 threads ran
    # 40x slower spinning than sleeping while other jobs held the cores).
    env = dict(os.environ, OMP_WAIT_POLICY="passive")
    with open(log, "w") as out:
        proc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed; see {log}")
    return time.time() - start, before, os.getloadavg()


def wait_quiet(limit, timeout):
    """Waits (up to timeout s) until the 1-minute load average is below limit."""
    if limit <= 0:
        return
    start = time.time()
    while os.getloadavg()[0] >= limit and time.time() - start < timeout:
        time.sleep(15)


def prepare_split(name, a):
    out = os.path.join(a.work, name)
    if os.path.exists(os.path.join(out, "meta.json")):
        return out
    if name == "ml100k":
        cmd = [a.binary, "split", "--input", os.path.join(a.data_root, "ml-100k", "u.data"),
               "--min-rating", "4", "--seed", str(a.seed), "--out", out]
    else:
        cmd = ([a.binary, "split"] + runner.ncf_ml1m_split_flags(os.path.join(a.data_root, "ncf")) +
               ["--eval-negatives", "99", "--seed", str(a.seed), "--out", out])
    run(cmd, out + ".log")
    return out


def train(a, data, out, sampler, epochs, patience, extra):
    summary = os.path.join(out, "summary.json")
    if not os.path.exists(summary):
        if os.path.exists(out):
            raise RuntimeError(f"{out} exists without summary.json (an interrupted run): remove it")
        wait_quiet(a.wait_quiet, a.wait_timeout)
        cmd = [a.binary, "train", "--data", data, "--sampler", sampler, "--epochs", str(epochs),
               "--patience", str(patience), "--metric", "ndcg@1", "--ks", "1,3,5,10",
               "--threads", str(a.threads), "--device", a.device, "--seed", str(a.seed),
               "--progress", "off", "--out", out] + extra
        seconds, before, after = run(cmd, out + ".log")
        with open(os.path.join(out, "load.json"), "w") as f:
            json.dump({"before": before, "after": after, "seconds": seconds}, f)
    with open(summary) as f:
        return json.load(f)


def curve(run_dir):
    """(cumulative seconds, val ndcg@1) per epoch, from the pretrained model at 0 s."""
    points, total = [], 0.0
    with open(os.path.join(run_dir, "epochs.jsonl")) as f:
        for line in f:
            r = json.loads(line)
            if r["epoch"] > 0:
                total += r["seconds"]
            if "val" in r:
                points.append((r["epoch"], total, r["val"]["ndcg@1"]))
    return points


def train_seconds_per_epoch(run_dir):
    """Mean seconds per epoch without validation: training and end-of-epoch work."""
    secs = []
    with open(os.path.join(run_dir, "epochs.jsonl")) as f:
        for line in f:
            r = json.loads(line)
            if r["epoch"] > 0:
                secs.append(r["seconds"] - r["phases"]["eval"])
    return sum(secs) / len(secs)


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def plot(report, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    names = list(report["datasets"])
    fig, axes = plt.subplots(1, len(names), figsize=(6.2 * len(names), 4.4), squeeze=False)
    for ax, name in zip(axes[0], names):
        d = report["datasets"][name]
        for sampler, r in d["samplers"].items():
            xs = [max(t, 0.1) for _, t, _ in r["curve"]]
            ax.plot(xs, [v for _, _, v in r["curve"]], marker=".", ms=3, lw=1.2, label=sampler)
        ax.set_xscale("log")
        ax.set_xlabel("wall-clock seconds from the pretrained model (log; 0 s drawn at 0.1 s)")
        ax.set_ylabel("validation NDCG@1")
        ax.set_title(f"{name}: {d['users']} users, {d['items']} items, {d['train']} train pairs\n"
                     f"{report['device']}, load {d['load_min']:.1f}-{d['load_max']:.1f}",
                     fontsize=9)
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
    fig.suptitle(f"srns: GAN samplers vs SRNS from a Uniform-BPR pretrain - device: "
                 f"{report['device']}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def table(report):
    lines = [f"# GAN samplers vs SRNS: validation NDCG@1 against wall-clock seconds", "",
             f"Device: {report['device']}. Command: `{report['command']}`", ""]
    for name, d in report["datasets"].items():
        flag_text = "; ".join(f"{k}: `{' '.join(v)}`" for k, v in report["sampler_flags"].items())
        lines += [f"## {name}", "",
                  f"{d['users']} users, {d['items']} items, {d['train']} training pairs; "
                  f"pretrain: uniform, best epoch {d['pretrain_best_epoch']} "
                  f"(val NDCG@1 {d['pretrain_val_ndcg1']:.4f}); {d['epochs']} epochs per sampler; "
                  f"load average (1 min) {d['load_min']:.1f} to {d['load_max']:.1f} over the runs"
                  + (f"; sampler flags: {flag_text}." if flag_text else "."),
                  "",
                  "| sampler | epochs | s/epoch (train) | best epoch | s to best val N@1 | "
                  "best val N@1 | last val N@1 | test N@1 | test N@3 | test R@3 | "
                  "paper N@1 / N@3 / R@3 |",
                  "|---|---|---|---|---|---|---|---|---|---|---|"]
        for sampler, r in d["samplers"].items():
            paper = PAPER_ML1M.get(sampler) if name == "ml1m" else None
            ref = " / ".join(f"{x:.4f}" for x in paper) if paper else "-"
            lines.append(f"| {sampler} | {r['epochs']} | {r['train_s_per_epoch']:.2f} | "
                         f"{r['best_epoch']} | {r['s_to_best']:.1f} | {r['best_val_ndcg1']:.4f} | "
                         f"{r['curve'][-1][2]:.4f} | "
                         f"{r['test']['ndcg@1']:.4f} | {r['test']['ndcg@3']:.4f} | "
                         f"{r['test']['recall@3']:.4f} | {ref} |")
        lines.append("")
    return "\n".join(lines) + "\n"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--binary", default=default_binary())
    p.add_argument("--data-root", default=os.path.join(os.path.dirname(ROOT), "shared", "data"))
    p.add_argument("--work", default=os.path.join(ROOT, "runs", "gan_wallclock"))
    p.add_argument("--out", default=os.path.join(HERE, "results", "gan_wallclock"),
                   help="writes OUT.json, OUT.md and OUT.png")
    p.add_argument("--datasets", default="ml100k,ml1m")
    p.add_argument("--samplers", default=",".join(SAMPLERS))
    p.add_argument("--epochs", default="ml100k=100,ml1m=20,ml1m/irgan=5",
                   help="epochs per sampler run: DATASET=N, or DATASET/SAMPLER=N for one sampler")
    p.add_argument("--pretrain-epochs", default="ml100k=300,ml1m=150")
    p.add_argument("--pretrain-patience", type=int, default=50,
                   help="epochs without a better val NDCG@1 before the pretrain stops")
    p.add_argument("--sampler-flags", action="append", default=[],
                   help="extra flags of one sampler, e.g. 'advir=--adv-eps 0.1' (repeatable)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--device", default="cpu")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--wait-quiet", type=float, default=0,
                   help="before each run, wait until the 1-minute load is below this (0: no wait)")
    p.add_argument("--wait-timeout", type=float, default=600)
    a = p.parse_args()
    epochs = dict((kv.split("=")[0], int(kv.split("=")[1])) for kv in a.epochs.split(","))
    pre_epochs = dict((kv.split("=")[0], int(kv.split("=")[1]))
                      for kv in a.pretrain_epochs.split(","))
    flags = {}
    for item in a.sampler_flags:
        name, rest = item.split("=", 1)
        flags[name] = rest.split()
    report = {"command": " ".join(sys.argv), "device": "", "datasets": {}, "sampler_flags": flags}
    for name in a.datasets.split(","):
        data = prepare_split(name, a)
        with open(os.path.join(data, "meta.json")) as f:
            meta = json.load(f)
        pre_dir = os.path.join(a.work, f"{name}-pretrain")
        pre = train(a, data, pre_dir, "uniform", pre_epochs[name], a.pretrain_patience, [])
        init = os.path.join(pre_dir, "model.bin")
        d = {"users": meta.get("users"), "items": meta.get("items"), "train": meta.get("train"),
             "epochs": epochs[name], "pretrain_best_epoch": pre["best_epoch"],
             "pretrain_val_ndcg1": pre["best_val"]["ndcg@1"], "samplers": {}}
        loads = []
        for sampler in a.samplers.split(","):
            out = os.path.join(a.work, f"{name}-{sampler}")
            n_epochs = epochs.get(f"{name}/{sampler}", epochs[name])
            s = train(a, data, out, sampler, n_epochs, 0, ["--init", init] + flags.get(sampler, []))
            with open(os.path.join(out, "load.json")) as f:
                load = json.load(f)
            loads += [load["before"][0], load["after"][0]]
            points = curve(out)
            best = max(points, key=lambda x: (x[2], -x[0]))
            d["samplers"][sampler] = {
                "curve": points, "best_epoch": s["best_epoch"], "s_to_best": best[1],
                "best_val_ndcg1": s["best_val"]["ndcg@1"], "test": s["test"],
                "train_s_per_epoch": train_seconds_per_epoch(out), "device": s["device"],
                "epochs": s["epochs_run"],
                "load": load, "run": os.path.relpath(out, ROOT)}
            print(f"{name} {sampler}: best epoch {s['best_epoch']}, val N@1 "
                  f"{s['best_val']['ndcg@1']:.4f}, test N@1 {s['test']['ndcg@1']:.4f}", flush=True)
        d["load_min"], d["load_max"] = min(loads), max(loads)
        report["datasets"][name] = d
        report["device"] = f"{cpu_name()}, srns CPU backend, {a.threads} threads"
    with open(a.out + ".json", "w") as f:
        json.dump(report, f, indent=1)
    with open(a.out + ".md", "w") as f:
        f.write(table(report))
    plot(report, a.out + ".png")
    print(table(report))
    print(f"wrote {a.out}.json, {a.out}.md, {a.out}.png")


if __name__ == "__main__":
    main()
