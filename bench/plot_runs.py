#!/usr/bin/env python3
"""Plots training curves of srns run directories: a validation metric, the training loss and,
where the truth is known, the label error ratio, against the epoch. Runs whose directory
names share a prefix before "-seed" are drawn in one colour (a line per seed).

  bench/plot_runs.py runs/a runs/b ... --metric ndcg@1 --out curves.png

Installs matplotlib with pip when it is missing.
"""
import argparse
import json
import os
import re
import subprocess
import sys


def need_matplotlib():
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("plot_runs: installing matplotlib with pip", file=sys.stderr)
        subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "matplotlib"])
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def load(run):
    rows = []
    with open(os.path.join(run, "epochs.jsonl")) as f:
        for line in f:
            rows.append(json.loads(line))
    return rows


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("runs", nargs="+", help="run directories (with epochs.jsonl)")
    p.add_argument("--metric", default="ndcg@1")
    p.add_argument("--out", required=True, help="PNG to write")
    p.add_argument("--title", default="")
    a = p.parse_args()
    plt = need_matplotlib()

    groups = {}
    for run in a.runs:
        name = re.sub(r"-seed\d+$", "", os.path.basename(os.path.normpath(run)))
        groups.setdefault(name, []).append(load(run))
    has_ler = any("label_error_ratio" in r for g in groups.values() for rows in g for r in rows)
    panels = 3 if has_ler else 2
    fig, axes = plt.subplots(1, panels, figsize=(5 * panels, 3.8))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for c, (name, runs) in enumerate(sorted(groups.items())):
        colour = colours[c % len(colours)]
        for k, rows in enumerate(runs):
            label = f"{name} ({len(runs)} run{'s' if len(runs) > 1 else ''})" if k == 0 else None
            key = "val" if any("val" in r for r in rows) else "test"
            ev = [(r["epoch"], r[key][a.metric]) for r in rows if key in r]
            axes[0].plot(*zip(*ev), color=colour, alpha=0.6, lw=1, label=label)
            tr = [(r["epoch"], r["loss"]) for r in rows if "loss" in r and r["epoch"] > 0]
            if tr:
                axes[1].plot(*zip(*tr), color=colour, alpha=0.6, lw=1, label=label)
            if has_ler:
                ler = [(r["epoch"], r["label_error_ratio"]) for r in rows if "label_error_ratio" in r]
                if ler:
                    axes[2].plot(*zip(*ler), color=colour, alpha=0.6, lw=1, label=label)
    axes[0].set_ylabel(f"{key} {a.metric}")
    axes[1].set_ylabel("training loss (per pair)")
    if has_ler:
        axes[2].set_ylabel("label error ratio")
    for ax in axes:
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    if a.title:
        fig.suptitle(a.title)
    fig.tight_layout()
    fig.savefig(a.out, dpi=110)
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
