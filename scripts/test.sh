#!/usr/bin/env bash
# Runs the whole test suite. Installs what it needs when missing: the Debian packages the build
# links (OpenBLAS, Armadillo, zlib), the ONNX operator conformance tests (libonnx-testdata), and
# the Python references (ONNX Runtime, onnx, NumPy; scripts/requirements-test.txt), and systemd
# (the daemon's tests run systemd-analyze on its unit).
#
# Tests run against a release build (the kernels are too slow unoptimized) compiled with
# -enable-testing, in its own build folder so it does not disturb .build.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/setup.sh
ensure_debian_packages "${BUILD_PACKAGES[@]}" libonnx-testdata systemd
ensure_python_packages scripts/requirements-test.txt "onnx, onnxruntime, numpy"
configure_openblas
swift test -c release -Xswiftc -enable-testing --scratch-path .build-tests "$@"
