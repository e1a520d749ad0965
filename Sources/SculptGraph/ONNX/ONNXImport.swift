import OrderedCollections
import Foundation
import SwiftProtobuf

extension Model {
    /// Reads an ONNX file; errors name the file and what is wrong with it.
    public init(contentsOf url: URL) throws {
        let bytes: Data
        do {
            bytes = try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw GraphError("\(url.relativePath): cannot read the file (\(Model.reason(error)))")
        }
        do {
            try self.init(serializedData: bytes, directory: url.deletingLastPathComponent())
        } catch let error as GraphError {
            throw GraphError("\(url.relativePath): \(error.message)")
        }
    }

    /// Decodes a serialized `ModelProto`; `directory` resolves tensors stored as external data.
    public init(serializedData bytes: Data, directory: URL? = nil) throws {
        let proto: Onnx_ModelProto
        do {
            proto = try Onnx_ModelProto(serializedBytes: bytes)
        } catch BinaryDecodingError.truncated {
            throw GraphError("not a valid ONNX model: the file is truncated")
        } catch {
            throw GraphError("not a valid ONNX model: the protobuf does not decode (\(Model.reason(error)))")
        }
        guard proto.hasGraph else { throw GraphError("not a valid ONNX model: it has no graph") }
        guard !proto.opsetImport.isEmpty else {
            throw GraphError("not a valid ONNX model: it imports no operator set (is the file truncated?)")
        }
        let reader = TensorReader(directory: directory)
        graph = try Graph(proto: proto.graph, reader: reader)
        opsetImports = proto.opsetImport.map { OpsetImport(domain: $0.domain, version: Int($0.version)) }
        irVersion = Int(proto.irVersion)
        producerName = proto.producerName
        producerVersion = proto.producerVersion
        metadata = proto.metadataProps.map { ($0.key, $0.value) }
        var envelope = proto
        envelope.graph.node = []
        envelope.graph.initializer = []
        envelope.graph.input = []
        envelope.graph.output = []
        envelope.graph.valueInfo = []
        envelope.graph.clearName()
        envelope.graph.clearDocString()
        envelope.opsetImport = []
        envelope.clearIrVersion()
        envelope.clearProducerName()
        envelope.clearProducerVersion()
        envelope.metadataProps = []
        self.envelope = envelope
    }

    static func reason(_ error: Error) -> String {
        if let error = error as? CocoaError, let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError {
            return underlying.localizedDescription
        }
        return "\(error)"
    }
}

extension Graph {
    init(proto: Onnx_GraphProto, reader: TensorReader) throws {
        var initializers = OrderedDictionary<String, Tensor>()
        for tensor in proto.initializer {
            guard !tensor.name.isEmpty else { throw GraphError("an initializer has no name") }
            guard initializers[tensor.name] == nil else {
                throw GraphError("initializer '\(tensor.name)' is defined twice")
            }
            initializers[tensor.name] = try reader.tensor(tensor, role: "initializer '\(tensor.name)'")
        }
        if let sparse = proto.sparseInitializer.first {
            throw GraphError("sparse initializer '\(sparse.values.name)' is not supported")
        }
        self.init(
            name: proto.name,
            nodes: try proto.node.enumerated().map { try Node(proto: $1, index: $0, reader: reader) },
            initializers: initializers,
            inputs: try proto.input.map { try ValueInfo(proto: $0) },
            outputs: try proto.output.map { try ValueInfo(proto: $0) },
            valueInfo: try proto.valueInfo.map { try ValueInfo(proto: $0) },
            docString: proto.docString)
    }
}

extension Node {
    init(proto: Onnx_NodeProto, index: Int, reader: TensorReader) throws {
        let label = proto.name.isEmpty ? "node #\(index) (\(proto.opType))" : "node '\(proto.name)'"
        guard !proto.opType.isEmpty else { throw GraphError("\(label) has no operator type") }
        self.init(
            name: proto.name, opType: proto.opType, domain: proto.domain,
            inputs: proto.input, outputs: proto.output,
            attributes: try proto.attribute.map { try Attribute(proto: $0, node: label, reader: reader) },
            docString: proto.docString)
    }
}

extension Attribute {
    init(proto: Onnx_AttributeProto, node: String, reader: TensorReader) throws {
        let role = "attribute '\(proto.name)' of \(node)"
        let value: Value
        switch proto.type {
        case .float: value = .float(proto.f)
        case .int: value = .int(Int(proto.i))
        case .floats: value = .floats(proto.floats)
        case .ints: value = .ints(proto.ints.map { Int($0) })
        case .tensor: value = .tensor(try reader.tensor(proto.t, role: role))
        case .string:
            if let text = String(data: proto.s, encoding: .utf8) {
                value = .string(text)
            } else {
                value = .opaque(try proto.serializedBytes())
            }
        case .strings:
            let texts = proto.strings.compactMap { String(data: $0, encoding: .utf8) }
            value = texts.count == proto.strings.count ? .strings(texts) : .opaque(try proto.serializedBytes())
        default:
            value = .opaque(try proto.serializedBytes())
        }
        self.init(proto.name, value)
    }
}

extension ValueInfo {
    init(proto: Onnx_ValueInfoProto) throws {
        self.init(name: proto.name, elementType: nil, shape: nil, docString: proto.docString)
        guard case .tensorType(let tensorType)? = proto.type.value else {
            if proto.hasType { opaqueType = proto.type }
            return
        }
        elementType = DataType(rawValue: Int(tensorType.elemType))
        if tensorType.hasShape {
            shape = tensorType.shape.dim.map { dim in
                switch dim.value {
                case .dimValue(let n)?: n >= 0 ? .fixed(Int(n)) : .unknown
                case .dimParam(let name)?: .symbolic(name)
                case nil: .unknown
                }
            }
        }
    }
}

/// Decodes `TensorProto`s, checking that the data matches the declared shape.
struct TensorReader {
    var directory: URL?

    func tensor(_ proto: Onnx_TensorProto, role: String) throws -> Tensor {
        guard let type = DataType(rawValue: Int(proto.dataType)) else {
            throw GraphError("\(role) has unknown element type \(proto.dataType)")
        }
        var count = 1
        for dim in proto.dims {
            guard dim >= 0 else { throw GraphError("\(role) has a negative dimension in \(proto.dims)") }
            let (product, overflow) = count.multipliedReportingOverflow(by: Int(dim))
            guard !overflow, product < 1 << 40 else { throw GraphError("\(role) has an absurd shape \(proto.dims)") }
            count = product
        }
        let shape = proto.dims.map { Int($0) }
        if type == .string {
            guard proto.stringData.count == count else {
                throw GraphError("\(role): shape \(shape) needs \(count) strings but the tensor holds \(proto.stringData.count)")
            }
            return Tensor(dataType: type, shape: shape, storage: .strings(proto.stringData))
        }
        let width = type.byteWidth!
        let raw: Data?
        if proto.dataLocation == .external {
            raw = try externalBytes(proto, role: role)
        } else {
            raw = proto.hasRawData ? proto.rawData : nil
        }
        if let raw {
            guard raw.count == count * width else {
                throw GraphError("\(role): shape \(shape) of \(type) needs \(count * width) bytes but the data holds \(raw.count)")
            }
            switch type {
            case .float: return Tensor(dataType: type, shape: shape, storage: .float(Tensor.unpack(raw, as: Float.self)))
            case .int64: return Tensor(dataType: type, shape: shape, storage: .int64(Tensor.unpack(raw, as: Int64.self)))
            default: return Tensor(dataType: type, shape: shape, storage: .raw(Data(raw)))
            }
        }
        // Typed fields: ONNX stores narrow integers, bools and halves widened to int32.
        let storage: Tensor.Storage
        let found: Int
        switch type {
        case .float:
            storage = .float(proto.floatData); found = proto.floatData.count
        case .int64:
            storage = .int64(proto.int64Data); found = proto.int64Data.count
        case .double:
            storage = .raw(Tensor.pack(proto.doubleData)); found = proto.doubleData.count
        case .uint32, .uint64:
            storage = .raw(Tensor.packIntegers(proto.uint64Data.map { Int64(bitPattern: $0) }, as: type))
            found = proto.uint64Data.count
        case .complex64:
            storage = .raw(Tensor.pack(proto.floatData)); found = proto.floatData.count / 2
        case .complex128:
            storage = .raw(Tensor.pack(proto.doubleData)); found = proto.doubleData.count / 2
        case .float16, .bfloat16:
            storage = .raw(Tensor.pack(proto.int32Data.map { UInt16(truncatingIfNeeded: $0) })); found = proto.int32Data.count
        default:
            storage = .raw(Tensor.packIntegers(proto.int32Data.map(Int64.init), as: type)); found = proto.int32Data.count
        }
        guard found == count else {
            throw GraphError("\(role): shape \(shape) needs \(count) values but the tensor holds \(found)")
        }
        return Tensor(dataType: type, shape: shape, storage: storage)
    }

    /// Reads a tensor stored beside the model (`external_data`: location, offset, length).
    private func externalBytes(_ proto: Onnx_TensorProto, role: String) throws -> Data {
        let entries = Dictionary(proto.externalData.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
        guard let location = entries["location"], !location.isEmpty else {
            throw GraphError("\(role) is stored externally but names no location")
        }
        guard let directory else { throw GraphError("\(role) is stored in '\(location)', but the model was not read from a file") }
        let url = directory.appendingPathComponent(location)
        let file: Data
        do {
            file = try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw GraphError("\(role) is stored in '\(url.relativePath)', which cannot be read")
        }
        let offset = Int(entries["offset"] ?? "0") ?? -1
        let length = entries["length"].map { Int($0) ?? -1 } ?? (file.count - max(offset, 0))
        guard offset >= 0, length >= 0, offset <= file.count, length <= file.count - offset else {
            throw GraphError("\(role): offset \(offset) and length \(length) lie outside '\(location)' (\(file.count) bytes)")
        }
        return file.subdata(in: offset..<(offset + length))
    }
}

extension Tensor {
    /// Decodes a serialized `TensorProto` (as ONNX's test data stores inputs and outputs).
    public static func decode(tensorProto bytes: Data) throws -> (name: String, tensor: Tensor) {
        let proto: Onnx_TensorProto
        do {
            proto = try Onnx_TensorProto(serializedBytes: bytes)
        } catch {
            throw GraphError("not a valid ONNX tensor: the protobuf does not decode (\(Model.reason(error)))")
        }
        return (proto.name, try TensorReader(directory: nil).tensor(proto, role: "tensor '\(proto.name)'"))
    }
}
