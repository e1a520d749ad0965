import Foundation

/// The result of running a command: its exit status and what it printed.
public struct CommandResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// Runs the `sculpt` executable built beside the tests, with `arguments`, from the repository root.
public func runSculpt(_ arguments: [String]) throws -> CommandResult {
    let binary = try sculptExecutable()
    return try withTemporaryDirectory { directory in
        let out = directory.file("stdout"), err = directory.file("stderr")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = Repository.root
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        process.waitUntilExit()
        return CommandResult(status: process.terminationStatus, stdout: try String(contentsOf: out, encoding: .utf8),
                             stderr: try String(contentsOf: err, encoding: .utf8))
    }
}

/// The `sculpt` executable built with the tests: the test bundle sits in the build products
/// directory, next to the executables.
public func sculptExecutable() throws -> URL {
    let products = Bundle.main.bundleURL.deletingLastPathComponent()
    let candidates = [Bundle.main.bundleURL.appendingPathComponent("sculpt"), products.appendingPathComponent("sculpt")]
    guard let binary = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
        throw PythonFailure(description: "the sculpt executable is not built next to the tests (looked in \(candidates.map(\.path)))")
    }
    return binary
}
