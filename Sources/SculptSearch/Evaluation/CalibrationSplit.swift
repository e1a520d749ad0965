import SculptData
import SculptKernels

/// The calibration data split in two: the part the reward (and recovery) sees, and the part that
/// chooses each search's answer among its best configurations (`MeasuredAnswers`).
///
/// The agent is trained on the reward part; with a few hundred images, its most accurate
/// configuration there is partly chosen by the noise of single images, so the answer must be
/// chosen on images it never saw.
public struct CalibrationSplit: Sendable {
    public var reward: LabelledData
    /// Nil when the share is 0: answers are then chosen on the reward part.
    public var selection: LabelledData?

    /// `selectionShare` of the images (rounded, at least one when the share is positive, and one
    /// left for the reward) drawn by a fixed seed, so that every search of the same data splits it
    /// alike; each part keeps the file's order.
    public init(_ data: LabelledData, selectionShare: Double) {
        let count = share(selectionShare, of: data.count)
        guard count > 0 else {
            reward = data
            selection = nil
            return
        }
        var random = SeededRandom(seed: 0x5E1E_C7)
        var order = Array(0..<data.count)
        order.shuffle(using: &random)
        let chosen = Set(order.prefix(count))
        reward = data.subset((0..<data.count).filter { !chosen.contains($0) })
        selection = data.subset((0..<data.count).filter { chosen.contains($0) })
    }

    /// The images that choose answers: the selection part, or the reward part without one.
    public var choosing: LabelledData { selection ?? reward }
}

/// How many of `count` images `share` selects: rounded, at least one when positive, never all.
private func share(_ share: Double, of count: Int) -> Int {
    guard share > 0, count > 1 else { return 0 }
    return min(count - 1, max(1, Int((share * Double(count)).rounded())))
}

extension LabelledData {
    /// The images at `indices`, in that order.
    func subset(_ indices: [Int]) -> LabelledData {
        let perImage = shape.dropFirst().reduce(1, *)
        var images = [Float]()
        images.reserveCapacity(indices.count * perImage)
        for i in indices { images += self.images[(i * perImage)..<((i + 1) * perImage)] }
        return LabelledData(images: images, shape: [indices.count] + shape.dropFirst(), labels: indices.map { labels[$0] })
    }
}
