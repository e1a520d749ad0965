import Foundation
import SculptData
import SculptGraph
import SculptRuntime
import SculptTestSupport
import Testing

/// One-node graphs of operators whose ONNX conformance data is thin (Einsum, ReduceL2), run by
/// the runtime and by ONNX Runtime on the same seeded inputs; and their unsupported forms, which
/// must be refused in one line that names the node.
@Suite struct SingleOperatorTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var opType: String
        /// Shapes of the run-time inputs.
        var shapes: [[Int]]
        var attributes: [Attribute] = []
        /// Constant inputs after the run-time ones ("" for an omitted one).
        var constants: [Tensor?] = []
        var opset = 17
        var label: String

        var testDescription: String { "\(opType) \(label)" }

        var model: Model {
            let names = shapes.indices.map { "x\($0)" } + constants.indices.map { constants[$0] == nil ? "" : "c\($0)" }
            var graph = Graph(
                nodes: [Node(name: "node", opType: opType, inputs: names, outputs: ["y"], attributes: attributes)],
                inputs: zip(shapes.indices, shapes).map { ValueInfo(name: "x\($0)", elementType: .float, shape: $1.map { .fixed($0) }) },
                outputs: [ValueInfo(name: "y", elementType: .float, shape: nil)])
            for (i, constant) in constants.enumerated() { if let constant { graph.initializers["c\(i)"] = constant } }
            return Model(graph: graph, opset: opset)
        }
    }

    static func einsum(_ equation: String, _ shapes: [Int]...) -> Case {
        Case(opType: "Einsum", shapes: shapes, attributes: [Attribute("equation", .string(equation))], opset: 12, label: equation)
    }

    static func reduceL2(_ shape: [Int], axes: [Int]?, keepdims: Int = 1, noop: Int? = nil, opset: Int = 17) -> Case {
        var attributes = [Attribute("keepdims", .int(keepdims))]
        if let noop { attributes.append(Attribute("noop_with_empty_axes", .int(noop))) }
        var constants = [Tensor?]()
        if opset >= 18 {
            constants = axes.map { [Tensor(shape: [$0.count], integers: $0.map(Int64.init))] } ?? []
        } else if let axes {
            attributes.append(Attribute("axes", .ints(axes)))
        }
        return Case(opType: "ReduceL2", shapes: [shape], attributes: attributes, constants: constants, opset: opset,
                    label: "\(shape) axes \(axes.map { "\($0)" } ?? "none") keepdims \(keepdims) noop \(noop ?? 0) opset \(opset)")
    }

    static let cases: [Case] = [
        // MaxViT's attention (7×7 windows, 32 channels per head): Q·Kᵀ, then P·V.
        einsum("B G H I D, B G H J D -> B G H I J", [1, 2, 2, 49, 32], [1, 2, 2, 49, 32]),
        einsum("B G H I J, B G H J D -> B G H I D", [1, 2, 2, 49, 49], [1, 2, 2, 49, 32]),
        einsum("ij,jk", [3, 4], [4, 5]),
        einsum("ij,jk->ki", [3, 4], [4, 5]),
        einsum("bij,bjk->ibk", [2, 3, 4], [2, 4, 5]),
        einsum("bij,bjk->bik", [1, 3, 4], [5, 4, 2]),
        einsum("ikj,kl->ijl", [2, 3, 4], [3, 5]),
        einsum("ijk,jkl->il", [2, 3, 4], [3, 4, 5]),
        einsum("ijk,jl->il", [2, 3, 4], [3, 5]),
        einsum("ij,jk,kl->il", [3, 4], [4, 5], [5, 6]),
        einsum("i,j->ij", [5], [7]),
        einsum("i,i", [5], [5]),
        einsum("ij,ij->ij", [3, 4], [3, 4]),
        einsum("ijk->kji", [2, 3, 4]),
        einsum("ijk->i", [2, 3, 4]),
        einsum("ij->", [3, 4]),
        // Swin v2's cosine attention normalizes the last axis.
        reduceL2([2, 3, 8, 16], axes: [-1]),
        reduceL2([2, 3, 4], axes: [1], keepdims: 0, opset: 13),
        reduceL2([2, 3, 4], axes: nil, opset: 13),
        reduceL2([2, 3, 4], axes: [0, 2], keepdims: 0, opset: 18),
        reduceL2([2, 3, 4], axes: [], opset: 18),
        reduceL2([2, 3, 4], axes: nil, keepdims: 0, opset: 18),
        reduceL2([2, 3, 4], axes: [], noop: 1, opset: 18),
        reduceL2([2, 3, 4], axes: nil, noop: 1, opset: 18),
    ]

    @Test(arguments: cases)
    func matchesONNXRuntime(_ test: Case) throws {
        let model = test.model
        let feeds = Dictionary(uniqueKeysWithValues: test.shapes.enumerated().map { i, shape in
            ("x\(i)", seededFloats(shape.reduce(1, *), seed: UInt64(60 + i)))
        })
        let session = try InferenceSession(model: model)
        let ours = try #require(try session.run(feeds)["y"])
        let reference = try withTemporaryDirectory { directory in
            let file = directory.file("model.onnx")
            try model.write(to: file)
            let inputs = Dictionary(uniqueKeysWithValues: zip(test.shapes.indices, test.shapes).map { i, shape in
                ("x\(i)", NumPyArray(shape: shape, elements: .float32(feeds["x\(i)"]!)))
            })
            return try #require(try ONNXRuntimeReference.outputs(model: file, inputs: inputs, in: directory)["y"])
        }
        #expect(session.outputs[0].shape == reference.shape)
        #expect(relativeError(ours, try reference.floats()) <= 1e-5)
    }

    @Test(arguments: [
        ("...ii->...i", "ellipses ('...') are not supported"),
        ("ii->i", "a letter repeats within 'ii' (diagonals and traces are not supported)"),
        ("ij->k", "output letter 'k' is in no operand"),
        ("ijk->i", "term 'ijk' has 3 letters for input 0 of shape [3, 3]"),
    ])
    func refusesUnsupportedEquations(_ equation: String, _ reason: String) {
        let model = Self.einsum(equation, [3, 3]).model
        #expect(throws: GraphError("node 'node' (Einsum): equation '\(equation)': \(reason)")) {
            try InferenceSession(model: model)
        }
    }
}
