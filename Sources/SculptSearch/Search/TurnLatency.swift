import Foundation

/// A model's end-to-end latency measured in turns with the models it is compared with: every
/// turn measures each model once, so two models' turns pair up in time.
///
/// On a shared machine the medians of configurations a few percent apart trade places from run
/// to run (0.5–2 % "slower" verdicts in the reports of 2026-12-05 reversed in the next run), so
/// one model counts as slower than another only when it was slower in every turn but one at most:
/// a sign test, one chance in 16 with 7 turns that equally fast models pass it.
public struct TurnLatency: Sendable {
    /// Each turn's median, in milliseconds, in the order measured.
    public var turns: [Double]

    public init(_ turns: [Double]) { self.turns = turns }

    /// The median of the turns: the model's latency.
    public var median: Double { turns.median }

    /// Turns in which this model was slower than `other`.
    public func turnsSlower(than other: TurnLatency) -> Int { zip(turns, other.turns).filter { $0 > $1 }.count }

    /// Whether this model is slower than `other` beyond the spread of the turns.
    public func isSlower(than other: TurnLatency) -> Bool { median > other.median && turnsSlower(than: other) >= turns.count - 1 }

    /// How this model's latency compares with `other`'s, in words, e.g. "2.1 % slower (in 7 of 7 turns)".
    public func comparison(with other: TurnLatency) -> String {
        guard median > other.median else { return "no slower" }
        let percent = String(format: "%.1f %% slower", (median / other.median - 1) * 100)
        let turns = "\(turnsSlower(than: other)) of \(self.turns.count) turns"
        return isSlower(than: other) ? "\(percent) (in \(turns))"
            : "as fast within the measurement's spread (\(percent) by the medians, but in only \(turns))"
    }
}
