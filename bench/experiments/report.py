"""Reports of a study: one CSV row per run, a Markdown table per study (mean ± sd over seeds
beside the paper's numbers), and PNG plots. Every figure is read from the runs' own records
(summary.json, epochs.jsonl, full_eval.json); nothing is typed in by hand except the paper's
published numbers, which are labelled as such.
"""
import csv
import json
import math
import os
import statistics


def mean_sd(values):
    values = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    if not values:
        return None, None
    if len(values) == 1:
        return values[0], 0.0
    return statistics.mean(values), statistics.stdev(values)


def fmt(m, s, digits=4):
    if m is None:
        return "-"
    return f"{m:.{digits}f} ± {s:.{digits}f}"


def epoch_metrics(row):
    """The metrics of an epoch row: its validation or, in test-only runs, its test metrics."""
    return row.get("val") or row.get("test") or {}


def last_epochs_mean(epochs, key, last=50):
    """Mean of `key` over the last `last` evaluated epochs (the paper's Fig. 2 statistic)."""
    rows = [r for r in epochs if r.get("epoch", 0) > 0 and key in epoch_metrics(r)]
    rows = rows[-last:]
    return statistics.mean(epoch_metrics(r)[key] for r in rows) if rows else None


def write_csv(path, rows):
    keys = []
    for r in rows:
        for k in r:
            if k not in keys:
                keys.append(k)
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=keys)
        w.writeheader()
        for r in rows:
            w.writerow(r)


def group(rows, by):
    """Rows grouped by the values of the columns `by` (seeds folded together), in first-seen
    order."""
    groups = {}
    for r in rows:
        groups.setdefault(tuple(r.get(k) for k in by), []).append(r)
    return groups


def markdown_table(header, lines):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in line) + " |" for line in lines]
    return "\n".join(out) + "\n"


def plot_lines(path, title, series, xlabel, ylabel):
    """series: list of (label, xs, ys). Saves a PNG; needs matplotlib (bench/python_env.sh)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for label, xs, ys in series:
        ax.plot(xs, ys, label=label, linewidth=1.2)
    ax.set_title(title, fontsize=10)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def write_json(path, value):
    with open(path, "w") as f:
        json.dump(value, f, indent=1)
        f.write("\n")


def ensure_dir(path):
    os.makedirs(path, exist_ok=True)
    return path
