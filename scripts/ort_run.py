#!/usr/bin/env python3
"""Reference runner for the Swift tests: run an ONNX model with ONNX Runtime.

  python3 scripts/ort_run.py MODEL.onnx INPUTS.npz OUTPUTS.npz [--threads N]

Feeds the arrays of INPUTS.npz (array names = the model's input names; every input must
be given, no other array may be) to ONNX Runtime's CPUExecutionProvider and writes every
model output, under its output name, to OUTPUTS.npz (uncompressed, the np.savez format,
written to exactly that path). Prints nothing on success; on error prints one line to
stderr and exits non-zero (2: bad usage, 1: anything else).
"""
import sys
import zipfile

USAGE = "usage: ort_run.py MODEL.onnx INPUTS.npz OUTPUTS.npz [--threads N]"


def fail(msg, code=1):
    print("ort_run: " + " ".join(str(msg).split()), file=sys.stderr)  # one line
    sys.exit(code)


def parse(argv):
    pos, threads, i = [], 0, 0
    while i < len(argv):
        a = argv[i]
        if a in ("-h", "--help"):
            print(USAGE)
            sys.exit(0)
        if a == "--threads" or a.startswith("--threads="):
            v = a.split("=", 1)[1] if "=" in a else (argv[i + 1] if i + 1 < len(argv) else "")
            i += 0 if "=" in a else 1
            if not v.isdigit():
                fail(f"--threads needs a non-negative integer, got {v!r}; {USAGE}", 2)
            threads = int(v)
        elif a.startswith("-"):
            fail(f"unknown option {a}; {USAGE}", 2)
        else:
            pos.append(a)
        i += 1
    if len(pos) != 3:
        fail(USAGE, 2)
    return pos[0], pos[1], pos[2], threads


def main():
    model, inputs, outputs, threads = parse(sys.argv[1:])
    import numpy as np
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = threads  # 0 = ORT's default
    so.inter_op_num_threads = 1
    so.log_severity_level = 3  # errors only
    sess = ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])

    with np.load(inputs, allow_pickle=False) as npz:
        feed = {k: npz[k] for k in npz.files}
    want = [i.name for i in sess.get_inputs()]
    missing = [n for n in want if n not in feed]
    extra = [n for n in feed if n not in want]
    if missing or extra:
        fail(f"{inputs}: missing inputs {missing}, unexpected arrays {extra}; model inputs are {want}")

    names = [o.name for o in sess.get_outputs()]
    results = sess.run(names, feed)
    for name, value in zip(names, results):
        if not isinstance(value, np.ndarray):
            fail(f"output {name!r} is a {type(value).__name__}, not a tensor")
    # Same layout as np.savez (stored .npy members), but any output name is allowed as a key.
    with zipfile.ZipFile(outputs, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, value in zip(names, results):
            with zf.open(name + ".npy", "w", force_zip64=True) as f:
                np.lib.format.write_array(f, value, allow_pickle=False)


if __name__ == "__main__":
    try:
        main()
    except SystemExit:
        raise
    except BaseException as e:  # noqa: BLE001 - the contract is "one line, non-zero"
        fail(f"{type(e).__name__}: {e}")
