#!/usr/bin/env python3
"""Export small PyTorch models to ONNX as fixtures for the Swift tests.

Makes Tests/Fixtures/models/*.onnx and Tests/Fixtures/models/manifest.json. Each model
has random (seeded) weights, is exported in eval mode with a dynamic batch axis on its
input "input" and output "logits", and has its BatchNorm statistics and affine
parameters randomized so that BN folding is really exercised. The variants cover
opsets 13, 17 and 18 and both PyTorch exporters (TorchScript and dynamo/torch.export).

After exporting, every model is checked with onnx.checker (full check) and run with
ONNX Runtime at batch sizes 1 and 3; its outputs are compared with PyTorch's.

It also makes Tests/Fixtures/graphs/: torchvision's resnet18, resnet50 and mobilenet_v2
(full width, 1000 classes, 224x224) exported the way users export them (TorchScript
exporter, opset 17, eval mode, input "input" with a dynamic batch axis), then stripped of
their weights: every initializer becomes a graph input of the same name, element type and
shape, without data, so each file is a few KB. They are for tests of the graph-level code
(shape inference, cost model, coupling groups) on real architectures. Before stripping,
each export is checked against PyTorch like the models above; after, with onnx.checker.

Run from the repository root (CPU only, about two minutes; graphs alone about one):
  pip install -r scripts/requirements-fixtures.txt
  python3 scripts/make_fixtures.py [--out Tests/Fixtures/models] [--graphs-out Tests/Fixtures/graphs]
                                   [--only NAME ... | --only graphs]
--only takes architecture names (for models/) and/or "graphs" (for graphs/ alone).

manifest.json: {"generator", "torch", "torchvision", "onnx", "seed", "models": [
  {"file", "architecture", "description", "exporter": "torchscript"|"dynamo", "opset",
   "input_name", "input_shape" (batch 1), "output_name", "output_shape", "op_types",
   "batchnorm_nodes", "nodes", "params", "size_bytes", "export_options",
   "max_abs_diff_vs_torch"}, ...]}

graphs/manifest.json: {"generator", "torch", "torchvision", "onnx", "seed", "graphs": [
  {"file", "model" (torchvision name), "exporter", "opset", "input_name", "input_shape"
   (batch 1), "output_name", "output_shape", "op_types", "nodes", "weight_inputs" (inputs
   that were initializers), "weight_elements" (their element count, after the exporter
   folded BatchNorm into Conv), "macs", "torchvision_gflops", "size_bytes"}, ...]}
"macs" is counted here, independently of the Swift code, on ONNX's own shape inference
(onnx.shape_inference.infer_shapes, batch 1): per Conv prod(output shape) x (C_in / group)
x kh x kw, per Gemm M x N x K, per MatMul prod(output shape) x K. "torchvision_gflops" is
torchvision's own figure (weights meta "_ops"); macs / 1e9 must round to it (3 decimals).
"""
import argparse
import json
import os
import sys
import warnings
import zlib
from collections import Counter

import numpy as np

SEED = 1234
INPUT_NAME, OUTPUT_NAME = "input", "logits"

# ---------------------------------------------------------------------------------------
# Architectures. Module attribute names follow torchvision so node names look familiar.
# ---------------------------------------------------------------------------------------


def resnet_cifar():
    """ResNet-20 for CIFAR: 3x3 stem, 3 stages x 3 BasicBlocks (16/32/64), 1x1 projections."""
    import torch.nn as nn
    from torchvision.models.resnet import BasicBlock, conv1x1

    class ResNetCifar(nn.Module):
        def __init__(self, widths=(16, 32, 64), blocks=3, num_classes=10):
            super().__init__()
            self.conv1 = nn.Conv2d(3, widths[0], 3, 1, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(widths[0])
            self.relu = nn.ReLU(inplace=True)
            inplanes, layers = widths[0], []
            for i, w in enumerate(widths):
                stride = 1 if i == 0 else 2
                stage = []
                for b in range(blocks):
                    s = stride if b == 0 else 1
                    ds = None
                    if s != 1 or inplanes != w:
                        ds = nn.Sequential(conv1x1(inplanes, w, s), nn.BatchNorm2d(w))
                    stage.append(BasicBlock(inplanes, w, s, ds))
                    inplanes = w
                layers.append(nn.Sequential(*stage))
            self.layer1, self.layer2, self.layer3 = layers
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(widths[-1], num_classes)

        def forward(self, x):
            x = self.relu(self.bn1(self.conv1(x)))
            x = self.layer3(self.layer2(self.layer1(x)))
            return self.fc(self.avgpool(x).flatten(1))

    return ResNetCifar(), (3, 32, 32)


def resnet_imagenet():
    """ImageNet-style ResNet, tiny: 7x7/2 stem + maxpool, BasicBlock stages at 8 and 16,
    Bottleneck stages at 32 and 64 (the last one grouped, groups=2, as in ResNeXt)."""
    import torch.nn as nn
    from torchvision.models.resnet import BasicBlock, Bottleneck, conv1x1

    class TinyResNet(nn.Module):
        def __init__(self, num_classes=10):
            super().__init__()
            self.inplanes = 8
            self.conv1 = nn.Conv2d(3, 8, 7, 2, 3, bias=False)
            self.bn1 = nn.BatchNorm2d(8)
            self.relu = nn.ReLU(inplace=True)
            self.maxpool = nn.MaxPool2d(3, 2, 1)
            self.layer1 = self._make(BasicBlock, 8, 2, 1)
            self.layer2 = self._make(BasicBlock, 16, 2, 2)
            self.layer3 = self._make(Bottleneck, 8, 2, 2)               # out 32
            self.layer4 = self._make(Bottleneck, 16, 2, 2, groups=2)    # out 64, grouped 3x3
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(64, num_classes)
            for m in self.modules():  # torchvision's ResNet init
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

        def _make(self, block, planes, n, stride, groups=1):
            out = planes * block.expansion
            ds = None
            if stride != 1 or self.inplanes != out:
                ds = nn.Sequential(conv1x1(self.inplanes, out, stride), nn.BatchNorm2d(out))
            layers = [block(self.inplanes, planes, stride, ds, groups=groups)]
            self.inplanes = out
            layers += [block(out, planes, groups=groups) for _ in range(1, n)]
            return nn.Sequential(*layers)

        def forward(self, x):
            x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
            x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
            return self.fc(self.avgpool(x).flatten(1))

    return TinyResNet(), (3, 64, 64)


def vgg_small():
    """torchvision VGG with make_layers(batch_norm=True), tiny widths, small classifier."""
    import torch.nn as nn
    from torchvision.models.vgg import VGG, make_layers

    cfg = [8, "M", 16, "M", 32, 32, "M", 64, 64, "M", 64, 64, "M"]
    model = VGG(make_layers(cfg, batch_norm=True), num_classes=10)
    model.classifier = nn.Sequential(  # same layout as torchvision's, 32 wide
        nn.Linear(64 * 7 * 7, 32), nn.ReLU(True), nn.Dropout(p=0.5),
        nn.Linear(32, 32), nn.ReLU(True), nn.Dropout(p=0.5),
        nn.Linear(32, 10))
    return model, (3, 224, 224)


def mobilenet_v2():
    """torchvision.models.mobilenet_v2(width_mult=0.5, num_classes=10)."""
    import torchvision
    return torchvision.models.mobilenet_v2(width_mult=0.5, num_classes=10), (3, 96, 96)


def mobilenet_v3_small():
    """torchvision.models.mobilenet_v3_small(width_mult=0.5, num_classes=10); 0.5 keeps the
    fixture set small (at 1.0 its 576x1024 classifier alone is 2.4 MB)."""
    import torchvision
    return torchvision.models.mobilenet_v3_small(width_mult=0.5, num_classes=10), (3, 96, 96)


def mobilenet_v3_large():
    """torchvision.models.mobilenet_v3_large(width_mult=0.5, num_classes=10)."""
    import torchvision
    return torchvision.models.mobilenet_v3_large(width_mult=0.5, num_classes=10), (3, 96, 96)


def vit_tiny():
    """torchvision VisionTransformer(32px, patch 8, 2 layers, 2 heads, hidden 32, mlp 64)."""
    import torchvision
    return torchvision.models.VisionTransformer(
        image_size=32, patch_size=8, num_layers=2, num_heads=2, hidden_dim=32, mlp_dim=64,
        num_classes=10), (3, 32, 32)


ARCHS = {f.__name__: f for f in (resnet_cifar, resnet_imagenet, vgg_small, mobilenet_v2,
                                 mobilenet_v3_small, mobilenet_v3_large, vit_tiny)}

# (architecture, opset, exporter, extra torch.onnx.export options). "training"/"dynamo"
# are filled in by export(); options here are the ones that differ from the defaults.
VARIANTS = [
    ("resnet_cifar", 13, "torchscript", {}),
    # BatchNormalization kept in the graph: no constant folding, eval mode
    ("vgg_small", 13, "torchscript", {"do_constant_folding": False, "training": "EVAL"}),
    ("resnet_imagenet", 17, "torchscript", {}),
    ("resnet_imagenet", 18, "dynamo", {}),
    ("mobilenet_v2", 17, "torchscript", {}),
    ("mobilenet_v3_small", 17, "torchscript", {}),
    ("mobilenet_v3_large", 18, "dynamo", {}),
    ("vit_tiny", 17, "torchscript", {}),
    ("vit_tiny", 18, "dynamo", {}),
]

# Graph-only fixtures: full torchvision models, exported like bench_vs_ort.py does.
GRAPHS = ["resnet18", "resnet50", "mobilenet_v2"]
GRAPH_OPSET, GRAPH_CHW = 17, (3, 224, 224)


def torchvision_model(name):
    """Factory for build(): torchvision.models.<name>() with random weights, 224x224."""
    def make():
        import torchvision
        return torchvision.models.get_model(name, weights=None), GRAPH_CHW
    make.__name__ = name
    return make

# ---------------------------------------------------------------------------------------


def build(factory, seed):
    """Build factory's model with seeded random weights, randomized BN stats, in eval mode."""
    import torch
    import torch.nn as nn

    torch.manual_seed(seed)
    model, chw = factory()
    gen = torch.Generator().manual_seed(seed + 1)

    def randn(shape):
        return torch.randn(shape, generator=gen)

    with torch.no_grad():
        # Parameters left constant by their init (zero biases, zero ViT head, LN weight=1,
        # zero class token) get noise, so a test notices when one of them is ignored.
        for p in model.parameters():
            if p.numel() > 1 and bool((p == p.flatten()[0]).all()):
                p.add_(0.1 * randn(p.shape))
        norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
        # Calibrate BN statistics on random inputs so activations stay O(1) through depth.
        for m in norms:
            m.reset_running_stats()
            m.momentum = None  # cumulative average
        model.train()
        for _ in range(3):
            model(randn((8,) + chw))
        model.eval()
        # Then perturb them: statistics no longer match the data, gamma/beta non-trivial.
        for m in norms:
            c = m.num_features
            m.momentum = 0.1
            m.running_mean.add_(0.2 * randn(c) * m.running_var.sqrt())
            m.running_var.mul_(torch.exp(0.4 * randn(c)))
            m.weight.copy_(0.5 + torch.rand(c, generator=gen))
            m.bias.copy_(0.2 * randn(c))
    return model, chw


def export(model, chw, path, opset, exporter, options, batch=2):
    import torch

    x = torch.randn((batch,) + chw)  # batch 2 by default: avoids any size-1 specialization
    kw = dict(opset_version=opset, input_names=[INPUT_NAME], output_names=[OUTPUT_NAME])
    opts = dict(options)
    if "training" in opts:
        opts["training"] = getattr(torch.onnx.TrainingMode, opts["training"])
    if exporter == "torchscript":
        kw.update(dynamo=False,
                  dynamic_axes={INPUT_NAME: {0: "batch"}, OUTPUT_NAME: {0: "batch"}})
    else:
        kw.update(dynamo=True, external_data=False, verbose=False,
                  dynamic_shapes=({0: torch.export.Dim("batch", min=1, max=1024)},))
    kw.update(opts)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (x,), path, **kw)


def verify(model, chw, path, classes=10):
    """Checker, ORT at batch 1 and 3 vs PyTorch. Returns (onnx model, max abs diff)."""
    import onnx
    import onnxruntime as ort
    import torch

    m = onnx.load(path)
    onnx.checker.check_model(m, full_check=True)
    names = [n.name for n in m.graph.node]
    assert all(names) and len(set(names)) == len(names), "node names empty or not unique"
    assert [i.name for i in m.graph.input] == [INPUT_NAME], [i.name for i in m.graph.input]
    assert [o.name for o in m.graph.output] == [OUTPUT_NAME]
    for vi in (m.graph.input[0], m.graph.output[0]):
        assert vi.type.tensor_type.shape.dim[0].dim_param, f"{vi.name}: batch axis not dynamic"
    assert not any(t.data_location == onnx.TensorProto.EXTERNAL for t in m.graph.initializer)

    so = ort.SessionOptions()
    so.intra_op_num_threads = 2
    sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(7)
    x3 = rng.standard_normal((3,) + chw).astype(np.float32)
    y3 = sess.run([OUTPUT_NAME], {INPUT_NAME: x3})[0]
    y1 = sess.run([OUTPUT_NAME], {INPUT_NAME: x3[:1]})[0]
    assert y3.shape == (3, classes) and y1.shape == (1, classes), (y3.shape, y1.shape)
    assert np.isfinite(y3).all()
    assert np.allclose(y1, y3[:1], rtol=1e-4, atol=1e-4), "batch 1 and batch 3 disagree"
    with torch.no_grad():
        ref = model(torch.from_numpy(x3)).numpy()
    diff = float(np.abs(ref - y3).max())
    scale = float(np.abs(ref).max())
    assert diff <= 1e-3 * max(1.0, scale), f"ORT differs from PyTorch by {diff} (scale {scale})"
    assert float(ref.std()) > 1e-3, "outputs are (nearly) constant"
    return m, diff


def strip_weights(m):
    """Turn every initializer into a graph input of the same name, type and shape, no data."""
    import onnx

    weights = list(m.graph.initializer)
    names = {t.name for t in weights}
    assert not names & {i.name for i in m.graph.input}, "initializer already listed as input"
    m.graph.input.extend(onnx.helper.make_tensor_value_info(t.name, t.data_type, list(t.dims))
                         for t in weights)
    del m.graph.initializer[:]
    return weights


def count_macs(m):
    """MACs at batch 1 of Conv, Gemm and MatMul, on ONNX's shape inference."""
    import onnx

    m = onnx.ModelProto.FromString(m.SerializeToString())
    for vi in m.graph.input:  # the symbolic batch axis -> 1
        for d in vi.type.tensor_type.shape.dim:
            if d.dim_param:
                d.Clear()
                d.dim_value = 1
    m = onnx.shape_inference.infer_shapes(m, check_type=True, strict_mode=True)
    shapes = {}
    for vi in [*m.graph.input, *m.graph.value_info, *m.graph.output]:
        dims = vi.type.tensor_type.shape.dim
        assert all(d.HasField("dim_value") for d in dims), f"{vi.name}: shape not inferred"
        shapes[vi.name] = [d.dim_value for d in dims]
    macs = 0
    for n in m.graph.node:
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute}
        if n.op_type == "Conv":
            x, w, y = shapes[n.input[0]], shapes[n.input[1]], shapes[n.output[0]]
            group = attrs.get("group", 1)
            assert x[1] // group == w[1], (n.name, x, w, group)
            macs += int(np.prod(y)) * (x[1] // group) * int(np.prod(w[2:]))
        elif n.op_type == "Gemm":
            a, b = shapes[n.input[0]], shapes[n.input[1]]
            rows, k = reversed(a) if attrs.get("transA") else a
            cols = b[0] if attrs.get("transB") else b[1]
            macs += rows * cols * k
        elif n.op_type == "MatMul":
            macs += int(np.prod(shapes[n.output[0]])) * shapes[n.input[0]][-1]
    return macs


def make_graphs(out, seed):
    """Export, check and strip GRAPHS into `out`; write its manifest. Returns failures."""
    import onnx
    import torch
    import torchvision

    os.makedirs(out, exist_ok=True)
    entries, failures = [], []
    for name in GRAPHS:
        fname = f"{name}_op{GRAPH_OPSET}_ts.onnx"
        path = os.path.join(out, fname)
        try:
            # Random weights perturbed by build(): all distinct, so the exporter does not
            # deduplicate equal initializers (Identity nodes), as with pretrained weights.
            model, chw = build(torchvision_model(name), seed + zlib.crc32(name.encode()) % 10000)
            export(model, chw, path, GRAPH_OPSET, "torchscript", {}, batch=1)  # as users do
            m, _ = verify(model, chw, path, classes=1000)
            weights = strip_weights(m)
            onnx.checker.check_model(m, full_check=True)
            onnx.save(m, path)
            macs = count_macs(m)
        except Exception as e:  # report and go on; exit status tells at the end
            failures.append(f"{fname}: {type(e).__name__}: {str(e).splitlines()[0][:300]}")
            print(f"FAILED {failures[-1]}", file=sys.stderr)
            continue
        gflops = torchvision.models.get_model_weights(name).DEFAULT.meta["_ops"]
        if round(macs / 1e9, 3) != gflops:
            failures.append(f"{fname}: {macs / 1e9:.4f} GMACs counted, torchvision says {gflops}")
            print(f"MISMATCH {failures[-1]}", file=sys.stderr)
        ops = Counter(n.op_type for n in m.graph.node)
        entries.append({
            "file": fname,
            "model": name,
            "exporter": "torchscript",
            "opset": GRAPH_OPSET,
            "input_name": INPUT_NAME,
            "input_shape": [1, *chw],
            "output_name": OUTPUT_NAME,
            "output_shape": [1, 1000],
            "op_types": sorted(ops),
            "nodes": len(m.graph.node),
            "weight_inputs": len(weights),
            "weight_elements": sum(int(np.prod(t.dims)) for t in weights),
            "macs": macs,
            "torchvision_gflops": gflops,
            "size_bytes": os.path.getsize(path),
        })
        print(f"{fname:38s} {os.path.getsize(path):>9,} B  {len(m.graph.node):4d} nodes  "
              f"{macs:,} MACs (torchvision: {gflops} GFLOPS)")

    manifest_path = os.path.join(out, "manifest.json")
    with open(manifest_path, "w") as f:
        json.dump({
            "generator": "scripts/make_fixtures.py",
            "torch": torch.__version__.split("+")[0],
            "torchvision": torchvision.__version__.split("+")[0],
            "onnx": onnx.__version__,
            "seed": seed,
            "graphs": entries,
        }, f, indent=2)
        f.write("\n")
    print(f"{manifest_path}: {len(entries)} graphs")
    return failures


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join("Tests", "Fixtures", "models"))
    ap.add_argument("--graphs-out", default=os.path.join("Tests", "Fixtures", "graphs"))
    ap.add_argument("--only", nargs="*",
                    help="architecture names to (re)build, and/or 'graphs' for graphs/ alone")
    ap.add_argument("--seed", type=int, default=SEED)
    args = ap.parse_args()
    unknown = set(args.only or []) - set(ARCHS) - {"graphs"}
    if unknown:
        ap.error(f"unknown --only names {sorted(unknown)}; choose from {sorted(ARCHS)} or graphs")

    import onnx
    import onnxruntime as ort
    import torch
    import torchvision

    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)
    failures = []
    if not args.only or "graphs" in args.only:
        failures += make_graphs(args.graphs_out, args.seed)
    if args.only and not set(args.only) & set(ARCHS):  # graphs only
        if failures:
            print("failures:\n  " + "\n  ".join(failures), file=sys.stderr)
            sys.exit(1)
        return
    os.makedirs(args.out, exist_ok=True)
    manifest_path = os.path.join(args.out, "manifest.json")
    entries = {}
    if args.only and os.path.exists(manifest_path):  # partial rebuild keeps other entries
        with open(manifest_path) as f:
            entries = {e["file"]: e for e in json.load(f)["models"]}

    cache = {}
    for arch, opset, exporter, options in VARIANTS:
        if args.only and arch not in args.only:
            continue
        tag = "ts" if exporter == "torchscript" else "dynamo"
        fname = f"{arch}_op{opset}_{tag}.onnx"
        path = os.path.join(args.out, fname)
        seed = args.seed + zlib.crc32(arch.encode()) % 10000  # same weights for all variants
        if arch not in cache:
            cache[arch] = build(ARCHS[arch], seed)
        model, chw = cache[arch]
        try:
            export(model, chw, path, opset, exporter, options)
            m, diff = verify(model, chw, path)
        except Exception as e:  # report and go on; exit status tells at the end
            failures.append(f"{fname}: {type(e).__name__}: {str(e).splitlines()[0][:300]}")
            print(f"FAILED {failures[-1]}", file=sys.stderr)
            continue
        ops = Counter(n.op_type for n in m.graph.node)
        opset_found = {o.domain or "ai.onnx": o.version for o in m.opset_import}
        assert opset_found.get("ai.onnx") == opset, opset_found
        entries[fname] = {
            "file": fname,
            "architecture": arch,
            "description": ARCHS[arch].__doc__.split("\n")[0].strip(),
            "exporter": exporter,
            "opset": opset,
            "input_name": INPUT_NAME,
            "input_shape": [1, *chw],
            "output_name": OUTPUT_NAME,
            "output_shape": [1, 10],
            "op_types": sorted(ops),
            "batchnorm_nodes": ops.get("BatchNormalization", 0),
            "nodes": len(m.graph.node),
            "params": sum(p.numel() for p in model.parameters()),
            "size_bytes": os.path.getsize(path),
            "export_options": options,
            "max_abs_diff_vs_torch": float(f"{diff:.3g}"),
        }
        print(f"{fname:38s} {os.path.getsize(path):>9,} B  {len(m.graph.node):4d} nodes  "
              f"diff {diff:.1e}  ops: {' '.join(f'{k}x{v}' for k, v in sorted(ops.items()))}")

    order = [f"{a}_op{o}_{'ts' if e == 'torchscript' else 'dynamo'}.onnx" for a, o, e, _ in VARIANTS]
    manifest = {
        "generator": "scripts/make_fixtures.py",
        "torch": torch.__version__.split("+")[0],
        "torchvision": torchvision.__version__.split("+")[0],
        "onnx": onnx.__version__,
        "onnxruntime": ort.__version__,
        "seed": args.seed,
        "models": [entries[f] for f in order if f in entries],
    }
    with open(manifest_path, "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    total = sum(e["size_bytes"] for e in manifest["models"])
    print(f"{manifest_path}: {len(manifest['models'])} models, {total:,} bytes of ONNX")
    if failures:
        print("failures:\n  " + "\n  ".join(failures), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
