"""Fig. 3(a-b): the alpha schedules (increasing, flat, decreasing) on the synthetic sets.

Both srns-syn sets at their strongest false-negative file (sigma 1.0: fn_sigma_10), alpha 10,
T0 50, 400 epochs, 3 seeds, test NDCG@1/3/5 every epoch (full ranking), with the official
synthetic protocol (--protocol syn-official, the semantics under which Fig. 2 reproduces; see
fig2.py). The paper plots test NDCG against the epoch with the seeds' sd as a shade.
"""
import os
import statistics

import report as rp
import runner

SETS = {"ml100k": ("syn-ml100k", "ml-100k"), "ecom-toy": ("syn-ecom-toy", "ecom-toy")}
SCHEDULES = ("increase", "flat", "decrease")
SEEDS = (1, 2, 3)
KS = (1, 3, 5)


def runs():
    out = []
    for set_name, (data, folder) in SETS.items():
        fn = runner.shared_file("srns-syn", folder, "fn_sigma_10.tsv")
        for schedule in SCHEDULES:
            for seed in SEEDS:
                args = ["--protocol", "syn-official", "--alpha", "10", "--t0", "50",
                        "--alpha-schedule", schedule, "--epochs", "400", "--patience", "0",
                        "--fn-file", fn, "--fn-num", "1", "--sigma", "1"]
                out.append(runner.Run("fig3", f"{set_name}-{schedule}-seed{seed}", data, args,
                                      seed, {"set": set_name, "schedule": schedule},
                                      full_eval=False))
    return out


def report(runs, out):
    rows, curves = [], {}
    for run in runs:
        rec = runner.load(run)
        row = dict(run.tags, seed=run.seed, seconds=rec["summary"].get("seconds"),
                   device=rec["summary"].get("device"))
        for k in KS:
            row[f"ndcg@{k}_last50"] = rp.last_epochs_mean(rec["epochs"], f"ndcg@{k}")
            row[f"ndcg@{k}_peak"] = max((rp.epoch_metrics(e).get(f"ndcg@{k}", 0)
                                         for e in rec["epochs"]), default=None)
        rows.append(row)
        ys = [rp.epoch_metrics(e).get("ndcg@3") for e in rec["epochs"] if e.get("epoch", 0) > 0]
        curves.setdefault((run.tags["set"], run.tags["schedule"]), []).append(ys)
    rp.write_csv(os.path.join(out, "runs.csv"), rows)
    lines = []
    for key, g in rp.group(rows, ("set", "schedule")).items():
        lines.append(list(key) + [len(g)] + [
            rp.fmt(*rp.mean_sd([r[f"ndcg@{k}_{s}"] for r in g])) for k in KS
            for s in ("last50", "peak")] + [f"{sum(r['seconds'] or 0 for r in g):.0f}"])
    header = ["set", "schedule", "seeds"] + [f"NDCG@{k} {s}" for k in KS
                                             for s in ("last 50", "peak")] + ["wall s"]
    with open(os.path.join(out, "table.md"), "w") as f:
        f.write("# Fig. 3(a-b): alpha schedules, official synthetic protocol, sigma 1.0\n\n")
        f.write(rp.markdown_table(header, lines))
    device = rows[0]["device"] if rows else "?"
    for set_name in SETS:
        series = []
        for schedule in SCHEDULES:
            runs_ys = curves.get((set_name, schedule))
            if not runs_ys:
                continue
            n = min(len(y) for y in runs_ys)
            series.append((schedule, list(range(1, n + 1)),
                           [statistics.mean(y[e] for y in runs_ys) for e in range(n)]))
        if series:
            rp.plot_lines(os.path.join(out, f"ndcg3_{set_name}.png"),
                          f"Test NDCG@3 by epoch, srns-syn {set_name}, sigma 1.0 "
                          f"(mean of seeds; device: {device})", series, "epoch", "test NDCG@3")
