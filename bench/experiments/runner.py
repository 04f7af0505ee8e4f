"""The experiment runner's machinery: datasets, runs, claims and resumption.

A run is one `srns train` (plus, optionally, `srns eval` of its best model over the full
catalogue) whose run directory lives in RAW/<study>/<run name>/. A run is done when its
summary.json exists, so a study can be stopped and started again (finished runs are skipped) and
run in parts by several processes at once: a process claims a run by creating
RAW/<study>/<run>.claim exclusively (its host and pid inside); another process skips a claimed
run while the claiming process lives, and takes over a run whose claimer has died (its partial
run directory is resumed from its checkpoint where srns wrote one, else started again).

RAW is not committed, so a fresh clone has no run directories. A run is also done when its
study's committed CSV (RESULTS/<study>/runs.csv, column `run`) holds its row (`committed`). Only
the studies whose reports are made of those rows write that column (Table 3, Fig. 4:
studies/_common.row), so they neither rerun such a run nor drop it from their tables; the
others rerun what their report needs.
"""
import csv
import dataclasses
import functools
import json
import os
import shutil
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SHARED = os.environ.get("SRNS_SHARED_DATA", os.path.join(os.path.dirname(ROOT), "shared", "data"))
DATA = os.path.join(HERE, "data")  # prepared split directories (git-ignored)
RAW = os.path.join(ROOT, "bench", "results", "raw", "experiments")  # run directories (ignored)
RESULTS = os.path.join(ROOT, "bench", "results")  # reports (committed)


def srns_binary():
    for path in (os.environ.get("SRNS_BIN", ""), os.path.join(ROOT, "build", "srns"),
                 os.path.join(ROOT, "build-cpu", "srns")):
        if path and os.access(path, os.X_OK):
            return path
    sys.exit("srns binary not found: build it first (scripts/build.sh) or set SRNS_BIN")


# ---- datasets -------------------------------------------------------------------------------

def ncf_ml1m_split_flags(ncf_dir):
    """`srns split` flags of ML-1M in NCF's split (../shared/data/ncf): the reconstructed train
    pairs, the time-based test item with NCF's negatives (156 of whose rows hold their own
    target, kept with --allow-target-negatives), validation carved out of train. Shared by the
    bench scripts that train on it; each adds --eval-negatives, --seed and --out."""
    return ["--format", "ncf", "--train", os.path.join(ncf_dir, "ml-1m.train.pairs.tsv"),
            "--test", os.path.join(ncf_dir, "ml-1m.test.rating"),
            "--test-negatives", os.path.join(ncf_dir, "ml-1m.test.negative"),
            "--allow-target-negatives", "--val-from-train"]


def _ncf_ml1m(out):
    return (["split"] + ncf_ml1m_split_flags(os.path.join(SHARED, "ncf")) +
            ["--eval-negatives", "99", "--out", out])


def _ml100k(out):
    return ["split", "--input", os.path.join(SHARED, "ml-100k", "u.data"), "--min-rating", "4",
            "--out", out]


def _syn(name):
    def make(out):
        d = os.path.join(SHARED, "srns-syn", name)
        return ["split", "--format", "ncf", "--train", f"{d}/train.tsv", "--test",
                f"{d}/test.tsv", "--out", out]
    return make


# key -> (what it is, the srns command that makes it from ../shared/data)
DATASETS = {
    "ml1m": ("ML-1M, NCF split (reconstructed train pairs, the time-based test item with its 99 "
             "negatives), validation carved out of train (one random item per user, 99 negatives)",
             _ncf_ml1m),
    "ml100k": ("ML-100K, ratings >= 4, leave-one-out by time, 100 sampled negatives", _ml100k),
    "syn-ml100k": ("SRNS synthetic ML-100K (srns-syn/ml-100k): train / test, full ranking",
                   _syn("ml-100k")),
    "syn-ecom-toy": ("SRNS synthetic Ecom-toy (srns-syn/ecom-toy): train / test, full ranking",
                     _syn("ecom-toy")),
}


def shared_file(*parts):
    return os.path.join(SHARED, *parts)


def prepare(key):
    """The split directory of dataset `key`, made once."""
    out = os.path.join(DATA, key)
    if os.path.exists(os.path.join(out, "meta.json")):
        return out
    if not os.path.isdir(SHARED):
        sys.exit(f"the public datasets are not at {SHARED} (set SRNS_SHARED_DATA)")
    os.makedirs(DATA, exist_ok=True)
    if os.path.exists(out):
        shutil.rmtree(out)  # a split interrupted half-way
    cmd = [srns_binary()] + DATASETS[key][1](out)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return out


# ---- runs -----------------------------------------------------------------------------------

@dataclasses.dataclass
class Run:
    study: str
    name: str                     # unique in the study: the run directory's name
    data: str                     # a DATASETS key
    args: list                    # `srns train` flags (besides --data, --out, --seed)
    seed: int
    tags: dict                    # the columns that describe the run in tables (method, ...)
    full_eval: bool = True        # also rank the best model over the whole catalogue (@20)

    @property
    def dir(self):
        return os.path.join(RAW, self.study, self.name)

    def has_records(self):
        """Its run directory is here and finished."""
        return os.path.exists(os.path.join(self.dir, "summary.json"))

    def done(self):
        return self.has_records() or committed(self) is not None


@functools.lru_cache(maxsize=None)
def _committed_rows(path, mtime):
    with open(path, newline="") as f:
        return {r["run"]: r for r in csv.DictReader(f) if r.get("run")}


def committed(run):
    """The run's row in its study's committed runs.csv (strings, as csv reads them), or None."""
    path = os.path.join(RESULTS, run.study, "runs.csv")
    if not os.path.exists(path):
        return None
    return _committed_rows(path, os.path.getmtime(path)).get(run.name)


def _alive(host, pid):
    if host != socket.gethostname():
        return True  # another machine's claim: leave it alone
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def claim(run):
    """True when this process now owns `run` (not done, not claimed by a live process)."""
    os.makedirs(os.path.dirname(run.dir), exist_ok=True)
    path = run.dir + ".claim"
    for _ in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            with os.fdopen(fd, "w") as f:
                json.dump({"host": socket.gethostname(), "pid": os.getpid(),
                           "since": time.time()}, f)
            return not run.done() or release(run)
        except FileExistsError:
            try:
                with open(path) as f:
                    owner = json.load(f)
            except (OSError, ValueError):
                return False  # being written right now
            if _alive(owner["host"], owner["pid"]):
                return False
            os.remove(path)  # stale: its process died; take it over
    return False


def release(run):
    try:
        os.remove(run.dir + ".claim")
    except FileNotFoundError:
        pass
    return False


CHECKPOINT_EVERY = 10


def execute(run, threads):
    """Trains `run` (resuming a partial run directory where possible); returns its seconds."""
    srns = srns_binary()
    data = prepare(run.data)
    start = time.time()
    checkpoint = os.path.join(run.dir, "checkpoint.bin")
    if os.path.exists(checkpoint):
        # The numbers do not depend on the thread count, so a resumed run takes this call's.
        cmd = [srns, "train", "--resume", run.dir, "--threads", str(threads), "--quiet",
               "--progress", "off"]
    else:
        if os.path.exists(run.dir):
            shutil.rmtree(run.dir)  # a partial run without a checkpoint: start again
        # A checkpoint every CHECKPOINT_EVERY epochs (removed when the run ends): a run killed
        # outright resumes from it, with the numbers of an uninterrupted run.
        cmd = [srns, "train", "--data", data, "--out", run.dir, "--seed", str(run.seed),
               "--threads", str(threads), "--quiet", "--progress", "off",
               "--checkpoint-every", str(CHECKPOINT_EVERY)] + run.args
    log = run.dir + ".log"
    with open(log, "w") as out:
        out.write(" ".join(cmd) + "\n")
        out.flush()
        proc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        raise RuntimeError(f"{run.study}/{run.name} failed (exit {proc.returncode}); see {log}")
    if run.full_eval:
        ev = subprocess.run([srns, "eval", "--model", os.path.join(run.dir, "model.bin"),
                             "--data", data, "--eval", "full", "--ks", "20", "--json",
                             "--threads", str(threads)], capture_output=True, text=True)
        if ev.returncode != 0:
            raise RuntimeError(f"{run.study}/{run.name}: full evaluation failed: {ev.stderr}")
        with open(os.path.join(run.dir, "full_eval.json"), "w") as f:
            f.write(ev.stdout)
    return time.time() - start


def load(run):
    """The run's records: summary, per-epoch rows, config, full-ranking metrics (if any)."""
    with open(os.path.join(run.dir, "summary.json")) as f:
        summary = json.load(f)
    with open(os.path.join(run.dir, "epochs.jsonl")) as f:
        epochs = [json.loads(line) for line in f if line.strip()]
    with open(os.path.join(run.dir, "config.json")) as f:
        config = json.load(f)
    full = {}
    path = os.path.join(run.dir, "full_eval.json")
    if os.path.exists(path):
        with open(path) as f:
            text = f.read().strip()
            full = json.loads(text) if text else {}
    return {"summary": summary, "epochs": epochs, "config": config, "full": full}
