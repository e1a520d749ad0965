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
# The search: a pattern per layer for this machine, within 60 % of the dense model's latency measured
# here; its report, then the pruned model's accuracy on the held-out images and its latency on the
# sparse kernels.
dense_ms=$("$sculpt" bench "$model" --format json | sed -n 's/.*"median_ms":\([0-9.e+-]*\).*/\1/p')
target_ms=$(awk -v ms="$dense_ms" 'BEGIN { printf "%.4f", ms * 0.6 }')
"$sculpt" prune "$model" --data examples/mnist/calib.npz --test-data examples/mnist/test.npz --device local \
    --target-latency "$target_ms" --episodes 64 --out .build/example-pruned
"$sculpt" eval .build/example-pruned/pruned.sculpt --data examples/mnist/test.npz
"$sculpt" bench .build/example-pruned/pruned.sculpt
