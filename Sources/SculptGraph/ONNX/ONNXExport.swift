import Foundation
import SwiftProtobuf

extension Model {
    /// Serializes the model as an ONNX `ModelProto`.
    public func serializedData() throws -> Data {
        var proto = envelope
        proto.irVersion = Int64(irVersion)
        proto.producerName = producerName
        if !producerVersion.isEmpty { proto.producerVersion = producerVersion }
        proto.opsetImport = opsetImports.map { opset in
            var entry = Onnx_OperatorSetIdProto()
            entry.domain = opset.domain
            entry.version = Int64(opset.version)
            return entry
        }
        proto.metadataProps = metadata.map { entry in
            var prop = Onnx_StringStringEntryProto()
            prop.key = entry.key
            prop.value = entry.value
            return prop
        }
        var graphProto = proto.graph
        graph.fill(&graphProto)
        proto.graph = graphProto
        return try proto.serializedBytes()
    }

    /// Writes the model to an ONNX file.
    public func write(to url: URL) throws {
        do {
            try serializedData().write(to: url, options: .atomic)
        } catch {
            throw GraphError("\(url.relativePath): cannot write the model (\(Model.reason(error)))")
        }
    }
}

extension Graph {
    func fill(_ proto: inout Onnx_GraphProto) {
        proto.name = name
        if !docString.isEmpty { proto.docString = docString }
        proto.node = nodes.map(\.proto)
        proto.initializer = initializers.map { $0.value.proto(name: $0.key) }
        proto.input = inputs.map(\.proto)
        proto.output = outputs.map(\.proto)
        proto.valueInfo = valueInfo.map(\.proto)
    }
}

extension Node {
    var proto: Onnx_NodeProto {
        var proto = Onnx_NodeProto()
        proto.name = name
        proto.opType = opType
        if !domain.isEmpty { proto.domain = domain }
        proto.input = inputs
        proto.output = outputs
        proto.attribute = attributes.map(\.proto)
        if !docString.isEmpty { proto.docString = docString }
        return proto
    }
}

extension Attribute {
    var proto: Onnx_AttributeProto {
        var proto = Onnx_AttributeProto()
        proto.name = name
        switch value {
        case .float(let v): proto.type = .float; proto.f = v
        case .int(let v): proto.type = .int; proto.i = Int64(v)
        case .string(let v): proto.type = .string; proto.s = Data(v.utf8)
        case .tensor(let v): proto.type = .tensor; proto.t = v.proto(name: "")
        case .floats(let v): proto.type = .floats; proto.floats = v
        case .ints(let v): proto.type = .ints; proto.ints = v.map { Int64($0) }
        case .strings(let v): proto.type = .strings; proto.strings = v.map { Data($0.utf8) }
        case .opaque(let bytes):
            // Decoding bytes this exporter wrote itself cannot fail.
            proto = (try? Onnx_AttributeProto(serializedBytes: bytes)) ?? proto
        }
        return proto
    }
}

extension Tensor {
    func proto(name: String) -> Onnx_TensorProto {
        var proto = Onnx_TensorProto()
        if !name.isEmpty { proto.name = name }
        proto.dataType = Int32(dataType.rawValue)
        proto.dims = shape.map { Int64($0) }
        if case .strings(let values) = storage {
            proto.stringData = values
        } else {
            proto.rawData = rawBytes ?? Data()
        }
        return proto
    }
}

extension ValueInfo {
    var proto: Onnx_ValueInfoProto {
        var proto = Onnx_ValueInfoProto()
        proto.name = name
        if !docString.isEmpty { proto.docString = docString }
        if let opaqueType {
            proto.type = opaqueType
        } else if let elementType {
            var tensorType = Onnx_TypeProto.Tensor()
            tensorType.elemType = Int32(elementType.rawValue)
            if let shape {
                tensorType.shape.dim = shape.map { dimension in
                    var dim = Onnx_TensorShapeProto.Dimension()
                    switch dimension {
                    case .fixed(let n): dim.dimValue = Int64(n)
                    case .symbolic(let name): dim.dimParam = name
                    case .unknown: break
                    }
                    return dim
                }
            }
            proto.type.tensorType = tensorType
        }
        return proto
    }
}
