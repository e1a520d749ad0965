import Foundation
import SculptData
import SculptTestSupport
import Testing

/// Loading evaluation data from NumPy files, and the errors for data that does not fit.
@Suite struct LabelledDataTests {
    static let images = (0..<48).map { Float($0 - 20) }
    static let labels: [Int64] = [0, 2, 1, 2]

    @Test(arguments: ["calib.npz", "calib-compressed.npz"])
    func loadsArchive(_ file: String) throws {
        let data = try LabelledData(contentsOf: NumPyFixtures.url(file))
        #expect(data.shape == [4, 3, 2, 2])
        #expect(data.count == 4)
        #expect(data.images == Self.images)
        #expect(data.labels == Self.labels)
    }

    @Test func loadsCustomNamesAndConvertsInt32Labels() throws {
        let data = try LabelledData(contentsOf: NumPyFixtures.url("calib-names.npz"), xName: "inputs", yName: "targets")
        #expect(data.images == Self.images)
        #expect(data.labels == Self.labels)
    }

    @Test func convertsUInt8Images() throws {
        let data = try LabelledData(contentsOf: NumPyFixtures.url("calib-uint8.npz"))
        #expect(data.images == (0..<48).map(Float.init))
    }

    @Test func acceptsIntegralFloatLabels() throws {
        #expect(try LabelledData(contentsOf: NumPyFixtures.url("calib-float-labels.npz")).labels == Self.labels)
    }

    @Test func loadsImagesAndLabelsFromSeparateFiles() throws {
        let data = try LabelledData(contentsOf: NumPyFixtures.url("images.npy"), labelsURL: NumPyFixtures.url("labels.npy"))
        #expect(data.shape == [4, 3, 2, 2])
        #expect(data.images == Self.images)
        #expect(data.labels == Self.labels)
    }

    @Test func labelsFileOverridesArchiveLabels() throws {
        let data = try LabelledData(contentsOf: NumPyFixtures.url("no-y.npz"), labelsURL: NumPyFixtures.url("labels.npy"))
        #expect(data.labels == Self.labels)
        #expect(data.images == Self.images)
    }

    @Test(arguments: [
        ("calib-short-y.npz", "array 'y' has 3 entries but 'x' has 4 images"),
        ("calib-names.npz", "no array named 'x' (arrays: inputs, targets)"),
        ("no-y.npz", "no array named 'y' (arrays: labels, x)"),
        ("calib-negative.npz", "array 'y' has a negative label (-1 at index 2)"),
        ("calib-2d-x.npz", "array 'x' must be 4-D (N×C×H×W) but has shape (4, 12)"),
        ("calib-2d-y.npz", "array 'y' must be 1-D (one class index per image) but has shape (2, 2)"),
        ("calib-fractional-labels.npz", "array 'y' must hold integer class indices but has non-integral float64 values"),
        ("calib-empty.npz", "array 'x' holds no images (shape (0, 3, 2, 2))"),
        ("images.npy", "an .npy file holds only the images; pass the labels as a separate .npy file"),
        ("object.npy", "unsupported dtype '|O' (Python objects); supported are bool, int8-64, uint8-64 and float16-64"),
    ])
    func rejectsUnfitData(file: String, message: String) throws {
        let url = try NumPyFixtures.url(file)
        #expect(throws: DataError(file: url.path, message: message)) { try LabelledData(contentsOf: url) }
    }

    @Test func namesBothFilesWhenCountsDiffer() throws {
        let images = try NumPyFixtures.url("images.npy")
        let labels = try NumPyFixtures.url("labels-short.npy")
        #expect(throws: DataError(file: labels.path, message: "the array has 3 entries but \(images.path) has 4 images")) {
            try LabelledData(contentsOf: images, labelsURL: labels)
        }
    }

    @Test func reportsTheExampleMessagesOfTheDesign() throws {
        // The wording DESIGN.md's users see: the file as given, then the problem.
        try withTemporaryDirectory { directory in
            let url = directory.file("calib.npz")
            let x = NumPyArray(shape: [128, 1, 1, 1], elements: .float32(Array(repeating: 0, count: 128)))
            let y = NumPyArray(shape: [100], elements: .int64(Array(repeating: 1, count: 100)))
            try NumPy.writeArchive([("x", x), ("y", y)], to: url)
            let error = try #require(throws: DataError.self) { try LabelledData(contentsOf: url) }
            #expect(error.description == "\(url.path): array 'y' has 100 entries but 'x' has 128 images")
            try NumPy.writeArchive([("a", x), ("b", y)], to: url)
            let missing = try #require(throws: DataError.self) { try LabelledData(contentsOf: url) }
            #expect(missing.description == "\(url.path): no array named 'x' (arrays: a, b)")
        }
    }
}
