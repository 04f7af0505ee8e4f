"""Fig. 1(c-d): label error ratio against difficulty, and P_pos's spread for false vs true negatives.

Ground truth is known on the synthetic ML-100K set (srns-syn/ml-100k): a user's test items are
the false negatives (FN) of every non-training item, the others true negatives (TN). SRNS is
trained with the official synthetic protocol (sigma 1.0 file, seed 1) for E = 96..100 epochs:
five runs that share their first epochs exactly (same seed, same data), so their last models
(last_model.bin) are the model at the end of epochs 96..100. From them:
  (c) per difficulty level - the rank of a negative among the user's non-training items by the
      epoch-100 score, bucketed - the label error ratio: the share of FN among its negatives;
  (d) per negative, the mean and sd of P_pos = sigmoid(score) over the five epochs; the medians
      of the mean and of sd/mean for FN against TN, over all negatives and over the hard ones
      (the user's top 20 by score).
"""
import os
import struct

import report as rp
import runner

EPOCHS = (96, 97, 98, 99, 100)
BUCKETS = ((1, 1), (2, 5), (6, 10), (11, 20), (21, 50), (51, 100), (101, 200), (201, 10 ** 9))


def runs():
    fn = runner.shared_file("srns-syn", "ml-100k", "fn_sigma_10.tsv")
    return [runner.Run("fig1", f"ml100k-srns-epochs{e}", "syn-ml100k",
                       ["--protocol", "syn-official", "--fn-file", fn, "--fn-num", "1",
                        "--sigma", "1", "--epochs", str(e), "--patience", "0"], 1,
                       {"epochs": e}, full_eval=False) for e in EPOCHS]


def _load_gmf(path, np):
    with open(path, "rb") as f:
        raw = f.read()
    kind, users, items, dim = struct.unpack_from("<4i", raw, 8)
    if kind != 0:
        raise ValueError(f"{path}: a GMF model was expected (kind {kind})")
    body = np.frombuffer(raw, dtype="<f4", offset=24)
    p = body[:users * dim].reshape(users, dim)
    q = body[users * dim:(users + items) * dim].reshape(items, dim)
    beta = body[(users + items) * dim:(users + items + 1) * dim]
    return (p * beta) @ q.T


def _pairs(path):
    with open(path) as f:
        return [tuple(int(x) for x in line.split()[:2]) for line in f if line.strip()]


def report(runs, out):
    import numpy as np

    if len(runs) < len(EPOCHS):
        return
    data = os.path.join(runner.DATA, "syn-ml100k")
    scores = [_load_gmf(os.path.join(r.dir, "last_model.bin"), np)
              for r in sorted(runs, key=lambda r: r.tags["epochs"])]
    n_users, n_items = scores[0].shape
    train = np.zeros((n_users, n_items), bool)
    for u, i in _pairs(os.path.join(data, "train.tsv")):
        train[u, i] = True
    fn = np.zeros((n_users, n_items), bool)
    for u, i in _pairs(os.path.join(data, "test.tsv")):
        fn[u, i] = True
    users = np.flatnonzero(fn.any(axis=1))
    last = scores[-1]
    ppos = 1.0 / (1.0 + np.exp(-np.stack(scores)))  # [5, U, I]
    mean, sd = ppos.mean(axis=0), ppos.std(axis=0, ddof=1)
    counts = {b: [0, 0] for b in BUCKETS}
    hard = np.zeros((n_users, n_items), bool)
    for u in users:
        neg = np.flatnonzero(~train[u])
        order = neg[np.argsort(-last[u, neg], kind="stable")]
        hard[u, order[:20]] = True
        for rank, i in enumerate(order, start=1):
            for b in BUCKETS:
                if b[0] <= rank <= b[1]:
                    counts[b][0] += 1
                    counts[b][1] += int(fn[u, i])
                    break
    lines = [[f"{lo}-{hi}" if hi < 10 ** 9 else f"{lo}+", c, f"{f / c:.4f}" if c else "-"]
             for (lo, hi), (c, f) in counts.items()]
    neg_mask = np.zeros_like(train)
    neg_mask[users] = ~train[users]
    rows = []
    for scope, mask in (("all negatives", neg_mask), ("hard: top 20 by score", neg_mask & hard)):
        for label, sel in (("false negatives", mask & fn), ("true negatives", mask & ~fn)):
            m, s = mean[sel], sd[sel]
            rows.append([scope, label, int(sel.sum()), f"{np.median(m):.4f}",
                         f"{np.median(s):.4f}", f"{np.median(s / m):.4f}"])
    with open(os.path.join(out, "table.md"), "w") as f:
        f.write("# Fig. 1(c-d) diagnostics: srns-syn ML-100K, SRNS (official synthetic protocol, "
                "sigma 1.0, seed 1), epochs 96-100\n\n## (c) label error ratio by difficulty "
                "(rank by the epoch-100 score among the user's non-training items)\n\n")
        f.write(rp.markdown_table(["rank", "negatives", "label error ratio"], lines))
        f.write("\n## (d) P_pos over the last five epochs, medians\n\n")
        f.write(rp.markdown_table(["scope", "negatives", "count", "median mean P_pos",
                                   "median sd", "median sd/mean"], rows))
    rp.plot_lines(os.path.join(out, "ler_by_rank.png"),
                  "Label error ratio by the negative's score rank (srns-syn ML-100K, epoch 100)\n"
                  f"device: {rp.short_device(runner.load(runs[0])['summary'].get('device'))}",
                  [("label error ratio", list(range(len(lines))),
                    [float(x[2]) if x[2] != "-" else 0.0 for x in lines])],
                  "rank bucket: " + ", ".join(x[0] for x in lines), "share of false negatives")
