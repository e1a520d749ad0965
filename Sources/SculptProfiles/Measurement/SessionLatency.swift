import SculptKernels
import SculptRuntime

/// End-to-end latency of a planned model on random inputs, with the measurement protocol.
public enum SessionLatency {
    public static func measure(_ session: InferenceSession, protocol measurement: MeasurementProtocol = MeasurementProtocol(),
                               seed: UInt64 = 0) -> LatencyStatistics {
        var random = SeededRandom(seed: seed)
        for index in session.inputs.indices {
            let buffer = session.inputBuffer(index)
            for i in buffer.indices { buffer[i] = random.uniform(-1, 1) }
        }
        return measurement.measure { session.run() }
    }
}
