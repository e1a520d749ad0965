import Foundation

/// Images and labels for evaluation: images are N×C×H×W `Float`s, labels N class indices.
public struct LabelledData: Sendable {
    /// The images in row-major order, `shape.reduce(1, *)` values.
    public var images: [Float]
    /// `[N, C, H, W]`.
    public var shape: [Int]
    /// One non-negative class index per image.
    public var labels: [Int64]

    /// Creates a data set; `shape` must be 4-D and match `images`, with one label per image.
    public init(images: [Float], shape: [Int], labels: [Int64]) {
        precondition(shape.count == 4 && elementCount(of: shape) == images.count,
                     "LabelledData: shape \(shape) does not hold \(images.count) values")
        precondition(labels.count == shape[0], "LabelledData: \(labels.count) labels for \(shape[0]) images")
        self.images = images
        self.shape = shape
        self.labels = labels
    }

    /// The number of images.
    public var count: Int { labels.count }

    /// Loads from an `.npz` file (arrays named `xName` and `yName`), or from an `.npy` file of images
    /// plus a labels `.npy` file at `labelsURL`.
    ///
    /// The file's contents decide its kind, not its extension. With an `.npz` file, `labelsURL`
    /// overrides `yName`. Images may have any numeric dtype; labels must be integers, or floats with
    /// integral values.
    public init(contentsOf url: URL, xName: String = "x", yName: String = "y", labelsURL: URL? = nil) throws {
        let origin = Origin(url)
        let bytes = try FileIO.read(url, origin: origin)
        let x: NamedArray
        var y: NamedArray?
        if bytes.starts(with: NPYHeader.magic) {
            x = NamedArray(array: try origin.decoding { try bytes.withUnsafeBytes { try NPYDecoding.array(from: $0) } },
                           file: origin.file, name: nil)
        } else {
            let archive = try NPZFile(bytes: bytes, origin: origin)
            x = NamedArray(array: try archive.array(named: xName), file: origin.file, name: xName)
            if labelsURL == nil {
                y = NamedArray(array: try archive.array(named: yName), file: origin.file, name: yName)
            }
        }
        if let labelsURL {
            y = NamedArray(array: try NumPy.readArray(contentsOf: labelsURL), file: Origin(labelsURL).file, name: nil)
        }
        guard let y else {
            throw origin.error("an .npy file holds only the images; pass the labels as a separate .npy file")
        }
        try self.init(x: x, y: y)
    }

    private init(x: NamedArray, y: NamedArray) throws {
        let shape = x.array.shape
        guard shape.count == 4 else {
            throw x.error("must be 4-D (N×C×H×W) but has shape \(pythonTuple(shape))")
        }
        guard shape[0] > 0 else { throw x.error("holds no images (shape \(pythonTuple(shape)))") }
        guard y.array.shape.count == 1 else {
            throw y.error("must be 1-D (one class index per image) but has shape \(pythonTuple(y.array.shape))")
        }
        guard let labels = y.array.integers() else {
            throw y.error("must hold integer class indices but has non-integral \(y.array.dtypeDescription) values")
        }
        guard labels.count == shape[0] else {
            let images = x.file == y.file ? x.subject : x.file
            throw y.error("has \(labels.count) entries but \(images) has \(shape[0]) images")
        }
        if let index = labels.firstIndex(where: { $0 < 0 }) {
            throw y.error("has a negative label (\(labels[index]) at index \(index))")
        }
        self.init(images: x.array.floats(), shape: shape, labels: labels)
    }
}

/// An array with the file and archive member it came from, for error messages.
private struct NamedArray {
    var array: NumPyArray
    var file: String
    var name: String?

    /// How a message refers to the array: `'x'` inside an archive, `the array` for an `.npy` file.
    var subject: String { name.map { "'\($0)'" } ?? "the array" }

    /// An error whose message starts with the array, e.g. `array 'y' has 100 entries …`.
    func error(_ predicate: String) -> DataError {
        DataError(file: file, message: (name == nil ? subject : "array \(subject)") + " " + predicate)
    }
}
