#!/usr/bin/env bash
# The main job on the bundled example (examples/mnist): a small CNN trained on MNIST digits.
# Shows its layers and costs, measures its top-1 accuracy on held-out images and its latency on
# this machine, then searches a pruning pattern per layer for this machine and measures the result.
# Installs the Debian packages the build needs when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/setup.sh
ensure_debian_packages "${BUILD_PACKAGES[@]}"
configure_openblas
swift build -c release --product sculpt >&2
sculpt=.build/release/sculpt
model=examples/mnist/model.onnx
set -x
"$sculpt" inspect "$model"
"$sculpt" eval "$model" --data examples/mnist/test.npz
"$sculpt" bench "$model"
# The search: a pattern per layer for this machine within half the MACs, its report, then the
# pruned model's accuracy on the held-out images and its latency on the sparse kernels.
"$sculpt" prune "$model" --data examples/mnist/calib.npz --test-data examples/mnist/test.npz --device local \
    --target-macs 0.35 --episodes 64 --out .build/example-pruned
"$sculpt" eval .build/example-pruned/pruned.sculpt --data examples/mnist/test.npz
"$sculpt" bench .build/example-pruned/pruned.sculpt
