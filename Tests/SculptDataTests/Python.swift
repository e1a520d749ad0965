import Foundation

/// A Python script that failed, with what it printed to stderr.
struct PythonFailure: Error, CustomStringConvertible, Sendable {
    var description: String
}

/// Runs `python3 -c script` in `directory` and returns its standard output.
///
/// The scripts use NumPy, which the test set-up installs; a failed assertion in a script fails the test.
@discardableResult
func runPython(_ script: String, in directory: URL) throws -> String {
    let stdout = directory.appendingPathComponent("python-\(UUID().uuidString).out")
    let stderr = directory.appendingPathComponent("python-\(UUID().uuidString).err")
    try Data().write(to: stdout)
    try Data().write(to: stderr)
    defer {
        try? FileManager.default.removeItem(at: stdout)
        try? FileManager.default.removeItem(at: stderr)
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", "import numpy as np\n" + script]
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

/// Runs `body` with a fresh temporary directory, removed afterwards.
func withTemporaryDirectory<T>(_ body: (TemporaryDirectory) throws -> T) throws -> T {
    let directory = TemporaryDirectory(url: FileManager.default.temporaryDirectory
        .appendingPathComponent("SculptDataTests-\(UUID().uuidString)", isDirectory: true))
    try FileManager.default.createDirectory(at: directory.url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory.url) }
    return try body(directory)
}

/// A directory for a test's files.
struct TemporaryDirectory {
    let url: URL

    func file(_ name: String) -> URL {
        url.appendingPathComponent(name)
    }

    /// Writes `bytes` to a file named `name` and returns its URL.
    func write(_ bytes: some Sequence<UInt8>, to name: String) throws -> URL {
        let file = file(name)
        try Data(bytes).write(to: file)
        return file
    }
}
