#!/usr/bin/python3
"""bench/report.py on ganforge_bench JSON written by tiny real runs (timings of a busy machine:
they test the arithmetic, they are no results).

repetitions.json: --benchmark_repetitions=3 (iterations and aggregates) of a few DCGAN-MNIST
layer passes on cpu, onednn and reference, a GEMM with Eigen, and the MLP GAN's training step;
single_run.json: one conv pass on two threads, no repetitions.
"""
import copy
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPORT = os.path.join(HERE, "..", "..", "bench", "report.py")
REPETITIONS = os.path.join(HERE, "repetitions.json")
SINGLE = os.path.join(HERE, "single_run.json")
sys.path.insert(0, os.path.dirname(REPORT))
import report  # noqa: E402


def rows_of(markdown, first_cells):
    """The cells of the table rows whose leading cells are first_cells."""
    out = []
    for line in markdown.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[: len(first_cells)] == first_cells:
            out.append(cells)
    return out


def median_of(path, name, counter):
    """The "median" aggregate of a benchmark, read straight from the JSON."""
    with open(path) as f:
        for b in json.load(f)["benchmarks"]:
            if b["run_name"] == name + "/real_time" and b.get("aggregate_name") == "median":
                return b[counter]
    raise KeyError(name)


def run_report(*args):
    return subprocess.run([sys.executable, REPORT, *args], check=True, capture_output=True, text=True).stdout


class Report(unittest.TestCase):
    def test_pairs_the_medians_of_ours_and_the_vendor(self):
        text = run_report(REPETITIONS)
        stem = "layer/dcgan-mnist/conv1-64k4s2p1@28x28/wgrad/batch:16"
        cpu = median_of(REPETITIONS, stem + "/cpu/threads:1", "GFLOP/s")
        onednn = median_of(REPETITIONS, stem + "/onednn/threads:1", "GFLOP/s")
        roof = median_of(REPETITIONS, stem + "/cpu/threads:1", "roofline")
        [row] = rows_of(text, ["16", "`conv1-64k4s2p1@28x28`", "wgrad (backward-filter)"])
        self.assertEqual(row[3:], ["D.main.0", "GFLOP/s", f"{cpu:,.1f}", f"{onednn:,.1f}", f"{cpu / onednn:.2f}",
                                   f"{100 * roof:.0f}%", ""])
        self.assertIn("### dcgan-mnist, CPU, 1 thread", text)

    def test_names_a_transposed_layers_passes_by_their_role(self):
        text = run_report(REPETITIONS)
        self.assertEqual(len(rows_of(text, ["16", "`convT64-1k4s2p1@14x14`", "dgrad (forward)"])), 1)
        self.assertEqual(len(rows_of(text, ["16", "`conv1-64k4s2p1@28x28`", "fprop (forward)"])), 1)

    def test_other_backends_get_a_column_of_their_own(self):
        text = run_report(REPETITIONS)
        stem = "layer/dcgan-mnist/relu@64x14x14/forward/batch:16"
        [row] = rows_of(text, ["16", "`relu@64x14x14`", "forward"])
        self.assertEqual(row[-1], f"{median_of(REPETITIONS, stem + '/reference/threads:1', 'GB/s'):,.1f}")
        self.assertEqual(row[6:8], ["", ""])  # no onednn measurement, no ratio
        [gemm] = rows_of(text, ["MLP GAN G 100->128 64x100x128"])
        eigen = median_of(REPETITIONS, "gemm/MLP GAN G 100->128 64x100x128/eigen/threads:1", "GFLOP/s")
        self.assertEqual(gemm[-1], f"{eigen:,.1f}")

    def test_training_steps_in_images_per_second(self):
        text = run_report(REPETITIONS)
        [row] = rows_of(text, ["gan"])
        cpu = median_of(REPETITIONS, "train_step/gan/cpu/threads:1", "images/s")
        onednn = median_of(REPETITIONS, "train_step/gan/onednn/threads:1", "images/s")
        self.assertEqual(row, ["gan", "images/s", f"{cpu:,.1f}", f"{onednn:,.1f}", f"{cpu / onednn:.2f}"])

    def test_iterations_without_aggregates_give_the_same_medians(self):
        with open(REPETITIONS) as f:
            data = json.load(f)
        data["benchmarks"] = [b for b in data["benchmarks"] if b.get("run_type") != "aggregate"]
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "iterations.json")
            with open(path, "w") as f:
                json.dump(data, f)
            self.assertEqual(run_report(path).splitlines()[1:], run_report(REPETITIONS).splitlines()[1:])

    def test_one_table_per_thread_count_across_files(self):
        text = run_report(REPETITIONS, SINGLE)
        with open(SINGLE) as f:
            single = {b["run_name"]: b["GFLOP/s"] for b in json.load(f)["benchmarks"]}
        stem = "layer/dcgan-mnist/conv1-64k4s2p1@28x28/fprop/batch:16"
        ratio = single[stem + "/cpu/threads:2/real_time"] / single[stem + "/onednn/threads:2/real_time"]
        two_threads = text[text.index("### dcgan-mnist, CPU, 2 threads"):]
        [row] = rows_of(two_threads, ["16", "`conv1-64k4s2p1@28x28`", "fprop (forward)"])
        self.assertEqual(row[7], f"{ratio:.2f}")

    def test_gpu_backends_pair_cuda_with_cudnn(self):
        # The CPU measurements relabelled as a GPU's, only to exercise the GPU tables.
        with open(REPETITIONS) as f:
            data = json.load(f)
        gpu = copy.deepcopy(data)
        gpu["context"]["gpu"] = "Test GPU"
        rename = {"/cpu/threads:1/": "/cuda/", "/onednn/threads:1/": "/cudnn/"}
        kept = []
        for b in gpu["benchmarks"]:
            for old, new in rename.items():
                if old in b["run_name"]:
                    b["run_name"] = b["run_name"].replace(old, new).replace("real_time", "manual_time")
                    b["name"] = b["name"].replace(old, new)
                    kept.append(b)
        gpu["benchmarks"] = kept
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "gpu.json")
            with open(path, "w") as f:
                json.dump(gpu, f)
            text = run_report(path)
        self.assertIn("### dcgan-mnist, Test GPU", text)
        self.assertIn("| cuda | cudnn | ratio |", text)

    def test_the_chart_is_one_png_per_table(self):
        with tempfile.TemporaryDirectory() as tmp:
            run_report(REPETITIONS, "--chart", os.path.join(tmp, "ratios.png"), "--out", os.path.join(tmp, "r.md"))
            self.assertEqual(sorted(os.listdir(tmp)), ["r.md", "ratios.png"])
            run_report(REPETITIONS, SINGLE, "--chart", os.path.join(tmp, "both.png"))
            pngs = sorted(p for p in os.listdir(tmp) if p.startswith("both"))
            self.assertEqual(pngs, ["both-cpu-1-thread.png", "both-cpu-2-threads.png"])
            for p in pngs:
                with open(os.path.join(tmp, p), "rb") as f:
                    self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")

    def test_chart_bars_are_the_paired_passes(self):
        measurements, context = report.load([REPETITIONS])
        [table] = [t for t in report.tables_of(measurements, context) if t.title == "CPU, 1 thread"]
        labels = [label for label, _ in report.chart_bars(table)]
        self.assertEqual(len(labels), 5)  # 4 layer passes and the GEMM: relu has no onednn twin
        self.assertTrue(all(re.match(r"dcgan-mnist b16 |gemm/", label) for label in labels))


if __name__ == "__main__":
    unittest.main()
