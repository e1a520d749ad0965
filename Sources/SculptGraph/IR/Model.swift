import Foundation

/// An operator set a model imports: a domain ("" is the default ONNX domain) and its version.
public struct OpsetImport: Sendable, Equatable {
    public var domain: String
    public var version: Int

    public init(domain: String, version: Int) {
        self.domain = domain
        self.version = version
    }
}

/// A model: the graph plus what an ONNX file says about it.
public struct Model: Sendable, Equatable {
    public var graph: Graph
    public var opsetImports: [OpsetImport]
    public var irVersion: Int
    public var producerName: String
    public var producerVersion: String
    public var metadata: [(key: String, value: String)]
    /// Every other field of the original `ModelProto` (functions, training info, graph
    /// annotations), kept verbatim so that export is lossless.
    var envelope: Onnx_ModelProto

    public init(graph: Graph, opset: Int, irVersion: Int = 8, producerName: String = "EdgeSculpt") {
        self.graph = graph
        self.opsetImports = [OpsetImport(domain: "", version: opset)]
        self.irVersion = irVersion
        self.producerName = producerName
        self.producerVersion = ""
        self.metadata = []
        // An imported model's envelope holds an (emptied) graph; a new one holds one too, so that
        // a model equals itself after a round trip.
        self.envelope = Onnx_ModelProto()
        self.envelope.graph = Onnx_GraphProto()
    }

    /// The version of the default ONNX operator set.
    public var opset: Int {
        opsetImports.first { $0.domain == "" || $0.domain == "ai.onnx" }?.version ?? 0
    }

    public static func == (a: Model, b: Model) -> Bool {
        a.graph == b.graph && a.opsetImports == b.opsetImports && a.irVersion == b.irVersion
            && a.producerName == b.producerName && a.producerVersion == b.producerVersion
            && a.metadata.elementsEqual(b.metadata, by: { $0 == $1 }) && a.envelope == b.envelope
    }
}
