#!/usr/bin/env bash
# Regenerates Sources/SculptGraph/ONNX/onnx.pb.swift from the ONNX schema. Run it only to move
# to a newer schema; the generated file is committed and the build never runs protoc.
#
# Needs: protoc (Debian: protobuf-compiler), the onnx Python package (it ships onnx.proto), and
# swift-protobuf's plugin, built here from the version Package.swift resolves.
set -euo pipefail
cd "$(dirname "$0")/.."
out=Sources/SculptGraph/ONNX
proto=$(python3 -c "import onnx, os; print(os.path.join(os.path.dirname(onnx.__file__), 'onnx.proto'))")
cp "$proto" "$out/onnx.proto"
swift package resolve
plugin_dir=.build-protoc-gen-swift
swift build -c release --package-path .build/checkouts/swift-protobuf --scratch-path "$plugin_dir" --product protoc-gen-swift
protoc --plugin=protoc-gen-swift="$plugin_dir/release/protoc-gen-swift" --swift_out="$out" \
    --swift_opt=Visibility=Internal -I "$out" "$out/onnx.proto"
echo "regenerated $out/onnx.pb.swift from onnx $(python3 -c 'import onnx; print(onnx.__version__)')"
