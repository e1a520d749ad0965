import Foundation
import SculptGraph
import SculptPatterns

/// Writes the masked and the lowered ONNX of a model for each family and rate, for
/// scripts/bench_lowered.py to time in ONNX Runtime.
///
///     LoweringBenchmarks MODEL.onnx OUT_DIR FAMILY:RATE...      e.g. shape:0.5 channels:0.3
///
/// Prints one JSON object per variant on stdout: family, rate, the two files, and MACs and
/// parameters of the dense and the lowered model (SculptGraph's cost model).
let arguments = CommandLine.arguments.dropFirst()
guard arguments.count >= 3 else {
    FileHandle.standardError.write(Data("usage: LoweringBenchmarks MODEL.onnx OUT_DIR FAMILY:RATE...\n".utf8))
    exit(2)
}
let modelURL = URL(fileURLWithPath: arguments[arguments.startIndex])
let directory = URL(fileURLWithPath: arguments[arguments.startIndex + 1], isDirectory: true)
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)

func totals(_ model: Model) throws -> (macs: Int, parameters: Int) {
    let costs = try model.specialized().costs()
    return (costs.map(\.macs).reduce(0, +), costs.map(\.parameters).reduce(0, +))
}

let dense = try Model(contentsOf: modelURL)
let denseTotals = try totals(dense)
for variant in arguments.dropFirst(2) {
    let parts = variant.split(separator: ":")
    guard parts.count == 2, let family = PatternConfig.Family(rawValue: String(parts[0])), let rate = Double(parts[1]) else {
        FileHandle.standardError.write(Data("not FAMILY:RATE: \(variant)\n".utf8))
        exit(2)
    }
    let pattern = PatternConfig(family: family, rate: rate)
    let masks = try ModelMasks.select(model: dense, config: PruningConfig(default: pattern))
    let masked = masks.apply(to: dense)
    let lowered = try Lowering.lower(masked, masks: masks)
    let stem = "\(modelURL.deletingPathExtension().lastPathComponent)-\(family.rawValue)-\(rate)"
    let maskedURL = directory.appendingPathComponent("\(stem)-masked.onnx")
    let loweredURL = directory.appendingPathComponent("\(stem)-lowered.onnx")
    try masked.write(to: maskedURL)
    try lowered.write(to: loweredURL)
    let loweredTotals = try totals(lowered)
    let line: [String: Any] = [
        "family": family.rawValue, "rate": rate, "masked": maskedURL.path, "lowered": loweredURL.path,
        "macs_dense": denseTotals.macs, "macs_lowered": loweredTotals.macs,
        "params_dense": denseTotals.parameters, "params_lowered": loweredTotals.parameters,
    ]
    print(String(decoding: try JSONSerialization.data(withJSONObject: line, options: .sortedKeys), as: UTF8.self))
}
