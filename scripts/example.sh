#!/usr/bin/env bash
# The main job on the bundled example (examples/mnist): a small CNN trained on MNIST digits.
# Shows its layers and costs, measures its top-1 accuracy on held-out images and its latency on
# this machine, then prunes it with grouped kernel patterns and measures the pruned model.
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
# Grouped kernel patterns (8 of 9 taps, one pattern per 4 filters) on every 3x3 layer but the first:
# the pruned model, its accuracy without any recovery (that comes with `sculpt prune`), and its
# latency on the sparse kernels.
"$sculpt" apply "$model" --config examples/mnist/grouped.json --out .build/example-pruned
"$sculpt" eval .build/example-pruned/pruned.sculpt --data examples/mnist/test.npz
"$sculpt" bench .build/example-pruned/pruned.sculpt
