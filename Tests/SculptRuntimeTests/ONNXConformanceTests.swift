import Foundation
import SculptGraph
import SculptRuntime
import Testing

/// The ONNX project's operator conformance tests (Debian's libonnx-testdata): every node test of
/// every operator the runtime supports runs and must give the expected outputs, except the ones
/// listed in `notApplicable` with the reason.
@Suite struct ONNXConformanceTests {
    static let directory = URL(fileURLWithPath: "/usr/share/libonnx-testdata/data/node")

    /// Node tests outside what the runtime promises, and why. Everything else in scope must pass.
    static let notApplicable: [String: String] = {
        var reasons = [String: String]()
        let float32Only = "the runtime computes in float32; other element types are not supported at run time"
        for name in ["test_add_uint8", "test_div_uint8", "test_mul_uint8", "test_sub_uint8", "test_maxpool_2d_uint8",
                     "test_clip_default_int8_inbounds", "test_clip_default_int8_max", "test_clip_default_int8_min",
                     "test_pow_types_int32_int32", "test_pow_types_int64_int64", "test_pow_types_int32_float32",
                     "test_pow_types_int64_float32", "test_pow_types_int"] {
            reasons[name] = float32Only
        }
        for type in ["float16", "float64", "int16", "int32", "int64", "int8", "uint16", "uint32", "uint64", "uint8"] {
            reasons["test_max_\(type)"] = float32Only
            reasons["test_min_\(type)"] = float32Only
        }
        for name in ["test_cast_BFLOAT16_to_FLOAT", "test_cast_DOUBLE_to_FLOAT", "test_cast_DOUBLE_to_FLOAT16",
                     "test_cast_FLOAT16_to_DOUBLE", "test_cast_FLOAT16_to_FLOAT", "test_cast_FLOAT_to_BFLOAT16",
                     "test_cast_FLOAT_to_DOUBLE", "test_cast_FLOAT_to_FLOAT16", "test_cast_FLOAT_to_STRING",
                     "test_cast_STRING_to_FLOAT"] {
            reasons[name] = float32Only + " (Cast is supported as float32 → float32 and on constants)"
        }
        let inference = "training behaviour (running statistics, random dropout masks) is out of scope for an inference runtime"
        for name in ["test_batchnorm_epsilon_training_mode", "test_batchnorm_example_training_mode",
                     "test_dropout_default_mask", "test_dropout_default_mask_ratio", "test_training_dropout",
                     "test_training_dropout_default", "test_training_dropout_default_mask", "test_training_dropout_mask",
                     "test_training_dropout_zero_ratio", "test_training_dropout_zero_ratio_mask", "test_dropout_random_old"] {
            reasons[name] = inference
        }
        reasons["test_averagepool_3d_default"] = "3-D pooling is not supported (1-D and 2-D are)"
        reasons["test_maxpool_3d_default"] = "3-D pooling is not supported (1-D and 2-D are)"
        reasons["test_maxpool_with_argmax_2d_precomputed_pads"] = "MaxPool's Indices output is not supported"
        reasons["test_maxpool_with_argmax_2d_precomputed_strides"] = "MaxPool's Indices output is not supported"
        reasons["test_pow_types_float"] = float32Only
        for name in ["BFLOAT16_to_FLOAT", "DOUBLE_to_FLOAT16", "DOUBLE_to_FLOAT", "FLOAT16_to_DOUBLE", "FLOAT16_to_FLOAT",
                     "FLOAT_to_BFLOAT16", "FLOAT_to_DOUBLE", "FLOAT_to_FLOAT16", "FLOAT_to_STRING", "STRING_to_FLOAT"] {
            reasons["test_castlike_\(name)_expanded"] = float32Only
        }
        reasons["test_edge_pad"] = "Pad supports the constant mode only"
        reasons["test_reflect_pad"] = "Pad supports the constant mode only"
        reasons["test_identity_opt"] = "optional and sequence values are not supported"
        reasons["test_identity_sequence"] = "optional and sequence values are not supported"
        reasons["test_einsum_batch_diagonal"] = "Einsum's ellipses and diagonals are not supported (refused in one line)"
        return reasons
    }()

    /// Operators whose inputs past the first (weights, statistics, bounds) must be constants.
    static let constantParameters: Set<String> = ["Conv", "BatchNormalization", "Clip", "LayerNormalization", "Pad"]

    /// Operators whose node tests hold float64 data only (NumPy's default): it runs in float32,
    /// the runtime's type, against the float64 references with the same tolerances.
    static let float64Data: Set<String> = ["Einsum"]

    /// Node tests whose operators the runtime supports (at run time, or by folding constants).
    static let cases: [String] = {
        let supported = InferenceSession.supportedOperators.union(["Shape", "Constant"])
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return [] }
        return names.sorted().filter { name in
            guard let model = try? Model(contentsOf: directory.appendingPathComponent(name).appendingPathComponent("model.onnx")) else {
                return false
            }
            return !model.graph.nodes.isEmpty && model.graph.nodes.allSatisfy { supported.contains($0.opType) && $0.domain.isEmpty }
        }
    }()

    @Test func testDataIsInstalled() {
        #expect(Self.cases.count > 200, "libonnx-testdata must be installed: \(Self.directory.path)")
    }

    @Test(arguments: cases.filter { notApplicable[$0] == nil })
    func passes(_ name: String) throws {
        let folder = Self.directory.appendingPathComponent(name)
        var model = try Model(contentsOf: folder.appendingPathComponent("model.onnx"))
        let inFloat32 = model.graph.nodes.allSatisfy { Self.float64Data.contains($0.opType) }
        if inFloat32 {
            for i in model.graph.inputs.indices where model.graph.inputs[i].elementType == .double { model.graph.inputs[i].elementType = .float }
        }
        let sets = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix("test_data_set_") }
        try #require(!sets.isEmpty)
        for set in sets.sorted() {
            let data = folder.appendingPathComponent(set)
            func tensors(_ prefix: String) throws -> [Tensor] {
                try FileManager.default.contentsOfDirectory(atPath: data.path).filter { $0.hasPrefix(prefix) }
                    .sorted { Int($0.dropFirst(prefix.count).dropLast(3))! < Int($1.dropFirst(prefix.count).dropLast(3))! }
                    .map { try Tensor.decode(tensorProto: Data(contentsOf: data.appendingPathComponent($0))).tensor }
                    .map { inFloat32 && $0.dataType == .double ? Tensor(shape: $0.shape, floats: $0.floats!) : $0 }
            }
            let inputs = try tensors("input_"), expected = try tensors("output_")
            let declared = model.graph.runtimeInputs
            try #require(inputs.count == declared.count)
            // Float data is fed at run time. Integer inputs (indices, shapes, axes) and the parameters the
            // runtime requires as constants (weights, statistics, bounds) are bound as constants, as they
            // are initializers in real models.
            var shapes = [String: [Int]](), constants = [String: Tensor](), feeds = [String: [Float]]()
            let parameters = Set(model.graph.nodes.filter { Self.constantParameters.contains($0.opType) }.flatMap { $0.inputs.dropFirst() })
            for (info, tensor) in zip(declared, inputs) {
                if tensor.dataType == .float && !parameters.contains(info.name) {
                    shapes[info.name] = tensor.shape
                    feeds[info.name] = tensor.floats!
                } else {
                    constants[info.name] = tensor
                }
            }
            let session = try InferenceSession(model: model, inputShapes: shapes, constantInputs: constants)
            let outputs = try session.run(feeds)
            for (description, reference) in zip(session.outputs, expected) {
                #expect(description.shape == reference.shape, "\(set) \(description.name): shape")
                let actual = try #require(outputs[description.name]), wanted = try #require(reference.floats)
                try #require(actual.count == wanted.count)
                // ONNX's backend-test tolerances.
                let mismatches = zip(actual, wanted).filter { !(abs($0 - $1) <= 1e-7 + 1e-3 * abs($1) || ($0.isNaN && $1.isNaN)) }
                #expect(mismatches.isEmpty, "\(set) \(description.name): \(mismatches.count) of \(wanted.count) differ, e.g. \(mismatches.prefix(3))")
            }
        }
    }
}
