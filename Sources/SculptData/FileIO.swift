import Foundation

/// Whole-file reads, and errors that say why a file could not be read or written.
enum FileIO {
    /// The file's bytes, memory-mapped: decoding then copies each array once, straight from the page cache.
    static func read(_ url: URL, origin: Origin) throws -> Data {
        // Foundation would fetch an http URL here, synchronously and without a timeout.
        guard url.isFileURL else { throw origin.error("cannot read the file: only local files are supported") }
        do {
            return try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw origin.error("cannot read the file: \(reason(for: error))")
        }
    }

    /// The operating system's reason for a failure, such as "No such file or directory".
    static func reason(for error: Error) -> String {
        // Foundation on Linux says only "The operation could not be completed"; the POSIX error says why.
        let underlying = (error as? CocoaError)?.underlying ?? error
        let posix = underlying as NSError
        guard posix.domain == NSPOSIXErrorDomain else { return "\(error)" }
        return String(cString: strerror(Int32(posix.code)))
    }
}
