"""How accurate the distinct configurations the agent and random search evaluated within the budget are,
beyond the best of each that the report compares: count, median, 90th percentile and best top-1
on the calibration data, and how many reach AT (default 0.982), per report.json given.

    python3 Benchmarks/experiments/search_distribution.py OUT/report.json ... [--at 0.982]
"""
import json, statistics, sys

args = sys.argv[1:]
at = 0.982
if "--at" in args:
    i = args.index("--at")
    at = float(args[i + 1])
    del args[i:i + 2]
for path in args:
    report = json.load(open(path))
    budget = report["budget"]
    for name in ["agent", "random"]:
        evaluations = list({tuple(e["choices"]): e for e in report["evaluations"][name]}.values())
        if "target_latency_ms" in budget:
            within = [e for e in evaluations if e["latency_ms_estimated"] <= budget["target_latency_ms"] * (1 + 1e-9)]
        else:
            within = [e for e in evaluations if e["macs"] <= budget["target_macs"] * report["dense"]["macs"]]
        top1 = sorted(e["top1"] for e in within)
        print(f"{path} {name:6} within the budget {len(top1):3}  median {statistics.median(top1):.4f}  "
              f"90th percentile {top1[int(0.9 * len(top1))]:.4f}  best {top1[-1]:.4f}  at least {at}: {sum(t >= at for t in top1)}")
