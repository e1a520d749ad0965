import Foundation
import SculptData
import SculptGraph
import SculptKernels

/// A `.sculpt` file: a pruned model for EdgeSculpt's runtime — the graph, the pruned weights
/// packed (kept values only, with a bit mask), and the pattern of every pruned layer.
///
/// It is an `.npz` archive (`numpy.load` opens it), so that every part can be inspected with
/// NumPy; docs/sculpt-format.md describes the members:
/// - `manifest`: UTF-8 JSON (`SculptFile.Manifest`), uint8;
/// - `model`: the ONNX model without the packed weights' initializers, uint8;
/// - `<weight>.values`: the kept values of a pruned weight, float32, in element order;
/// - `<weight>.mask`: its keep mask as bits (`numpy.packbits`, big bit order), uint8.
public enum SculptFile {
    public static let format = "edgesculpt"
    public static let version = 1

    /// What the archive holds besides the graph.
    public struct Manifest: Codable, Equatable, Sendable {
        public var format: String
        public var version: Int
        public var layers: [Layer]

        public struct Layer: Codable, Equatable, Sendable {
            public var layer: String
            public var weight: String
            public var bias: String?
            public var shape: [Int]
            public var pattern: PatternConfig
            public var kept: Int
            public var removedOutputs: [Int]
            /// The kernel the runtime runs the layer with, when it is a sparse one.
            public var kernel: String?
        }
    }

    /// Writes `masked` (the masks already applied) and its masks to `url`.
    public static func write(_ masked: Model, masks: ModelMasks, to url: URL) throws {
        var model = masked
        var arrays = [(name: String, array: NumPyArray)]()
        var layers = [Manifest.Layer]()
        for mask in masks.masks {
            guard let tensor = model.graph.initializers.removeValue(forKey: mask.weight), let values = tensor.floats else {
                throw PatternError.notApplicable(layer: mask.layer, reason: "its weight '\(mask.weight)' is not a float initializer")
            }
            let kept = zip(values, mask.keep).filter(\.1).map(\.0)
            arrays.append(("\(mask.weight).values", NumPyArray(shape: [kept.count], elements: .float32(kept))))
            arrays.append(("\(mask.weight).mask", NumPyArray(shape: [(mask.keep.count + 7) / 8], elements: .uint8(packBits(mask.keep)))))
            layers.append(Manifest.Layer(layer: mask.layer, weight: mask.weight, bias: mask.bias, shape: tensor.shape,
                                         pattern: mask.pattern, kept: kept.count, removedOutputs: mask.removedOutputs,
                                         kernel: mask.kernel))
        }
        let manifest = try JSONEncoder().encode(Manifest(format: format, version: version, layers: layers))
        let graph = try model.serializedData()
        arrays.insert(("model", NumPyArray(shape: [graph.count], elements: .uint8(Array(graph)))), at: 0)
        arrays.insert(("manifest", NumPyArray(shape: [manifest.count], elements: .uint8(Array(manifest)))), at: 0)
        try NumPy.writeArchive(arrays, to: url, compressed: false)
    }

    /// Reads a `.sculpt` file: the model with its pruned weights restored (zeros where pruned),
    /// and the masks. Errors name the file and what is wrong.
    public static func read(contentsOf url: URL) throws -> (model: Model, masks: ModelMasks) {
        func fail(_ reason: String) -> PatternError { .invalidConfig("\(url.relativePath): \(reason)") }
        let arrays: [String: NumPyArray]
        do { arrays = try NumPy.readArchive(contentsOf: url) } catch {
            throw fail("not a .sculpt file (\(error))")
        }
        guard case .uint8(let manifestBytes)? = arrays["manifest"]?.elements,
              let manifest = try? JSONDecoder().decode(Manifest.self, from: Data(manifestBytes)),
              manifest.format == format else { throw fail("no EdgeSculpt manifest") }
        guard manifest.version == version else {
            throw fail("format version \(manifest.version) is not supported (this version reads \(version))")
        }
        guard case .uint8(let graphBytes)? = arrays["model"]?.elements else { throw fail("no model") }
        var model = try Model(serializedData: Data(graphBytes))
        var masks = [LayerMask]()
        for layer in manifest.layers {
            guard case .float32(let values)? = arrays["\(layer.weight).values"]?.elements,
                  case .uint8(let bits)? = arrays["\(layer.weight).mask"]?.elements,
                  let count = elementCount(layer.shape), bits.count == (count + 7) / 8 else {
                throw fail("the packed weight of layer '\(layer.layer)' is missing or malformed")
            }
            if let kernel = layer.kernel, !ConvolutionKernels.sparse.contains(where: { $0.name == kernel }) {
                throw fail("layer '\(layer.layer)' runs on kernel '\(kernel)', which this version does not have")
            }
            let keep = unpackBits(bits, count: count)
            guard keep.reduce(0, { $0 + ($1 ? 1 : 0) }) == values.count else {
                throw fail("layer '\(layer.layer)': the mask keeps a different number of weights than are stored")
            }
            var dense = [Float](repeating: 0, count: count), next = 0
            for i in 0..<count where keep[i] { dense[i] = values[next]; next += 1 }
            model.graph.initializers[layer.weight] = Tensor(shape: layer.shape, floats: dense)
            masks.append(LayerMask(layer: layer.layer, weight: layer.weight, bias: layer.bias, pattern: layer.pattern,
                                   keep: keep, removedOutputs: layer.removedOutputs, kernel: layer.kernel))
        }
        return (model, ModelMasks(masks: masks))
    }

    /// Whether `bytes` look like a `.sculpt` file (a ZIP archive) rather than an ONNX model.
    public static func isSculpt(_ bytes: Data) -> Bool { bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) }

    /// Reads a `.sculpt` file from its bytes (a request body, say).
    public static func read(serializedData bytes: Data) throws -> (model: Model, masks: ModelMasks) {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("edgesculpt-\(UUID().uuidString).sculpt")
        try bytes.write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        return try read(contentsOf: url)
    }

    /// The bytes of the `.sculpt` file of `masked` and its masks.
    public static func serializedData(_ masked: Model, masks: ModelMasks) throws -> Data {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("edgesculpt-\(UUID().uuidString).sculpt")
        try write(masked, masks: masks, to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        return try Data(contentsOf: url)
    }

    static func packBits(_ flags: [Bool]) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: (flags.count + 7) / 8)
        for (i, flag) in flags.enumerated() where flag { bytes[i / 8] |= 0x80 >> UInt8(i % 8) }
        return bytes
    }

    static func unpackBits(_ bytes: [UInt8], count: Int) -> [Bool] {
        (0..<count).map { bytes[$0 / 8] & (0x80 >> UInt8($0 % 8)) != 0 }
    }
}
