/// The resolved geometry of a sliding window (Conv, MaxPool, AveragePool) over spatial axes.
public struct WindowGeometry: Sendable, Equatable {
    public var kernel: [Int]
    public var strides: [Int]
    public var dilations: [Int]
    public var padsBegin: [Int]
    public var padsEnd: [Int]
    public var output: [Int]

    /// Resolves `auto_pad`, `pads`, `strides`, `dilations` and `ceil_mode` of `node` for an input of spatial size `input`.
    public init(node: Node, input: [Int], kernel: [Int], allowCeilMode: Bool = false) throws {
        let rank = input.count
        let label = node.name.isEmpty ? node.opType : node.name
        self.kernel = kernel
        strides = node.ints("strides") ?? Array(repeating: 1, count: rank)
        dilations = node.ints("dilations") ?? Array(repeating: 1, count: rank)
        let pads = node.ints("pads") ?? Array(repeating: 0, count: 2 * rank)
        guard kernel.count == rank, strides.count == rank, dilations.count == rank, pads.count == 2 * rank else {
            throw GraphError("node '\(label)': kernel, strides, dilations or pads do not match the \(rank) spatial axes")
        }
        let sane = 1 << 20
        guard strides.allSatisfy({ $0 > 0 && $0 < sane }), dilations.allSatisfy({ $0 > 0 && $0 < sane }),
              kernel.allSatisfy({ $0 > 0 && $0 < sane }), pads.allSatisfy({ $0 >= 0 && $0 < sane }) else {
            throw GraphError("node '\(label)': kernel, strides and dilations must be positive and pads non-negative (and all below \(sane))")
        }
        padsBegin = Array(pads[..<rank])
        padsEnd = Array(pads[rank...])
        output = []
        let ceilMode = allowCeilMode && node.int("ceil_mode") == 1
        let autoPad = node.string("auto_pad") ?? "NOTSET"
        for axis in 0..<rank {
            let extent = dilations[axis] * (kernel[axis] - 1) + 1
            switch autoPad {
            case "SAME_UPPER", "SAME_LOWER":
                let out = (input[axis] + strides[axis] - 1) / strides[axis]
                let total = max(0, (out - 1) * strides[axis] + extent - input[axis])
                let small = total / 2
                padsBegin[axis] = autoPad == "SAME_UPPER" ? small : total - small
                padsEnd[axis] = total - padsBegin[axis]
                output.append(out)
            case "VALID", "NOTSET":
                if autoPad == "VALID" { padsBegin[axis] = 0; padsEnd[axis] = 0 }
                let span = input[axis] + padsBegin[axis] + padsEnd[axis] - extent
                guard span >= 0 else {
                    throw GraphError("node '\(label)': the window (\(extent)) is larger than the padded input (\(input[axis] + padsBegin[axis] + padsEnd[axis]))")
                }
                var out = (ceilMode ? (span + strides[axis] - 1) / strides[axis] : span / strides[axis]) + 1
                // A ceil-mode window must start inside the input or its leading padding.
                if ceilMode && (out - 1) * strides[axis] >= input[axis] + padsBegin[axis] { out -= 1 }
                output.append(out)
            default:
                throw GraphError("node '\(label)': unknown auto_pad '\(autoPad)'")
            }
        }
    }
}
