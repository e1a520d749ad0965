
/// A problem with a data file, described in one line that names the file and what is wrong.
///
/// The description reads like a compiler diagnostic, for example
/// `calib.npz: array 'y' has 100 entries but 'x' has 128 images`.
public struct DataError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file as the caller named it.
    public var file: String
    /// What is wrong with it, including the array's name where one is involved.
    public var message: String

    public init(file: String, message: String) {
        self.file = file
        self.message = message
    }

    public var description: String { "\(file): \(message)" }
}
