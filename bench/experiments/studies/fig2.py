"""Fig. 2: robustness to false negatives, variance-based vs difficulty-only SRNS on the synthetic sets.

Both synthetic sets of the paper (srns-syn/ml-100k and srns-syn/ecom-toy), each sigma file
(a share sigma of the flipped test records, fed into memory: --fn-file, one slot), the
variance-based criterion (alpha 10, T0 50, increasing) against difficulty-only (alpha 0),
400 epochs, 3 seeds, test metrics every epoch (full ranking); the figure's statistic is the
mean of Recall / NDCG@1,3,5 over the last 50 epochs. Each run twice: with the engine's
real-data semantics (the official real-data pipeline of DESIGN §4) and with
--protocol syn-official, the official synthetic-data code's semantics (see `srns train
--help`). S1 = S2 = 20, reg 0, lr 1e-3, batch 1000 in both.
"""
import os

import report as rp
import runner

SETS = {  # set -> (dataset key, srns-syn folder, {sigma: file index K})
    "ml100k": ("syn-ml100k", "ml-100k", {0.2: 2, 0.4: 4, 0.6: 6, 0.8: 8, 1.0: 10}),
    "ecom-toy": ("syn-ecom-toy", "ecom-toy", {0.1: 1, 0.3: 3, 0.5: 5, 0.7: 7, 1.0: 10}),
}
METHODS = {"variance": ["--alpha", "10"], "difficulty": ["--alpha", "0"]}
SEMANTICS = {"real": ["--sampler", "srns"], "official": ["--protocol", "syn-official"]}
SEEDS = (1, 2, 3)
KS = (1, 3, 5)


def runs():
    out = []
    for semantics, sem_args in SEMANTICS.items():
        for set_name, (data, folder, sigmas) in SETS.items():
            for sigma, k in sigmas.items():
                fn = runner.shared_file("srns-syn", folder, f"fn_sigma_{k}.tsv")
                for method, m_args in METHODS.items():
                    for seed in SEEDS:
                        args = ["--s1", "20", "--s2", "20", "--reg", "0",
                                "--lr", "0.001", "--t0", "50", "--alpha-schedule", "increase",
                                "--epochs", "400", "--patience", "0", "--eval", "full",
                                "--ks", "1,3,5", "--metric", "recall@1", "--fn-file", fn,
                                "--fn-num", "1", "--sigma", "1"] + m_args + sem_args
                        out.append(runner.Run(
                            "fig2", f"{semantics}-{set_name}-s{k}-{method}-seed{seed}", data,
                            args, seed,
                            {"semantics": semantics, "set": set_name, "sigma": sigma,
                             "method": method}, full_eval=False))
    return out


def report(runs, out):
    rows = []
    for run in runs:
        rec = runner.load(run)
        row = dict(run.tags, seed=run.seed, epochs=rec["summary"].get("epochs_run"),
                   seconds=rec["summary"].get("seconds"))
        for k in KS:
            for m in ("recall", "ndcg"):
                row[f"{m}@{k}_last50"] = rp.last_epochs_mean(rec["epochs"], f"{m}@{k}")
        lers = [e["label_error_ratio"] for e in rec["epochs"] if "label_error_ratio" in e]
        row["label_error_ratio_last50"] = sum(lers[-50:]) / len(lers[-50:]) if lers else None
        row["device"] = rec["summary"].get("device")
        rows.append(row)
    rp.write_csv(os.path.join(out, "runs.csv"), rows)
    lines = []
    for key, group in rp.group(rows, ("semantics", "set", "sigma", "method")).items():
        cells = [rp.fmt(*rp.mean_sd([r[f"{m}@{k}_last50"] for r in group]))
                 for k in KS for m in ("recall", "ndcg")]
        ler = rp.mean_sd([r["label_error_ratio_last50"] for r in group])
        lines.append(list(key) + [len(group)] + cells + [rp.fmt(*ler, digits=3)])
    header = (["semantics", "set", "sigma", "method", "seeds"] +
              [f"{'Recall' if m == 'recall' else 'NDCG'}@{k}" for k in KS for m in ("recall", "ndcg")] +
              ["label error ratio"])
    with open(os.path.join(out, "table.md"), "w") as f:
        f.write("# Fig. 2: last-50-epoch test metrics (mean ± sd over seeds)\n\n")
        f.write(rp.markdown_table(header, lines))

    device = rp.short_device(rows[0]["device"]) if rows else "?"
    for set_name in SETS:
        series = []
        for (semantics, s, method), g in rp.group(rows, ("semantics", "set", "method")).items():
            if s != set_name:
                continue
            by = rp.group(g, ("sigma",))
            xs = sorted(k[0] for k in by)
            series.append((f"{method} ({semantics})", xs,
                           [rp.mean_sd([r["recall@1_last50"] for r in by[(x,)]])[0] for x in xs]))
        if series:
            rp.plot_lines(os.path.join(out, f"recall1_{set_name}.png"),
                          f"Fig. 2: last-50-epoch test Recall@1 against sigma, srns-syn {set_name}, "
                          f"mean of seeds\ndevice: {device}", series, "sigma", "test Recall@1")
