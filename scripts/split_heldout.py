"""Splits a labelled .npz (`x`, `y`) in two: the first COUNT images as calibration data
(OUT/calib.npz), the others as the images to report on (OUT/test.npz).

The benchmark prunes ResNet-20 on half of its held-out images (scripts/benchmarks.sh). Pruned on
examples/resnet20/calib.npz (512 images it trained on, 100 % right dense), every configuration
near a tight latency budget gets 510 or 511 of them right and the search's results tie; on images
it never trained on the dense model makes 1.5 % errors, pruning adds some, and configurations
differ (docs/benchmarks.md, 2026-12-07).

    python3 scripts/split_heldout.py examples/resnet20/test.npz 500 OUT    # needs numpy
"""
import os, sys
import numpy as np

source, count, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
data = np.load(source)
x, y = data["x"], data["y"]
if not 0 < count < len(y):
    sys.exit(f"COUNT must be between 1 and {len(y) - 1}: {source} has {len(y)} images")
os.makedirs(out, exist_ok=True)
np.savez_compressed(os.path.join(out, "calib.npz"), x=x[:count], y=y[:count])
np.savez_compressed(os.path.join(out, "test.npz"), x=x[count:], y=y[count:])
print("images per class:", np.bincount(y[:count]).tolist(), np.bincount(y[count:]).tolist())
