"""What the real-data studies (Table 3, Fig. 4) share: the paper's protocol as flags, the test
metrics of a run's best model over several negative draws, and their table rows.

Protocol (the paper's Section 4.1 for real data): at most 400 epochs, early stopping when
validation NDCG@1 has not improved for 100 epochs, the best model tested; the test is ranked
against the split's own sampled negatives and NEG_DRAWS - 1 fresh draws (`--neg-draws`), so
every sampled metric is a mean over (seed, draw) with its sd; the best model is also ranked
over the whole catalogue (Recall@20, NDCG@20: runner.py's full evaluation).
"""
import json
import os

import report as rp
import runner

NEG_DRAWS = 10
PROTOCOL = ["--epochs", "400", "--patience", "100", "--metric", "ndcg@1", "--ks", "1,3,10",
            "--neg-draws", str(NEG_DRAWS)]
# The paper's Table 3, Movielens-1m column (N@1, N@3, R@3): its filtered ML-1M, not NCF's split.
PAPER_ML1M = {
    "enmf": (0.1846, 0.3021, 0.3882), "uniform": (0.1744, 0.2846, 0.3663),
    "popularity": (0.0829, 0.1478, 0.1971), "aobpr": (0.1802, 0.2905, 0.3728),
    "irgan": (0.1755, 0.2877, 0.3708), "rns-as": (0.1823, 0.2932, 0.3754),
    "advir": (0.1790, 0.2941, 0.3792), "srns": (0.1933, 0.3070, 0.3912),
}
SAMPLED = ("ndcg@1", "ndcg@3", "recall@3", "recall@10", "ndcg@10")  # recall@10 is HR@10 here
FULL = ("recall@20", "ndcg@20")


def draws(rec, key):
    """The test value of `key` for every negative draw of the run (one value without draws)."""
    d = rec["summary"].get("test_neg_draws")
    if d and d.get("per_draw"):
        return [m[key] for m in d["per_draw"] if key in m]
    test = rec["summary"].get("test", {})
    return [test[key]] if key in test else []


def row(run):
    """One CSV row: the run's name and tags, its best epoch, validation NDCG@1 and speed, per
    metric the mean over draws (and each draw's value). A run whose directory is not on this
    machine gives the row its study's CSV committed (`committed_row`)."""
    if not run.has_records():
        return committed_row(run)
    rec = runner.load(run)
    s = rec["summary"]
    out = dict(run=run.name, **run.tags, seed=run.seed, best_epoch=s.get("best_epoch"),
               epochs=s.get("epochs_run"), seconds=s.get("seconds"),
               s_per_epoch=s.get("seconds_per_epoch"), device=s.get("device"),
               val_ndcg1=s.get("best_val", {}).get("ndcg@1"))
    for k in SAMPLED:
        out[k] = rp.mean_sd(draws(rec, k))[0]
        out[k + "_draws"] = draws(rec, k)
    for k in FULL:
        out["full_" + k] = rec["full"].get("test", rec["full"]).get(k) if rec["full"] else None
    return out


def committed_row(run):
    """`row` of a run as its study's committed runs.csv holds it: the run's own tags, the
    numbers read back (lists of draws as JSON; empty cells None, as rows older than a column)."""
    text = runner.committed(run)

    def num(key, kind=float):
        v = text.get(key, "")
        return kind(float(v)) if v != "" else None

    out = dict(run=run.name, **run.tags, seed=run.seed, best_epoch=num("best_epoch", int),
               epochs=num("epochs", int), seconds=num("seconds"), s_per_epoch=num("s_per_epoch"),
               device=text.get("device"), val_ndcg1=num("val_ndcg1"))
    for k in SAMPLED:
        out[k] = num(k)
        out[k + "_draws"] = json.loads(text[k + "_draws"]) if text.get(k + "_draws") else []
    for k in FULL:
        out["full_" + k] = num("full_" + k)
    return out


def table(rows, by, paper=None):
    """Markdown lines: per group (seeds folded), mean ± sd over every (seed, draw) of each
    sampled metric, the full-ranking metrics over seeds, best epoch, s/epoch, wall seconds."""
    header = list(by) + ["seeds", "N@1", "N@3", "R@3", "HR@10", "N@10", "full R@20",
                         "full N@20", "best epoch", "s/epoch", "wall s"]
    if paper:
        header.append("paper N@1 / N@3 / R@3")
    lines = []
    for key, g in rp.group(rows, by).items():
        cells = [rp.fmt(*rp.mean_sd([v for r in g for v in r[k + "_draws"]])) for k in SAMPLED]
        cells += [rp.fmt(*rp.mean_sd([r["full_" + k] for r in g])) for k in FULL]
        cells.append(rp.fmt(*rp.mean_sd([r["best_epoch"] for r in g]), digits=0))
        cells.append(rp.fmt(*rp.mean_sd([r["s_per_epoch"] for r in g]), digits=2))
        cells.append(f"{sum(r['seconds'] or 0 for r in g):.0f}")
        line = list(key) + [len(g)] + cells
        if paper:
            p = paper(key)
            line.append(" / ".join(f"{x:.4f}" for x in p) if p else "")
        lines.append(line)
    return rp.markdown_table(header, lines)


def report_table(runs, out, title, by):
    """runs.csv (one row per run) and table.md (`table` grouped by `by`); returns the rows."""
    rows = [row(r) for r in runs]
    rp.write_csv(os.path.join(out, "runs.csv"), rows)
    with open(os.path.join(out, "table.md"), "w") as f:
        f.write(f"# {title}\n\n" + table(rows, by))
    return rows
