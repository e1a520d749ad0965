import Foundation
import SculptGraph
import SculptPatterns
import SculptTestSupport
import Testing

/// Shape patterns (AutoSculpt) chosen from the weights: row/column shapes per filter, the rate met,
/// the most energy kept, only shapes the layer's pads can express.
@Suite struct ShapeSelectionTests {
    /// One 3x3 convolution of 4 filters over 2 input channels, with the given pads.
    static func convolution(weight: [Float], pads: Int) -> Model {
        var graph = Graph(nodes: [Node(name: "conv", opType: "Conv", inputs: ["x", "w", "b"], outputs: ["y"],
                                       attributes: [Attribute("kernel_shape", .ints([3, 3])), Attribute("pads", .ints([pads, pads, pads, pads]))])],
                          inputs: [ValueInfo(name: "x", elementType: .float, shape: [.fixed(1), .fixed(2), .fixed(6), .fixed(6)])],
                          outputs: [ValueInfo(name: "y", elementType: .float, shape: nil)])
        graph.initializers["w"] = Tensor(shape: [4, 2, 3, 3], floats: weight)
        graph.initializers["b"] = Tensor(shape: [4], floats: [1, 2, 3, 4])
        return Model(graph: graph, opset: 17)
    }

    /// Filter 0 lives in rows 0-1, filter 1 in column 1, filter 2 is weak, filter 3 is strong everywhere.
    static let structured: [Float] = (0..<4).flatMap { f in
        (0..<2).flatMap { _ in
            (0..<9).map { t -> Float in
                switch f {
                case 0: t / 3 < 2 ? 1 : 0
                case 1: t % 3 == 1 ? 1 : 0
                case 2: 0.01
                default: 1
                }
            }
        }
    }

    @Test func keepsTheRowsAndColumnsThatCarryTheEnergy() throws {
        let model = Self.convolution(weight: Self.structured, pads: 1)
        let masks = try ModelMasks.select(model: model, config: PruningConfig(default: PatternConfig(family: .shape, rate: 0.5)))
        let mask = try #require(masks.masks.first)
        #expect(masks.masks.count == 1 && mask.layer == "conv")
        #expect(mask.removedOutputs == [2])
        let kernels = (0..<4).map { f in mask.keep[(f * 18)..<(f * 18 + 9)] }
        #expect(FilterShape(taps: kernels[0]) == FilterShape(rows: 0...1, columns: 0...2))
        #expect(FilterShape(taps: kernels[1]) == FilterShape(rows: 0...2, columns: 1...1))
        #expect(FilterShape(taps: kernels[3]) == .full)
        #expect(1 - mask.density >= 0.5)
        // Every kernel of a filter keeps the same taps.
        for f in 0..<4 { #expect(mask.keep[(f * 18)..<(f * 18 + 9)].elementsEqual(mask.keep[(f * 18 + 9)..<(f * 18 + 18)])) }
        // The removed filter outputs exactly zero: its bias goes with it.
        let masked = masks.apply(to: model)
        #expect(masked.graph.initializers["b"]?.floats == [1, 2, 0, 4])
    }

    @Test func withoutPaddingOnlyWholeFiltersGo() throws {
        // A kept row range that starts below row 0 would need a negative pad: only 3x3 or removal remain.
        let model = Self.convolution(weight: Self.structured, pads: 0)
        let mask = try #require(try ModelMasks.select(model: model, config: PruningConfig(default: PatternConfig(family: .shape, rate: 0.4))).masks.first)
        for f in 0..<4 where !mask.removedOutputs.contains(f) {
            #expect(FilterShape(taps: mask.keep[(f * 18)..<(f * 18 + 9)]) == .full)
        }
        #expect(mask.removedOutputs.count == 2)
    }

    @Test(arguments: [0.25, 0.5, 0.7])
    func meetsTheRateOnEveryLayerOfTheExample(rate: Double) throws {
        let model = try Model(contentsOf: Repository.path("examples/mnist/model.onnx"))
        let layers = try model.specialized().prunableLayers()
        let masks = try ModelMasks.select(model: model, config: PruningConfig(default: PatternConfig(family: .shape, rate: rate)))
        let shaped = layers.filter { $0.families.contains(.shape) }
        #expect(masks.masks.map(\.layer) == shaped.map(\.name))
        for (mask, layer) in zip(masks.masks, shaped) {
            guard case .convolution(let conv) = layer.kind else { continue }
            let removed = 1 - mask.density
            // At least the rate, and no more than one block of filters' worth of weights beyond it.
            let block = min(16, conv.outChannels / 4)
            #expect(removed >= rate - 1e-12)
            #expect(removed <= rate + Double(block) / Double(conv.outChannels), "\(layer.name): removed \(removed)")
            // Filters change shape in blocks: every shape's filter count is a multiple of the block.
            var counts = [FilterShape: Int]()
            for f in 0..<conv.outChannels where !mask.removedOutputs.contains(f) {
                let taps = mask.keep[(f * conv.filterLength)..<(f * conv.filterLength + 9)]
                let shape = try #require(FilterShape(taps: taps), "\(layer.name) filter \(f)")
                #expect(shape.pads(in: conv) != nil)
                counts[shape, default: 0] += 1
            }
            #expect(counts.values.allSatisfy { $0 % block == 0 }, "\(layer.name): \(counts)")
            #expect(counts.count <= 3)
        }
    }

    @Test func rejectsLayersThatAreNot3x3() throws {
        let model = try Model(contentsOf: Repository.fixtureModels().first { $0.file == "resnet_cifar_op13_ts.onnx" }!.url)
        let config = PruningConfig(default: .dense, layers: ["/layer2/layer2.0/downsample/downsample.0/Conv": PatternConfig(family: .shape, rate: 0.5)])
        #expect(throws: PatternError.notApplicable(layer: "/layer2/layer2.0/downsample/downsample.0/Conv",
                                                   reason: "shape patterns do not apply to a 1x1 convolution with 1 group(s)")) {
            try ModelMasks.select(model: model, config: config)
        }
    }
}
