"""Splits ResNet-20's held-out images (examples/resnet20/test.npz) in two halves: the first 500
as calibration data the model never saw in training (OUT/heldout-calib.npz), the other 500 as the
held-out images to report on (OUT/heldout-test.npz). An experiment of 2026-12-07 (docs/benchmarks.md).

Pruned on calib.npz (512 training images, 100 % dense), every configuration near a tight latency
budget is as accurate as 510 or 511 of 512 and the search's results tie; on images it did not
train on the dense model makes 1.5 % errors, and pruning adds some, so configurations differ.

    python3 Benchmarks/experiments/split_resnet20_heldout.py OUT    # from the repository root; needs numpy
"""
import os, sys
import numpy as np

out = sys.argv[1]
os.makedirs(out, exist_ok=True)

held_out = np.load("examples/resnet20/test.npz")
x, y = held_out["x"], held_out["y"]
np.savez_compressed(os.path.join(out, "heldout-calib.npz"), x=x[:500], y=y[:500])
np.savez_compressed(os.path.join(out, "heldout-test.npz"), x=x[500:], y=y[500:])
print("classes in the halves:", np.bincount(y[:500]).tolist(), np.bincount(y[500:]).tolist())
