import Foundation
import Testing
import SculptTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A real `sculptd` (the binary built beside the tests) on 127.0.0.1 and a free port, with its
/// state directory in a temporary folder and its stderr in a file.
final class DaemonProcess: @unchecked Sendable {
    let process: Process
    let stateDir: URL
    let logFile: URL
    private(set) var port = 0
    var url: URL { URL(string: "http://127.0.0.1:\(port)")! }

    /// The reduced measurement protocol of the tests (the config keys exist for this): quick,
    /// but every step of the protocol still runs.
    static let quickConfig = #"{"warmup_seconds": 0.005, "sample_seconds": 0.001, "samples": 5, "queue_capacity": 6}"#

    static var binary: URL {
        get throws {
            let products = Bundle.main.bundleURL.deletingLastPathComponent()
            let candidates = [Bundle.main.bundleURL.appendingPathComponent("sculptd"), products.appendingPathComponent("sculptd")]
            guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
                throw DaemonFailure("the sculptd executable is not built next to the tests (looked in \(candidates.map(\.path)))")
            }
            return found
        }
    }

    /// Starts a daemon on `stateDir` and waits until it listens (or throws with its log).
    init(stateDir: URL, config: String = DaemonProcess.quickConfig, arguments: [String] = [],
         environment: [String: String] = [:], waitUntilListening: Bool = true) throws {
        self.stateDir = stateDir
        try FileManager.default.createDirectory(at: stateDir, withIntermediateDirectories: true)
        let configFile = stateDir.appendingPathComponent("test-config.json")
        try Data(config.utf8).write(to: configFile)
        logFile = stateDir.appendingPathComponent("sculptd-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        process = Process()
        process.executableURL = try Self.binary
        process.arguments = ["--port", "0", "--state-dir", stateDir.path, "--config", configFile.path] + arguments
        var env = ProcessInfo.processInfo.environment
        for key in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "SCULPTD_CONFIG", "SCULPTD_HOST", "SCULPTD_PORT"] { env[key] = nil }
        env.merge(environment) { _, new in new }
        process.environment = env
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: logFile)
        try process.run()
        if waitUntilListening { try awaitListening() }
    }

    var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    private func awaitListening() throws {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let range = log.range(of: #"listening on 127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                port = Int(log[range].split(separator: ":").last!)!
                return
            }
            guard process.isRunning else { throw DaemonFailure("sculptd exited with \(process.terminationStatus):\n\(log)") }
            usleep(20_000)
        }
        throw DaemonFailure("sculptd did not start listening within 30 s:\n\(log)")
    }

    /// Waits for the process to end (at most `seconds`) and returns its exit status.
    @discardableResult
    func waitForExit(seconds: Double = 20) throws -> Int32 {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        guard !process.isRunning else { throw DaemonFailure("sculptd did not exit within \(seconds) s:\n\(log)") }
        return process.terminationStatus
    }

    /// SIGTERM, and the exit status.
    @discardableResult
    func stop() throws -> Int32 {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        return try waitForExit()
    }

    /// SIGKILL: no chance to clean up.
    func crash() throws {
        kill(process.processIdentifier, SIGKILL)
        try waitForExit()
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

struct DaemonFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A fresh state directory in the running test's folder (see `StateDirectories`), removed
/// with it when the test ends.
func temporaryStateDir() -> URL {
    guard let folder = StateDirectories.folder else {
        preconditionFailure("temporaryStateDir() needs the suite's .stateDirectories trait")
    }
    return folder.appendingPathComponent(UUID().uuidString, isDirectory: true)
}

/// Gives each test a temporary folder for its daemons' state directories and removes it when
/// the test ends, so test runs leave nothing behind in /tmp.
struct StateDirectories: SuiteTrait, TestTrait, TestScoping {
    @TaskLocal static var folder: URL?

    var isRecursive: Bool { true }

    func provideScope(for test: Test, testCase: Test.Case?,
                      performing function: @Sendable () async throws -> Void) async throws {
        guard testCase != nil else { return try await function() }  // the suite itself: nothing to set up
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sculptd-tests-\(UUID().uuidString)", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try await Self.$folder.withValue(folder) { try await function() }
    }
}

extension Trait where Self == StateDirectories {
    /// Temporary state directories for the daemons of each test, removed when it ends.
    static var stateDirectories: Self { Self() }
}
