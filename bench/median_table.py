#!/usr/bin/env python3
"""Pairs the medians of repeated ganforge_bench runs into one table per benchmark stem.

ganforge_bench's own closing table pairs single runs; with --benchmark_repetitions and
--benchmark_report_aggregates_only it is empty, so this reads the JSON files instead:

  bench/median_table.py conv1.json conv2.json

Every ".../ganforge" benchmark gets a row with its median GFLOP/s (or GB/s), the medians of
the ".../onednn" and ".../eigen" benchmarks of the same stem when present, and the ratio
ganforge / onednn.
"""
import json
import sys

YARDSTICKS = ("onednn", "eigen")


def medians(paths):
    rates = {}
    for path in paths:
        with open(path) as f:
            for b in json.load(f)["benchmarks"]:
                if b.get("aggregate_name") != "median":
                    continue
                rate = b.get("GFLOP/s", b.get("GB/s"))
                if rate is not None:
                    rates[b["run_name"].removesuffix("/real_time")] = rate
    return rates


def main(paths):
    if not paths:
        sys.exit(__doc__)
    rates = medians(paths)
    stems = sorted(n.removesuffix("/ganforge") for n in rates if n.endswith("/ganforge"))
    present = [y for y in YARDSTICKS if any(f"{s}/{y}" in rates for s in stems)]
    width = max((len(s) for s in stems), default=10)
    print(f"{'benchmark (median)':<{width}} {'ganforge':>9}" + "".join(f" {y:>9}" for y in present) + "   ratio")
    for s in stems:
        row = f"{s:<{width}} {rates[s + '/ganforge']:9.1f}"
        for y in present:
            other = rates.get(f"{s}/{y}")
            row += f" {other:9.1f}" if other is not None else f" {'':>9}"
        vendor = rates.get(f"{s}/onednn")
        row += f" {rates[s + '/ganforge'] / vendor:7.2f}" if vendor else ""
        print(row)


if __name__ == "__main__":
    main(sys.argv[1:])
