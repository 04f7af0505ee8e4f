#!/usr/bin/env python3
"""An independent numpy implementation of the official SRNS synthetic-data protocol
(dingjingtao/SRNS, SRNS_syn/main.py, Model.py, EvaluateUser.py, run_srns.sh), to check the
engine's --protocol syn-official against it. It shares no code and no random numbers with srns.

What the official code does, and this script with it:
  model      GMF r = h . (p_u * q_i), F = 32, P, Q ~ truncated N(0, 0.01), h ~ U(+-sqrt(6/(F+1)));
             loss sum softplus(r_neg - r_pos - 1e-8) over the batch, no L2 (regs 0);
             TF1 Adam (dense: every row's moments decay every step), lr 1e-3; batches of 1000,
             the partial last batch dropped.
  scores     S = the model's score of every (u, i) at the end of the previous epoch (before
             training for epoch 0); the evaluation's score matrix, reused for sampling.
  sd         sd over the last 5 end-of-epoch score matrices of the raw scores; zero in epochs
             0..4.
  selection  per positive (u, i): j = argmax over u's memory M_u of S[u, k] + alpha_t * sd[u, k],
             alpha_t = alpha * min(1, t / T0) (increase), alpha = 10, T0 = 50.
  memory     M_u: fn_u injected slots (fn_num = 1 of the user's false-negative set F_u, redrawn at
             every refresh when |F_u| > fn_num) then S1 - fn_u items drawn uniformly (with
             replacement) from the items outside u's train and test sets; S1 = S2 = 20.
  refresh    after every positive's selection (every pair, in batch order, so a user's later
             pairs in the batch see it): append S2 such items, then keep S1 - fn_u of the
             S1 - fn_u + S2 non-injected entries drawn without replacement from softmax(S / 1).
  uniform    j uniform over the items outside u's train set (test items allowed).
  evaluation every epoch on the test set: each test item of u ranked against every item outside
             u's train set with a strictly higher score (other test items compete; ties count
             for the target); Recall@k = hits / min(k, n_u); NDCG@k = DCG / ideal DCG over
             min(k, n_u) items; means over the users with test items. The figures of the paper's
             Fig. 2 are the means of the last 50 epochs.

  python3 bench/reference_syn_numpy.py SYN_DIR srns|uniform SIGMA_FILE SEED [EPOCHS] [ALPHA]

SYN_DIR holds train.tsv and test.tsv (../shared/data/srns-syn/ml-100k); SIGMA_FILE is one of its
fn_sigma_K.tsv. Prints one JSON line per epoch (epoch, loss, recall@1,3,5, ndcg@1,3,5,
label_error_ratio) and a final JSON line with the last-50-epoch means. Needs numpy.
"""
import json
import sys

import numpy as np

d, model, fn_path, seed = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
epochs = int(sys.argv[5]) if len(sys.argv) > 5 else 400
alpha = float(sys.argv[6]) if len(sys.argv) > 6 else 10.0
rng = np.random.default_rng(seed)
tr = np.loadtxt(d + "/train.tsv", dtype=np.int64)
te = np.loadtxt(d + "/test.tsv", dtype=np.int64)
U = int(max(tr[:, 0].max(), te[:, 0].max()) + 1)
I = int(max(tr[:, 1].max(), te[:, 1].max()) + 1)
F, S1, S2, T0, B, lr, tau, fn_num = 32, 20, 20, 50, 1000, 1e-3, 1.0, 1

train_mat = np.zeros((U, I), bool)
train_mat[tr[:, 0], tr[:, 1]] = True
test_mat = np.zeros((U, I), bool)
test_mat[te[:, 0], te[:, 1]] = True
fn = [[] for _ in range(U)]
fnd = np.loadtxt(fn_path, dtype=np.int64, ndmin=2)
for u, i in fnd:
    fn[u].append(int(i))
fn_mat = np.zeros((U, I), bool)
if len(fnd):
    fn_mat[fnd[:, 0], fnd[:, 1]] = True
tests = [np.flatnonzero(test_mat[u]) for u in range(U)]


def trunc_normal(shape):
    x = rng.normal(0, 1, shape)
    while True:
        bad = np.abs(x) > 2
        if not bad.any():
            return (x * 0.01).astype(np.float32)
        x[bad] = rng.normal(0, 1, bad.sum())


P, Q = trunc_normal((U, F)), trunc_normal((I, F))
lim = np.sqrt(6 / (F + 1))
h = rng.uniform(-lim, lim, F).astype(np.float32)
moments = [(np.zeros_like(x), np.zeros_like(x)) for x in (P, Q, h)]
step = 0


def outside_train_test(u):
    while True:
        c = int(rng.integers(0, I))
        if not train_mat[u, c] and not test_mat[u, c]:
            return c


fn_u = [min(fn_num, len(fn[u])) for u in range(U)]
M = []
for u in range(U):
    row = list(fn[u]) if len(fn[u]) <= fn_num else list(rng.choice(fn[u], fn_num, replace=False))
    while len(row) < S1:
        row.append(outside_train_test(u))
    M.append(row)


def evaluate(S):
    rec, ndcg = np.zeros(3), np.zeros(3)
    users = 0
    for u in range(U):
        if len(tests[u]) == 0:
            continue
        users += 1
        cand = S[u][~train_mat[u]]
        ranks = np.array([(cand > S[u, t]).sum() for t in tests[u]])
        for c, k in enumerate((1, 3, 5)):
            n = min(k, len(tests[u]))
            hit = ranks < k
            rec[c] += hit.sum() / n
            ndcg[c] += np.where(hit, 1 / np.log2(ranks + 2), 0).sum() / (1 / np.log2(np.arange(n) + 2)).sum()
    return rec / users, ndcg / users


def scores():
    return ((P * h) @ Q.T).astype(np.float32)


S = scores()
history = [S]
records = []
for t in range(epochs):
    if model == "srns" and t >= 5:
        sd = np.stack(history[-5:]).std(0)
    else:
        sd = np.zeros((U, I), np.float32)
    alpha_t = alpha * min(1.0, t / T0)
    perm = rng.permutation(len(tr))
    loss, errors, pairs = 0.0, 0, 0
    for bi in range(len(tr) // B):
        idx = perm[bi * B:(bi + 1) * B]
        u, i = tr[idx, 0], tr[idx, 1]
        if model == "uniform":
            j = rng.integers(0, I, len(u))
            bad = train_mat[u, j]
            while bad.any():
                j[bad] = rng.integers(0, I, bad.sum())
                bad = train_mat[u, j]
        else:
            j = np.empty(len(u), np.int64)
            for k in range(len(u)):
                uu = u[k]
                row = M[uu]
                val = S[uu, row] + alpha_t * sd[uu, row]
                j[k] = row[int(np.argmax(val))]
                f = fn_u[uu]
                if len(fn[uu]) > fn_num:
                    row[:fn_num] = list(rng.choice(fn[uu], fn_num, replace=False))
                while len(row) < S1 + S2:
                    row.append(outside_train_test(uu))
                logits = S[uu, row[f:]] / tau
                p = np.exp(logits - logits.max())
                p /= p.sum()
                keep = rng.choice(S1 + S2 - f, S1 - f, replace=False, p=p) + f
                M[uu] = row[:f] + [row[x] for x in keep]
        errors += int(fn_mat[u, j].sum())
        pairs += len(u)
        pu, qi, qj = P[u], Q[i], Q[j]
        x = ((pu * h) * (qj - qi)).sum(1) - 1e-8
        loss += float(np.logaddexp(0, x).sum())
        sg = (1 / (1 + np.exp(-x)))[:, None]
        gP, gQ = np.zeros_like(P), np.zeros_like(Q)
        np.add.at(gP, u, sg * h * (qj - qi))
        np.add.at(gQ, i, -sg * pu * h)
        np.add.at(gQ, j, sg * pu * h)
        gh = (sg * pu * (qj - qi)).sum(0)
        step += 1
        lr_t = lr * np.sqrt(1 - 0.999**step) / (1 - 0.9**step)
        for w, (m, v), g in zip((P, Q, h), moments, (gP, gQ, gh)):
            m *= 0.9
            m += 0.1 * g
            v *= 0.999
            v += 0.001 * g * g
            w -= (lr_t * m / (np.sqrt(v) + 1e-8)).astype(np.float32)
    S = scores()
    history = (history + [S])[-5:]
    rec, nd = evaluate(S)
    r = {"epoch": t + 1, "loss": loss / len(tr), "label_error_ratio": errors / max(pairs, 1)}
    for c, k in enumerate((1, 3, 5)):
        r["recall@%d" % k] = rec[c]
        r["ndcg@%d" % k] = nd[c]
    records.append(r)
    print(json.dumps(r), flush=True)
last = records[-50:]
print(json.dumps({"model": model, "alpha": alpha, "seed": seed, "fn": fn_path, "epochs": epochs,
                  "last50": {key: float(np.mean([r[key] for r in last]))
                             for key in last[0] if key != "epoch"}}), flush=True)
