"""What a 2×2, stride-2 max-pool costs on planar against channel-blocked input, alone and in
ccexam (docs/benchmarks.md, 2026-12-07): one-operator ONNX models (input → MaxPool → Relu, whose
input arrives planar; input → 1×1 Conv → MaxPool → Relu, whose pool reads the convolution's
blocked output; and both without the pool), and ccexam with groups of 4 (4/9, connectivity 0.5,
which write planar) on its first, second or both convolutions, each `sculpt bench`ed in turns.

    python3 Benchmarks/experiments/planar_pooling.py WORKDIR [ROUNDS]    # from the repository root; needs onnx
"""
import json, os, subprocess, sys
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

S = 'scripts/sculpt'
work, rounds = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 3
os.makedirs(work, exist_ok=True)

def model(name, conv, pool):
    nodes, inits, current = [], [], 'x'
    if conv:
        weight = np.random.RandomState(0).randn(32, 32, 1, 1).astype(np.float32) * 0.1
        inits.append(numpy_helper.from_array(weight, 'w'))
        nodes.append(helper.make_node('Conv', ['x', 'w'], ['c'], kernel_shape=[1, 1]))
        current = 'c'
    if pool:
        nodes.append(helper.make_node('MaxPool', [current], ['p'], kernel_shape=[2, 2], strides=[2, 2]))
        current = 'p'
    nodes.append(helper.make_node('Relu', [current], ['y']))
    graph = helper.make_graph(nodes, name, [helper.make_tensor_value_info('x', TensorProto.FLOAT, [1, 32, 28, 28])],
                              [helper.make_tensor_value_info('y', TensorProto.FLOAT, [1, 32, 14, 14] if pool else [1, 32, 28, 28])], inits)
    path = os.path.join(work, name + '.onnx')
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid('', 13)]), path)
    return path

models = {'relu (planar)': model('P0', 0, 0), 'maxpool planar': model('P1', 0, 1),
          'conv (blocked)': model('B0', 1, 0), 'conv + maxpool blocked': model('B1', 1, 1)}
ccexam = 'examples/ccexam/model.onnx'
groups4 = {'family': 'grouped', 'keep': 4, 'group': 4, 'connectivity': 0.5}
first, second = '/features/features.0/Conv', '/features/features.3/Conv'
for name, layers in [('ccexam groups of 4 on both', [first, second]), ('ccexam groups of 4 on the first', [first]),
                     ('ccexam groups of 4 on the second', [second])]:
    directory = os.path.join(work, name.replace(' ', '-'))
    os.makedirs(directory, exist_ok=True)
    config = os.path.join(directory, 'in.json')
    json.dump({'schemaVersion': 1, 'default': {'family': 'dense'}, 'layers': {l: groups4 for l in layers}}, open(config, 'w'))
    subprocess.run([S, 'apply', ccexam, '--config', config, '--out', directory], capture_output=True, check=True)
    models[name] = os.path.join(directory, 'pruned.sculpt')
models['ccexam dense'] = ccexam

for r in range(rounds):
    for name, path in models.items():
        b = json.loads(subprocess.run([S, 'bench', path, '--format', 'json'], capture_output=True, text=True, check=True).stdout)
        print(f"round {r + 1}  {name:34s} median {b['median_ms'] * 1000:7.2f} µs  min {b['min_ms'] * 1000:7.2f} µs", flush=True)
