import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// sd_notify over a real unix datagram socket, as systemd provides it: READY once listening,
/// watchdog pings at half of WATCHDOG_USEC, STOPPING on SIGTERM.
@Suite(.stateDirectories) struct NotifyTests {
    /// A bound datagram socket that collects what the daemon sends.
    final class NotifySocket {
        let fd: Int32
        let name: String

        /// `abstract`: a name in the abstract namespace ('@' in NOTIFY_SOCKET), else a path.
        init(abstract: Bool) throws {
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            let token = UUID().uuidString.prefix(8)
            name = abstract ? "@sculptd-test-\(token)" : FileManager.default.temporaryDirectory.path + "/sculptd-notify-\(token)"
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            var bytes = Array(name.utf8)
            if abstract { bytes[0] = 0 }
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
            let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (abstract ? 0 : 1))
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
            }
            guard fd >= 0, bound == 0 else { throw DaemonFailure("cannot bind \(name): \(String(cString: strerror(errno)))") }
            var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }

        /// Messages received until `seconds` pass or `done` says enough.
        func receive(seconds: Double, until done: ([String]) -> Bool) -> [String] {
            var messages = [String]()
            let deadline = Date().addingTimeInterval(seconds)
            var buffer = [UInt8](repeating: 0, count: 4096)
            while Date() < deadline && !done(messages) {
                let count = recv(fd, &buffer, buffer.count, 0)
                if count > 0 { messages.append(String(decoding: buffer[0..<count], as: UTF8.self)) }
            }
            return messages
        }

        deinit {
            close(fd)
            if !name.hasPrefix("@") { unlink(name) }
        }
    }

    @Test(arguments: [false, true])
    func readyWatchdogAndStopping(abstract: Bool) throws {
        let socket = try NotifySocket(abstract: abstract)
        let daemon = try DaemonProcess(stateDir: temporaryStateDir(),
                                       environment: ["NOTIFY_SOCKET": socket.name, "WATCHDOG_USEC": "200000"])
        let early = socket.receive(seconds: 5) { $0.filter { $0.contains("WATCHDOG=1") }.count >= 3 }
        let ready = try #require(early.first { $0.contains("READY=1") }, "\(early)")
        #expect(ready.contains("STATUS=serving on 127.0.0.1:\(daemon.port)"))
        // Pings every 0.1 s: three arrive well within the 5 s allowed.
        #expect(early.filter { $0 == "WATCHDOG=1" }.count >= 3, "\(early)")
        #expect(try daemon.stop() == 0)
        let late = socket.receive(seconds: 2) { $0.contains { $0.contains("STOPPING=1") } }
        #expect(late.contains { $0.contains("STOPPING=1") }, "\(late)")
    }

    @Test func noWatchdogPingsForAnotherProcess() throws {
        let socket = try NotifySocket(abstract: true)
        let daemon = try DaemonProcess(stateDir: temporaryStateDir(),
                                       environment: ["NOTIFY_SOCKET": socket.name, "WATCHDOG_USEC": "100000", "WATCHDOG_PID": "1"])
        defer { _ = try? daemon.stop() }
        let messages = socket.receive(seconds: 1) { _ in false }
        #expect(messages.contains { $0.contains("READY=1") })
        #expect(!messages.contains("WATCHDOG=1"))
    }
}
