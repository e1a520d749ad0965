#!/usr/bin/env python3
"""Lowered shape-pattern and channel-pruned ONNX against the dense model, in ONNX Runtime.

  python3 scripts/bench_lowered.py [--model resnet18] [--variants shape:0.3,shape:0.5,channels:0.3,channels:0.5]
                                   [--threads 1,2] [--rounds 3] [--binary .build/release/LoweringBenchmarks]

Run it from the repository root after `swift build -c release --product LoweringBenchmarks`.
Exports the torchvision model like scripts/bench_vs_ort.py (random weights: latency does not
depend on them), runs the LoweringBenchmarks executable, which selects the masks
with EdgeSculpt's own code (ModelMasks.select with the family as the default of a CONFIG),
applies them and lowers the masked model (Lowering.lower) into .build/bench-lowered/. Then it
times the dense model and every lowered one in ONNX Runtime (CPUExecutionProvider, all graph
optimizations, intra-op threads = N, batch 1, each in a process of its own, DESIGN.md's
measurement protocol), interleaved: every round measures all models once, in a rotated order.
Prints a Markdown table: medians over rounds of the median latency, the speedup over dense, the
MAC reduction (dense MACs / lowered MACs, SculptGraph's cost model) and their ratio; the issue's
goal is a ratio of at least 0.7.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_vs_ort import ROOT, export, onnxruntime_median  # noqa: E402

OUT = os.path.join(ROOT, ".build", "bench-lowered")


def lower(binary, model_path, variants):
    """Runs LoweringBenchmarks: one JSON object per variant."""
    out = subprocess.run([binary, model_path, OUT] + variants, cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="resnet18")
    parser.add_argument("--variants", default="shape:0.3,shape:0.5,channels:0.3,channels:0.5")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "LoweringBenchmarks"))
    args = parser.parse_args()
    dense = export(args.model)
    results = lower(args.binary, dense, args.variants.split(","))
    models = [("dense", dense)] + [(f"{r['family']} {r['rate']}", r["lowered"]) for r in results]
    print(f"{args.model}: dense {results[0]['macs_dense'] / 1e9:.3f} GMACs, {results[0]['params_dense'] / 1e6:.2f} M parameters\n")
    print("| variant | threads | median (ms) | speedup | GMACs | MAC reduction | speedup / MAC reduction | parameters (M) |")
    print("|---|---|---|---|---|---|---|---|")
    for threads in map(int, args.threads.split(",")):
        times = {name: [] for name, _ in models}
        for round_ in range(args.rounds):
            rotation = round_ % len(models)
            for name, path in models[rotation:] + models[:rotation]:
                times[name].append(onnxruntime_median(path, threads))
        base = statistics.median(times["dense"])
        print(f"| dense | {threads} | {base:.2f} | 1.00 | {results[0]['macs_dense'] / 1e9:.3f} | 1.00 | — | {results[0]['params_dense'] / 1e6:.2f} |")
        for (name, _), r in zip(models[1:], results):
            t = statistics.median(times[name])
            speedup, reduction = base / t, r["macs_dense"] / r["macs_lowered"]
            print(f"| {name} | {threads} | {t:.2f} | {speedup:.2f} | {r['macs_lowered'] / 1e9:.3f} | {reduction:.2f} | "
                  f"{speedup / reduction:.2f} | {r['params_lowered'] / 1e6:.2f} |", flush=True)


if __name__ == "__main__":
    sys.exit(main())
