import SculptKernels
import SculptPatterns
import SculptProfiles

/// The measured latency of every (layer, candidate) pair the search may choose, in milliseconds.
///
/// Each pair is a kernel spec (the layer's shape, the candidate's pattern), measured on the
/// device — in process for `--device local`, by `sculptd` for a URL — and cached in its profile
/// store, so a second search on the same device measures nothing.
public struct LatencyTable: Sendable, Codable {
    /// latencies[layer][candidate]; nil where the candidate is not allowed.
    public var latencies: [[Double?]]

    public init(latencies: [[Double?]]) { self.latencies = latencies }

    /// One allowed pair and the spec that measures it.
    public struct Request: Sendable {
        public var layer: Int
        public var candidate: Int
        public var spec: KernelSpec
    }

    /// The specs of every allowed pair, on `threads` threads.
    public static func requests(layers: [PrunableLayer], allowed: [[Bool]], threads: Int) -> [Request] {
        var requests = [Request]()
        for (l, layer) in layers.enumerated() {
            for (c, ok) in allowed[l].enumerated() where ok {
                let pattern = SearchSpace.candidates[c]
                let spec = switch layer.kind {
                case .convolution(let s):
                    KernelSpec(inChannels: s.inChannels, outChannels: s.outChannels, height: s.height, width: s.width,
                               kernel: s.kernelHeight, stride: s.strideY, groups: s.groups, pattern: pattern, threads: threads,
                               inputLayout: layer.readsGraphInput ? .planar : .blocked)
                case .linear(let inFeatures, let outFeatures, _):
                    // Its rows: the model's batch times any leading dimensions (tokens).
                    KernelSpec(op: .linear, inChannels: inFeatures, outChannels: outFeatures, pattern: pattern, threads: threads,
                               batch: max(1, layer.macs / max(1, inFeatures * outFeatures)))
                }
                requests.append(Request(layer: l, candidate: c, spec: spec))
            }
        }
        return requests
    }

    /// The table of `layers` × the candidates from the requests and their measured medians.
    public init(layers: Int, requests: [Request], medians: [Double]) {
        latencies = Array(repeating: Array(repeating: nil, count: SearchSpace.candidates.count), count: layers)
        for (request, median) in zip(requests, medians) { latencies[request.layer][request.candidate] = median }
    }

    /// The fastest configuration: every layer on its fastest candidate.
    public var fastest: [Int] {
        latencies.map { row in row.indices.filter { row[$0] != nil }.min { row[$0]! < row[$1]! } ?? 0 }
    }

    /// The sum of the chosen candidates' latencies.
    public func total(_ choices: [Int]) -> Double {
        zip(latencies, choices).reduce(0) { $0 + ($1.0[$1.1] ?? 0) }
    }
}
