import Foundation
import SculptTestSupport
import Testing

/// systemd/sculptd.service is valid and hardened, as systemd itself judges it.
@Suite struct SystemdUnitTests {
    /// The unit with ExecStart pointing at the built binary (verify checks that it exists).
    func unitCopy(in directory: TemporaryDirectory) throws -> URL {
        let unit = try String(contentsOf: Repository.path("systemd/sculptd.service"), encoding: .utf8)
        #expect(unit.contains("ExecStart=/usr/local/bin/sculptd "))
        let text = unit.replacingOccurrences(of: "/usr/local/bin/sculptd", with: try DaemonProcess.binary.path)
        return try directory.write(Array(text.utf8), to: "sculptd.service")
    }

    func systemdAnalyze(_ arguments: [String], in directory: URL) throws -> (status: Int32, stdout: String, stderr: String) {
        let out = directory.appendingPathComponent("analyze.out"), err = directory.appendingPathComponent("analyze.err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["systemd-analyze"] + arguments
        process.currentDirectoryURL = directory
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus, try String(contentsOf: out, encoding: .utf8), try String(contentsOf: err, encoding: .utf8))
    }

    @Test func verifyReportsNothing() throws {
        try withTemporaryDirectory { directory in
            let unit = try unitCopy(in: directory)
            let result = try systemdAnalyze(["verify", unit.path], in: directory.url)
            #expect(result.status == 0)
            #expect(result.stderr.isEmpty, "\(result.stderr)")
        }
    }

    /// Exposure at most 2.0 (systemd 252 takes the threshold in tenths: 20).
    @Test func securityExposureIsAtMostTwo() throws {
        try withTemporaryDirectory { directory in
            let unit = try unitCopy(in: directory)
            let result = try systemdAnalyze(["security", "--offline=true", "--threshold=20", unit.path], in: directory.url)
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            let level = result.stdout.split(separator: "\n").first { $0.contains("Overall exposure level") }
            let value = level.flatMap { line in line.split(separator: " ").compactMap { Double($0) }.first }
            #expect(value != nil && value! <= 2.0, "\(level ?? "no exposure line")")
        }
    }

    /// Pinning threads is allowed by the syscall filter (a measurement needs it).
    @Test func theSyscallFilterAllowsPinning() throws {
        let unit = try String(contentsOf: Repository.path("systemd/sculptd.service"), encoding: .utf8)
        let filters = unit.split(separator: "\n").filter { $0.hasPrefix("SystemCallFilter=") }
        #expect(filters.last?.contains("sched_setaffinity") == true)
        for required in ["Type=notify", "WatchdogSec=", "DynamicUser=yes", "StateDirectory=sculptd", "ProtectSystem=strict"] {
            #expect(unit.contains(required), "\(required)")
        }
    }
}
