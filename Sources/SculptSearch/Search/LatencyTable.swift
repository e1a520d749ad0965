import SculptKernels
import SculptPatterns
import SculptProfiles
import SculptRuntime

/// The measured latency of every (layer, candidate) pair the search may choose, in milliseconds,
/// for each layout the layer's input can arrive in.
///
/// Each pair is a kernel spec (the layer's shape, the candidate's pattern, the layout its input
/// arrives in), measured on the device — in process for `--device local`, by `sculptd` for a URL
/// — and cached in its profile store, so a second search on the same device measures nothing.
public struct LatencyTable: Sendable, Codable {
    /// latencies[layer][candidate] with the layer's input arriving channel-blocked (and for linear
    /// layers, which have no layouts); nil where the candidate is not allowed or the input never
    /// arrives so.
    public var latencies: [[Double?]]
    /// The same with the input arriving planar: the model's input, or what groups of 4 wrote.
    public var planarInput: [[Double?]]
    /// The layout conversions between layers (`LayoutConversions`), by `LayoutConversion.key`.
    public var conversions: [String: Double]

    public init(latencies: [[Double?]], planarInput: [[Double?]]? = nil, conversions: [String: Double] = [:]) {
        self.latencies = latencies
        self.planarInput = planarInput ?? latencies.map { $0.map { _ in nil } }
        self.conversions = conversions
    }

    /// One allowed pair in one input layout, and the spec that measures it.
    public struct Request: Sendable {
        public var layer: Int
        public var candidate: Int
        public var input: TensorLayout
        public var spec: KernelSpec
    }

    /// The specs of every allowed pair in every layout its input can arrive in (`inputs`, one
    /// list per layer, `LayerInputs.possible`), on `threads` threads.
    public static func requests(layers: [PrunableLayer], allowed: [[Bool]], inputs: [[TensorLayout]], threads: Int) -> [Request] {
        var requests = [Request]()
        for (l, layer) in layers.enumerated() {
            for (c, ok) in allowed[l].enumerated() where ok {
                let pattern = SearchSpace.candidates[c]
                switch layer.kind {
                case .convolution(let s):
                    for input in inputs[l] {
                        let spec = KernelSpec(inChannels: s.inChannels, outChannels: s.outChannels, height: s.height, width: s.width,
                                              kernel: s.kernelHeight, stride: s.strideY, groups: s.groups, pattern: pattern,
                                              threads: threads, inputLayout: input)
                        requests.append(Request(layer: l, candidate: c, input: input, spec: spec))
                    }
                case .linear(let inFeatures, let outFeatures, _):
                    // Its rows: the model's batch times any leading dimensions (tokens).
                    let spec = KernelSpec(op: .linear, inChannels: inFeatures, outChannels: outFeatures, pattern: pattern, threads: threads,
                                          batch: max(1, layer.macs / max(1, inFeatures * outFeatures)))
                    requests.append(Request(layer: l, candidate: c, input: .blocked, spec: spec))
                }
            }
        }
        return requests
    }

    /// The table of `layers` × the candidates from the requests and their measured medians, and
    /// the conversions' measured medians.
    public init(layers: Int, requests: [Request], medians: [Double], conversions: [String: Double] = [:]) {
        self.init(latencies: Array(repeating: Array(repeating: nil, count: SearchSpace.candidates.count), count: layers),
                  conversions: conversions)
        for (request, median) in zip(requests, medians) {
            switch request.input {
            case .blocked: latencies[request.layer][request.candidate] = median
            case .planar: planarInput[request.layer][request.candidate] = median
            }
        }
    }

    /// Candidate `c` on layer `l` with its input arriving in `input`; the other layout's
    /// measurement where the input never arrives in this one.
    public func latency(_ l: Int, _ c: Int, input: TensorLayout) -> Double? {
        input == .planar ? planarInput[l][c] ?? latencies[l][c] : latencies[l][c] ?? planarInput[l][c]
    }

    /// Every latency times `factor` (the device's pace now against the one measured).
    public func scaled(by factor: Double) -> LatencyTable {
        LatencyTable(latencies: latencies.map { $0.map { $0.map { $0 * factor } } },
                     planarInput: planarInput.map { $0.map { $0.map { $0 * factor } } },
                     conversions: conversions.mapValues { $0 * factor })
    }

    /// What `conversions` cost together (those not measured: nothing).
    public func total(_ conversions: [LayoutConversion]) -> Double {
        conversions.reduce(0) { $0 + (self.conversions[$1.key] ?? 0) }
    }

    /// The sum of the chosen candidates' latencies, each layer's input arriving in `inputs[l]`
    /// (`LayerInputs` of the same choices).
    public func total(_ choices: [Int], inputs: [TensorLayout]) -> Double {
        choices.indices.reduce(0) { $0 + (latency($1, choices[$1], input: inputs[$1]) ?? 0) }
    }
}
