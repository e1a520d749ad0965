extension Model {
    /// The model with its image input's fixed batch dimension declared symbolic, when its graph
    /// computes the same for any batch; nil when the input's batch is not fixed.
    ///
    /// Models are commonly exported with a batch-1 dummy input, which fixes the batch in the
    /// declared shape (`[1, 3, 224, 224]`) while every operator works for any batch. Whether the
    /// graph does is checked by shaping it for two other batches: every output must then lead
    /// with that batch. A graph that reshapes to a constant batch (`x.view(1, -1)` exported) fails
    /// the check, and the error says which batch it fixes.
    public func withBatchFreed() throws -> Model? {
        guard let input = graph.runtimeInputs.first, graph.runtimeInputs.count == 1,
              let shape = input.shape, case .fixed(let declared)? = shape.first else { return nil }
        var freed = self
        let index = freed.graph.inputs.firstIndex { $0.name == input.name }!
        freed.graph.inputs[index].shape![0] = .symbolic("batch")
        for o in freed.graph.outputs.indices where freed.graph.outputs[o].shape?.first == .fixed(declared) {
            freed.graph.outputs[o].shape![0] = .symbolic("batch")
        }
        for batch in [declared + 1, declared + 2] {
            let outputs: [[Int]]
            do {
                let shaped = try freed.specialized(batch: batch)
                outputs = graph.outputs.compactMap { shaped.info($0.name)?.shape }
            } catch {
                throw GraphError("input '\(input.name)' is declared with batch \(declared), and the graph does not compute for batch \(batch) (\(error)); export it with a dynamic batch dimension")
            }
            guard outputs.count == graph.outputs.count, outputs.allSatisfy({ $0.first == batch }) else {
                throw GraphError("input '\(input.name)' is declared with batch \(declared), and the graph keeps it fixed (for batch \(batch) its outputs have shapes \(outputs)); export it with a dynamic batch dimension")
            }
        }
        return freed
    }
}
