#!/usr/bin/env python3
"""Coverage of torchvision's classification models by EdgeSculpt, against ONNX Runtime.

  python3 scripts/check_torchvision.py [--models resnet18,vit_b_16] [--skip-params-above 1e8]
                                       [--sculpt .build/release/sculpt] [--samples 5]
                                       [--work /tmp/tv-models] [--out FILE.md]

For every model of torchvision.models.list_models(module=torchvision.models) (or --models),
with seeded random weights (no downloads):
  1. export to ONNX like users do (TorchScript exporter, opset 17, eval mode, input "input"
     with a dynamic batch axis, output "logits"), into --work (default /tmp/tv-models);
     the input size is the crop size of torchvision's default weights (224 for most, 299
     for Inception-v3, up to 600 for EfficientNet-B7), the size its GFLOPS are quoted at;
  2. `sculpt inspect --format json`: MACs and params, MACs next to torchvision's "_ops";
  3. `sculpt run` on a seeded random input (batch 1) against ONNX Runtime on the same input:
     max |ours - ort| / max |ort| over all outputs;
  4. `sculpt bench --threads 1 --samples 5` against ONNX Runtime (CPUExecutionProvider, all
     graph optimizations, 1 intra-op thread, batch 1) timed with bench_vs_ort.measure, the
     same protocol, also with 5 samples: medians and their ratio (ours / ORT).
A step that fails records its error (one line: the CLI's "Error: ..." line, or for a crash
the runtime's failure message and source location) and the script goes on. Models with more
parameters than --skip-params-above (torchvision's count) are skipped.

Prints a Markdown report (header, table, failures) to stdout and writes it to --out, which
is rewritten after every model so that an interrupted run leaves a usable file. Exits 0
even if models fail: the report is the result. Run from the repository root; needs torch,
torchvision, onnx, onnxruntime (scripts/requirements-fixtures.txt).
"""
import argparse
import datetime
import json
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
import zlib

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_vs_ort import measure  # noqa: E402  (the shared measurement protocol)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED = 1234
OPSET = 17
REL_TOLERANCE = 1e-4  # rel. error above this is reported as a difference
TIMEOUT = 1800        # seconds for one CLI call


def one_line(text, limit=300):
    return " ".join(str(text).split())[:limit]


def cli_error(proc):
    """The one-line error of a failed CLI call (see the module docstring)."""
    lines = [l.strip() for l in proc.stderr.splitlines() if l.strip()]
    crash = next((l.strip("* ") for l in lines if "runtime failure" in l or "Fatal error" in l), None)
    if crash:  # Swift trap: the backtracer prints the message, then the frames
        frames = (re.search(r"0x[0-9a-f]+ (.+?) \+ \d+ in \S+ at (/\S+)", l) for l in lines)
        frame = next((f for f in frames if f and "<compiler-generated>" not in f[2]), None)
        where = f" in {frame[1]} at {frame[2].replace(ROOT + '/', '')}" if frame else ""
        return one_line(f"crash (exit {proc.returncode}): {crash}{where}")
    error = next((l for l in lines if l.startswith("Error:")), lines[-1] if lines else "")
    return one_line(f"{error} (exit {proc.returncode})")


def sculpt(binary, *args):
    """Runs the CLI; returns its stdout or raises RuntimeError with the one-line error."""
    try:
        proc = subprocess.run([binary, *args], capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"timed out after {TIMEOUT} s")
    if proc.returncode != 0:
        raise RuntimeError(cli_error(proc))
    return proc.stdout


def input_size(weights):
    """Crop size of the default weights' preset (224 if it has none)."""
    crop = getattr(weights.transforms(), "crop_size", [224])
    return crop[0] if isinstance(crop, (list, tuple)) else int(crop)


def export(name, path, size, seed):
    """Seeded random weights, eval mode, exported like scripts/bench_vs_ort.py does."""
    import torch
    import torchvision

    torch.manual_seed(seed)
    model = torchvision.models.get_model(name, weights=None).eval()
    with torch.no_grad():
        # Parameters left constant by their init (zero biases, ViT's zero head, BN's 1/0)
        # get noise: outputs are not trivially zero, equal tensors are not deduplicated.
        gen = torch.Generator().manual_seed(seed + 1)
        for p in model.parameters():
            if p.numel() > 1 and bool((p == p.flatten()[0]).all()):
                p.add_(0.1 * torch.randn(p.shape, generator=gen))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (torch.randn(1, 3, size, size),), path, opset_version=OPSET,
                          dynamo=False, input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})


def ort_session(path):
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def check(name, args, weights):
    """All steps for one model; returns a row dict (errors under "errors")."""
    row = {"model": name, "errors": [], "gflops": weights.meta.get("_ops") if weights else None}
    size = input_size(weights) if weights else 224
    seed = SEED + zlib.crc32(name.encode()) % 10000
    path = os.path.join(args.work, f"{name}_op{OPSET}_ts.onnx")
    row["size"] = size
    try:
        t = time.perf_counter()
        export(name, path, size, seed)
        row["export_s"] = time.perf_counter() - t
    except Exception as e:  # noqa: BLE001 - record and go on
        row["errors"].append(f"export: {type(e).__name__}: {one_line(e)}")
        return row

    try:
        info = json.loads(sculpt(args.sculpt, "inspect", path, "--format", "json"))
        row["macs"], row["params"] = info["macs"], info["params"]
    except Exception as e:  # noqa: BLE001
        row["errors"].append(f"inspect: {one_line(e)}")

    x = np.random.default_rng(seed).standard_normal((1, 3, size, size), dtype=np.float32)
    session = None
    try:
        session = ort_session(path)
        names = [o.name for o in session.get_outputs()]
        theirs = dict(zip(names, session.run(names, {"input": x})))
    except Exception as e:  # noqa: BLE001
        row["errors"].append(f"onnxruntime: {type(e).__name__}: {one_line(e)}")
    if session is not None:
        with tempfile.TemporaryDirectory() as tmp:
            inp, out = os.path.join(tmp, "in.npz"), os.path.join(tmp, "out.npz")
            np.savez(inp, input=x)
            try:
                sculpt(args.sculpt, "run", path, "--input", inp, "--output", out, "--threads", "1")
                with np.load(out) as npz:
                    ours = {k: npz[k] for k in npz.files}
                errors, wrong = [], []
                for k, ref in theirs.items():
                    if k not in ours or ours[k].size != ref.size:
                        raise RuntimeError(f"output {k}: shape {getattr(ours.get(k), 'shape', None)}"
                                           f", ONNX Runtime's is {ref.shape}")
                    if ours[k].shape != ref.shape:  # compare the values anyway
                        wrong.append(f"output {k}: shape {ours[k].shape}, ONNX Runtime's is {ref.shape}")
                    scale = float(np.abs(ref).max())
                    diff = float(np.abs(ours[k].reshape(ref.shape).astype(np.float64) - ref).max())
                    errors.append(diff / scale if scale > 0 else diff)
                row["rel_error"] = max(errors)  # NaN from ours propagates and is reported
                if wrong:
                    raise RuntimeError("; ".join(wrong))
            except Exception as e:  # noqa: BLE001
                row["errors"].append(f"run: {one_line(e)}")

    try:
        out = sculpt(args.sculpt, "bench", path, "--threads", "1", "--samples", str(args.samples),
                     "--format", "json")
        row["ours_ms"] = json.loads(out)["median_ms"]
    except Exception as e:  # noqa: BLE001
        row["errors"].append(f"bench: {one_line(e)}")
    if session is not None:
        try:
            feed = {"input": x}
            row["ort_ms"] = statistics.median(measure(lambda: session.run(None, feed),
                                                      samples=args.samples))
        except Exception as e:  # noqa: BLE001
            row["errors"].append(f"onnxruntime bench: {type(e).__name__}: {one_line(e)}")
    return row


def fmt_row(r):
    def num(key, spec, scale=1.0):
        return format(r[key] / scale, spec) if r.get(key) is not None else "–"
    ratio = f"{r['ours_ms'] / r['ort_ms']:.2f}" if r.get("ours_ms") and r.get("ort_ms") else "–"
    status = []
    if r.get("macs") is not None and r["gflops"] is not None and round(r["macs"] / 1e9, 3) != r["gflops"]:
        status.append("MACs ≠ torchvision")
    rel = r.get("rel_error")
    if rel is not None and not rel <= REL_TOLERANCE:
        status.append("differs from ORT")
    if r["errors"]:
        status.append(", ".join(e.split(":", 1)[0] for e in r["errors"]) + " failed")
    name = r["model"] + (f" ({r['size']}px)" if r.get("size", 224) != 224 else "")
    return (f"| {name} | {num('macs', '.3f', 1e9)} | {num('gflops', '.3f')}"
            f" | {num('params', ',.0f')} | {num('rel_error', '.1e')} | {num('ours_ms', '.2f')}"
            f" | {num('ort_ms', '.2f')} | {ratio} | {', '.join(status) or 'ok'} |")


HEADER = ("| model | MACs (G) ours | torchvision GFLOPS | params | rel. error vs ORT | ours ms "
          "| ORT ms | ratio | status |\n|---|---:|---:|---:|---:|---:|---:|---:|---|")


def machine():
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        model = next(l.split(":", 1)[1].strip() for l in lscpu.splitlines()
                     if l.startswith("Model name:"))
    except Exception:  # noqa: BLE001
        model = platform.processor() or "unknown CPU"
    return f"{model}, {os.cpu_count()} cores, {platform.system()} {platform.machine()}"


def report(args, rows, skipped, command, started, finished):
    import onnxruntime
    import torch
    import torchvision
    try:
        built = f"{datetime.datetime.fromtimestamp(os.path.getmtime(args.sculpt)):%Y-%m-%d %H:%M}"
    except OSError:
        built = "?"
    lines = [
        "# torchvision models: EdgeSculpt vs ONNX Runtime",
        "",
        f"Made by `scripts/check_torchvision.py` on {started:%Y-%m-%d} "
        + ("(finished)" if finished else "(**incomplete: still running or interrupted**)") + ".",
        f"Machine: {machine()}; 1-minute load average {args.load_start:.2f} at the start, "
        f"{os.getloadavg()[0]:.2f} at the end (other work on the machine skews the latencies).",
        f"Command: `{command}`",
        f"sculpt: `{args.sculpt}` (built {built}; repository at {args.rev} at the start); "
        f"torch {torch.__version__}, torchvision "
        f"{torchvision.__version__}, onnxruntime {onnxruntime.__version__}.",
        "",
        "Every classification model of `torchvision.models` with at most "
        f"{args.skip_params_above:,.0f} parameters, random seeded weights, exported with the "
        f"TorchScript exporter (opset {OPSET}, eval mode, dynamic batch) at the crop size of "
        "torchvision's default weights (224 unless noted). MACs and params are `sculpt inspect`'s "
        "(params after the exporter folded BatchNorm into Conv); torchvision GFLOPS is its weights "
        "metadata (`_ops`, at the same size), \"MACs ≠ torchvision\" when ours does not round to it. "
        "Rel. error is max |ours − ORT| / max |ORT| over the outputs of `sculpt run` and ONNX "
        "Runtime on one seeded random input (an output of the right size but the wrong shape is a "
        f"failure, its values are still compared); \"differs\" above {REL_TOLERANCE:g}. Latency: "
        "**both runtimes on 1 thread, batch 1**, medians of "
        f"{args.samples} samples with the protocol of `scripts/bench_vs_ort.py` (`sculpt bench "
        f"--threads 1 --samples {args.samples}`; ORT CPUExecutionProvider, all graph optimizations, "
        "1 intra-op thread); ratio = ours / ORT.",
        "",
        HEADER,
        *[fmt_row(r) for r in rows],
        "",
    ]
    if skipped:
        lines += ["Skipped (parameters): " + ", ".join(f"{n} ({p / 1e6:.0f} M)" for n, p in skipped) + ".", ""]
    failures = []  # (model, "stage, stage", message): stages failing alike on one line
    for r in rows:
        by_message = {}
        for e in r["errors"]:
            stage, message = e.split(": ", 1)
            by_message.setdefault(message, []).append(stage)
        failures += [(r["model"], ", ".join(st), m) for m, st in by_message.items()]
    diffs = [r for r in rows if r.get("rel_error") is not None and not r["rel_error"] <= REL_TOLERANCE]
    if failures or diffs:
        lines += ["## Failures and differences", ""]
        lines += [f"- {m} ({stages}): {message}" for m, stages, message in failures]
        lines += [f"- {r['model']}: rel. error vs ONNX Runtime {r['rel_error']:.3g}" for r in diffs]
        lines.append("")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", help="comma-separated torchvision model names (default: all)")
    parser.add_argument("--skip-params-above", type=float, default=100e6)
    parser.add_argument("--sculpt", default=os.path.join(ROOT, ".build", "release", "sculpt"))
    parser.add_argument("--samples", type=int, default=5)
    parser.add_argument("--work", default="/tmp/tv-models", help="where the .onnx files go")
    parser.add_argument("--out", help="also write the Markdown report to this file")
    args = parser.parse_args()
    command = "python3 " + shlex.join(sys.argv)
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # for the sculpt subprocesses

    import torch
    import torchvision
    torch.set_num_threads(2)
    os.makedirs(args.work, exist_ok=True)
    available = torchvision.models.list_models(module=torchvision.models)
    names = args.models.split(",") if args.models else available
    unknown = [n for n in names if n not in available]
    if unknown:
        parser.error(f"not torchvision classification models: {unknown}")

    started, args.load_start = datetime.datetime.now(), os.getloadavg()[0]
    try:
        args.rev = subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"],
                                  capture_output=True, text=True).stdout.strip() or "unknown"
    except OSError:
        args.rev = "unknown"
    rows, skipped = [], []
    print(HEADER, flush=True)
    for name in names:
        try:
            weights = torchvision.models.get_model_weights(name).DEFAULT
        except Exception:  # noqa: BLE001 - no weights enum: no metadata
            weights = None
        params = weights.meta.get("num_params") if weights else None
        if params is None:
            params = sum(p.numel() for p in torchvision.models.get_model(name).parameters())
        if params > args.skip_params_above:
            skipped.append((name, params))
            print(f"<!-- skipped {name}: {params:,} params -->", flush=True)
            continue
        rows.append(check(name, args, weights))
        print(fmt_row(rows[-1]), flush=True)
        for e in rows[-1]["errors"]:
            print(f"<!-- {name}: {e} -->", flush=True)
        if args.out:
            with open(args.out, "w") as f:
                f.write(report(args, rows, skipped, command, started, False))
    text = report(args, rows, skipped, command, started, True)
    print("\n" + text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    sys.exit(main())
