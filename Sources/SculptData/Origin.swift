import Foundation

/// A problem found in bytes before it is known which file they came from.
///
/// Low-level parsers throw this; `Origin.decoding` turns it into a `DataError`.
struct FormatError: Error {
    var message: String

    init(_ message: String) {
        self.message = message
    }
}

/// Where bytes being decoded came from: a file, and the array inside it for archives.
struct Origin {
    var file: String
    var array: String?

    init(file: String, array: String? = nil) {
        self.file = file
        self.array = array
    }

    /// Names a file the way the caller wrote it: relative paths stay relative.
    init(_ url: URL, array: String? = nil) {
        self.init(file: url.isFileURL ? url.relativePath : url.absoluteString, array: array)
    }

    func error(_ message: String) -> DataError {
        DataError(file: file, message: array.map { "array '\($0)': \(message)" } ?? message)
    }

    /// Runs `body`, attributing any `FormatError` it throws to this origin.
    func decoding<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as FormatError {
            throw self.error(error.message)
        }
    }
}
