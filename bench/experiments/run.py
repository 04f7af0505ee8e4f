#!/usr/bin/env python3
"""Reproduces one of the paper's studies with srns: runs what is missing, then reports.

  bench/experiments/run.py STUDY [--jobs N] [--threads T] [--only TEXT] [--plan] [--report]

STUDY is one of the modules in bench/experiments/studies/ (`run.py --list`). Each run's run
directory (config.json, epochs.jsonl, summary.json, model.bin) is kept under
bench/results/raw/experiments/STUDY/ (git-ignored); the study's CSV of all runs, its Markdown
table and its PNG plots go to bench/results/STUDY/. Finished runs are skipped, so a study that
takes hours can be run in parts, and several processes (or machines sharing the folder) can run
it at once: each run is claimed before it starts (runner.py). --plan lists the runs and what is
left; --report writes the report from what is finished, running nothing. A fresh clone has no
run directories: Table 3 and Fig. 4 count the runs their committed runs.csv holds as finished
and report them from those rows (runner.py).
"""
import argparse
import concurrent.futures as futures
import importlib
import os
import pkgutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import runner  # noqa: E402
import studies  # noqa: E402


def study_names():
    return sorted(m.name for m in pkgutil.iter_modules(studies.__path__) if not m.name.startswith("_"))


def run_claimed(run, threads):
    try:
        return run, runner.execute(run, threads), None
    except Exception as e:  # reported after the pool drains; the claim is released
        return run, 0.0, e
    finally:
        runner.release(run)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("study", nargs="?", help="the study to run (see --list)")
    p.add_argument("--list", action="store_true", help="list the studies")
    p.add_argument("--jobs", type=int, default=1, help="runs at once in this process (default 1)")
    p.add_argument("--threads", type=int, default=0,
                   help="threads per run (default: the cores divided by --jobs)")
    p.add_argument("--only", default="", help="only runs whose name contains this text")
    p.add_argument("--plan", action="store_true", help="list the runs and their state; run nothing")
    p.add_argument("--report", action="store_true", help="report on finished runs; run nothing")
    a = p.parse_args()
    if a.list or not a.study:
        for name in study_names():
            mod = importlib.import_module("studies." + name)
            print(f"{name:12s} {mod.__doc__.strip().splitlines()[0]}")
        return 0
    if a.study not in study_names():
        sys.exit(f"unknown study '{a.study}'; one of: {', '.join(study_names())}")
    study = importlib.import_module("studies." + a.study)
    runs = [r for r in study.runs() if a.only in r.name]
    left = [r for r in runs if not r.done()]
    print(f"{a.study}: {len(runs)} runs, {len(runs) - len(left)} finished, {len(left)} left")
    if a.plan:
        for r in runs:
            print(f"  {'done' if r.done() else 'todo'}  {r.name}  ({r.data}: {' '.join(r.args)})")
        return 0
    if not a.report and left:
        threads = a.threads or max(1, (os.cpu_count() or 2) // a.jobs)
        failures = []
        with futures.ThreadPoolExecutor(max_workers=a.jobs) as pool:
            pending = set()
            todo = iter(left)
            while True:
                while len(pending) < a.jobs:
                    run = next(todo, None)
                    if run is None:
                        break
                    if runner.claim(run):
                        pending.add(pool.submit(run_claimed, run, threads))
                if not pending:
                    break
                done, pending = futures.wait(pending, return_when=futures.FIRST_COMPLETED)
                for f in done:
                    run, seconds, error = f.result()
                    if error:
                        failures.append(error)
                        print(f"  FAILED {run.name}: {error}", flush=True)
                    else:
                        print(f"  {time.strftime('%H:%M:%S')} finished {run.name} in "
                              f"{seconds:.0f} s", flush=True)
        if failures:
            print(f"{len(failures)} runs failed; the report covers the finished ones")
    # The report covers every finished run of the study, not only the --only subset, so a
    # process that runs part of a study never shrinks the study's tables.
    finished = [r for r in study.runs() if r.done()]
    if finished:
        out = os.path.join(runner.RESULTS, a.study)
        os.makedirs(out, exist_ok=True)
        study.report(finished, out)
        print(f"report: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
