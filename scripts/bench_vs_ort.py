#!/usr/bin/env python3
"""Latency of EdgeSculpt's runtime side by side with ONNX Runtime, in one run.

  python3 scripts/bench_vs_ort.py [--models resnet18,mobilenet_v2] [--threads 1,2] [--rounds 3]
                                  [--pruned NAME=CONFIG.json ...]

Exports the torchvision models (random weights; latency does not depend on them) to
.build/bench-models/ if they are not there yet (needs torch and torchvision, see
scripts/requirements-fixtures.txt), then measures each model at each thread count with
`sculpt bench` and with ONNX Runtime (CPUExecutionProvider, all graph optimizations,
intra-op threads = N, batch 1), alternating the two for --rounds rounds so that both see the
same machine. Both follow DESIGN.md's measurement protocol: warm-up of at least 0.2 s, 15
samples each lasting at least 10 ms. Prints a Markdown table: medians over rounds of the
median latency, and our time over ONNX Runtime's.

With --pruned, each model is also pruned by each CONFIG (`sculpt apply`, into
.build/bench-models/NAME-MODEL/) and its pruned.sculpt is measured in the same rounds: the table
then has one more row per CONFIG, with ONNX Runtime's time on the dense model over ours (the
speedup that pruning buys against the dense peer).

Run it from the repository root after `swift build -c release`; it runs sculpt through the
scripts/sculpt launcher, which sets up OpenBLAS the way every launcher does.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = os.path.join(ROOT, ".build", "bench-models")


def export(name):
    path = os.path.join(MODELS, name + ".onnx")
    if os.path.exists(path):
        return path
    import torch
    import torchvision
    os.makedirs(MODELS, exist_ok=True)
    model = getattr(torchvision.models, name)().eval()
    torch.onnx.export(model, torch.randn(1, 3, 224, 224), path, opset_version=17, dynamo=False,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    return path


def measure(run, warmup_seconds=0.2, sample_seconds=0.01, samples=15):
    """The measurement protocol: returns per-run milliseconds of each sample."""
    start, runs = time.perf_counter(), 0
    while runs < 1 or time.perf_counter() - start < warmup_seconds:
        run()
        runs += 1
    per_run = (time.perf_counter() - start) / runs
    repeat = max(1, int(-(-sample_seconds // per_run)))
    result = []
    while len(result) < samples:
        t = time.perf_counter()
        for _ in range(repeat):
            run()
        elapsed = time.perf_counter() - t
        if elapsed < sample_seconds:
            # Too short (the machine got faster): rescale and start the samples again.
            repeat = max(repeat + 1, int(-(-repeat * sample_seconds * 1.1 // elapsed)))
            result = []
            continue
        result.append(elapsed / repeat * 1000)
    return result


def onnxruntime_median(path, threads):
    """Measured in a process of its own: ONNX Runtime's threads keep spinning after a run and
    would steal cores from whatever runs next."""
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--onnxruntime", path, str(threads)],
                         check=True, capture_output=True, text=True).stdout
    return float(out)


def onnxruntime_median_here(path, threads):
    import numpy as np
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    x = np.random.default_rng(0).standard_normal((1, 3, 224, 224), dtype=np.float32)
    return statistics.median(measure(lambda: session.run(None, {name: x})))


def sculpt_median(path, threads):
    binary = os.path.join(ROOT, "scripts", "sculpt")
    out = subprocess.run([binary, "bench", path, "--threads", str(threads), "--format", "json"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)["median_ms"]


def prune(path, name, config):
    out = os.path.join(MODELS, f"{name}-{os.path.splitext(os.path.basename(path))[0]}")
    subprocess.run([os.path.join(ROOT, "scripts", "sculpt"), "apply", path, "--config", config, "--out", out],
                   check=True, capture_output=True, text=True)
    return os.path.join(out, "pruned.sculpt")


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--onnxruntime":
        print(onnxruntime_median_here(sys.argv[2], int(sys.argv[3])))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="resnet18,mobilenet_v2")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pruned", action="append", default=[], metavar="NAME=CONFIG",
                        help="also measure the model pruned by this CONFIG (repeatable)")
    args = parser.parse_args()
    configs = [entry.split("=", 1) for entry in args.pruned]
    print("| model | threads | EdgeSculpt median (ms) | ONNX Runtime median (ms) | ratio | ORT dense / ours |")
    print("|---|---|---|---|---|---|")
    for name in args.models.split(","):
        path = export(name)
        variants = [(name, path)] + [(f"{name} {label}", prune(path, label, config)) for label, config in configs]
        for threads in map(int, args.threads.split(",")):
            ours, theirs = {label: [] for label, _ in variants}, []
            for _ in range(args.rounds):
                for label, model in variants:
                    ours[label].append(sculpt_median(model, threads))
                theirs.append(onnxruntime_median(path, threads))
            b = statistics.median(theirs)
            for label, _ in variants:
                a = statistics.median(ours[label])
                print(f"| {label} | {threads} | {a:.2f} | {b:.2f} | {a / b:.2f} | {b / a:.2f} |", flush=True)


if __name__ == "__main__":
    sys.exit(main())
