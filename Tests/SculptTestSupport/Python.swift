import Foundation

/// A Python process that failed, with what it printed to stderr.
public struct PythonFailure: Error, CustomStringConvertible, Sendable {
    public var description: String

    public init(description: String) { self.description = description }
}

/// Runs `python3` with `arguments` in `directory` and returns its standard output.
///
/// Tests use Python for references (NumPy, ONNX Runtime), which the test set-up installs.
@discardableResult
public func runPython(_ arguments: [String], in directory: URL) throws -> String {
    let stdout = directory.appendingPathComponent("python-\(UUID().uuidString).out")
    let stderr = directory.appendingPathComponent("python-\(UUID().uuidString).err")
    _ = FileManager.default.createFile(atPath: stdout.path, contents: nil)
    _ = FileManager.default.createFile(atPath: stderr.path, contents: nil)
    defer {
        try? FileManager.default.removeItem(at: stdout)
        try? FileManager.default.removeItem(at: stderr)
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3"] + arguments
    process.currentDirectoryURL = directory
    // Files rather than pipes: a pipe that fills up while we wait would deadlock.
    process.standardOutput = try FileHandle(forWritingTo: stdout)
    process.standardError = try FileHandle(forWritingTo: stderr)
    try process.run()
    process.waitUntilExit()
    let output = try String(contentsOf: stdout, encoding: .utf8)
    guard process.terminationStatus == 0 else {
        let errors = (try? String(contentsOf: stderr, encoding: .utf8)) ?? ""
        throw PythonFailure(description: "python3 exited with \(process.terminationStatus):\n\(errors)")
    }
    return output
}

/// Runs `python3 -c script` (with NumPy imported as np) in `directory`.
@discardableResult
public func runPython(_ script: String, in directory: URL) throws -> String {
    try runPython(["-c", "import numpy as np\n" + script], in: directory)
}

/// Runs `body` with a fresh temporary directory, removed afterwards.
public func withTemporaryDirectory<T>(_ body: (TemporaryDirectory) throws -> T) throws -> T {
    let directory = try TemporaryDirectory.create()
    defer { directory.remove() }
    return try body(directory)
}

/// Runs `body` with a fresh temporary directory, removed afterwards (for tests that await).
public func withTemporaryDirectory<T>(_ body: (TemporaryDirectory) async throws -> T) async throws -> T {
    let directory = try TemporaryDirectory.create()
    defer { directory.remove() }
    return try await body(directory)
}

/// A directory for a test's files.
public struct TemporaryDirectory: Sendable {
    public let url: URL

    /// A new, empty directory under the system's temporary directory.
    static func create() throws -> TemporaryDirectory {
        let directory = TemporaryDirectory(url: FileManager.default.temporaryDirectory
            .appendingPathComponent("sculpt-tests-\(UUID().uuidString)", isDirectory: true))
        try FileManager.default.createDirectory(at: directory.url, withIntermediateDirectories: true)
        return directory
    }

    func remove() { try? FileManager.default.removeItem(at: url) }

    public func file(_ name: String) -> URL {
        url.appendingPathComponent(name)
    }

    /// Writes `bytes` to a file named `name` and returns its URL.
    @discardableResult
    public func write(_ bytes: some Sequence<UInt8>, to name: String) throws -> URL {
        let file = file(name)
        try Data(bytes).write(to: file)
        return file
    }
}
