"""The experiment runner's bookkeeping (bench/experiments): a finished run whose run directory is
gone (a fresh clone) stays finished through its study's committed runs.csv, its row reads back
exactly as the report wrote it, and Table 3's grid choice survives without the directories.

Standard library only; run by ctest (tests/CMakeLists.txt) or `python3 -m unittest` here.
"""
import csv
import json
import os
import shutil
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench", "experiments"))

import report as rp  # noqa: E402
import runner  # noqa: E402
from studies import _common as common  # noqa: E402
from studies import table3  # noqa: E402


def fake_run_dir(run, val, draws):
    """A finished run directory as `srns train` and `srns eval` leave it (the fields read)."""
    os.makedirs(run.dir)
    per_draw = [{k: d + i * 1e-3 for i, k in enumerate(common.SAMPLED)} for d in draws]
    summary = {"best_epoch": 17, "epochs_run": 117, "seconds": 123.456789012,
               "seconds_per_epoch": 1.0 / 3.0, "device": "cpu (1 thread, dense score history)",
               "best_val": {"ndcg@1": val}, "test": per_draw[0],
               "test_neg_draws": {"per_draw": per_draw}}
    files = {"summary.json": json.dumps(summary), "config.json": "{}",
             "epochs.jsonl": json.dumps({"epoch": 1}) + "\n",
             "full_eval.json": json.dumps({"test": {"recall@20": 0.1 / 7, "ndcg@20": 2 / 3}})}
    for name, text in files.items():
        with open(os.path.join(run.dir, name), "w") as f:
            f.write(text)


class CommittedRows(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.saved = runner.RAW, runner.RESULTS
        runner.RAW = os.path.join(self.tmp, "raw")
        runner.RESULTS = os.path.join(self.tmp, "results")

    def tearDown(self):
        runner.RAW, runner.RESULTS = self.saved
        shutil.rmtree(self.tmp)

    def commit(self, study, runs):
        """What `run.py STUDY --report` commits: runs.csv of the runs' rows."""
        os.makedirs(os.path.join(runner.RESULTS, study), exist_ok=True)
        rows = [common.row(r) for r in runs]
        rp.write_csv(os.path.join(runner.RESULTS, study, "runs.csv"), rows)
        return rows

    def test_a_committed_row_reads_back_exactly_and_keeps_the_run_finished(self):
        run = runner.Run("fig4_s1", "variance-s1_4-seed2", "ml1m", [], 2,
                         {"method": "variance", "s1": 4})
        other = runner.Run("fig4_s1", "variance-s1_8-seed2", "ml1m", [], 2,
                           {"method": "variance", "s1": 8})
        self.assertFalse(run.done())
        fake_run_dir(run, 0.3141592653589793, [0.2, 0.1 / 3, 0.7])
        self.assertTrue(run.done() and run.has_records())
        [written] = self.commit("fig4_s1", [run])
        self.assertEqual(written["run"], run.name)
        shutil.rmtree(run.dir)  # a fresh clone: the run directory is gone
        self.assertFalse(run.has_records())
        self.assertTrue(run.done())
        self.assertFalse(other.done())
        self.assertEqual(common.row(run), written)  # floats, ints, draw lists, device, tags

    def test_table3_keeps_its_grid_choice_without_the_run_directories(self):
        grid = table3.GRID["dns"][1]
        seed1 = [table3.run_for("ml1m", "dns", v, 1) for v in grid]
        for run, val in zip(seed1, (0.30, 0.35, 0.32)):
            fake_run_dir(run, val, [0.2])
        self.assertEqual(table3.chosen("ml1m", "dns"), grid[1])  # best validation NDCG@1
        later = [table3.run_for("ml1m", "dns", grid[1], s) for s in (2, 3)]
        for run in later:
            fake_run_dir(run, 0.3, [0.2])
        self.commit("table3", seed1 + later)
        for run in seed1 + later:
            shutil.rmtree(run.dir)
        self.assertEqual(table3.chosen("ml1m", "dns"), grid[1])  # from the committed rows
        # Rows committed before the validation column: the value whose seed 2 was run.
        path = os.path.join(runner.RESULTS, "table3", "runs.csv")
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
        rp.write_csv(path, [dict(r, val_ndcg1="") for r in rows])
        os.utime(path, (0, 1))  # a new mtime: the runner's cache of the file must not answer
        self.assertIsNone(common.committed_row(seed1[0])["val_ndcg1"])
        self.assertEqual(table3.chosen("ml1m", "dns"), grid[1])


if __name__ == "__main__":
    unittest.main()
