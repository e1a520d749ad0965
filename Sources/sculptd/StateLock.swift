import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive lock on a state directory, held for the daemon's lifetime: two daemons writing
/// one store would measure at the same time and spoil each other's numbers.
///
/// `flock` on `sculptd.lock`: the kernel releases it when the process dies, even by `kill -9`,
/// so a crash never leaves a stale lock behind. The file holds the owner's pid for the message.
final class StateLock {
    private let descriptor: Int32

    init(directory: String) throws {
        let path = directory + "/sculptd.lock"
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw ConfigError("cannot open \(path): \(String(cString: strerror(errno)))") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let owner = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            close(descriptor)
            throw ConfigError("another sculptd\(owner.isEmpty ? "" : " (pid \(owner))") is already using the state directory \(directory); stop it or choose another --state-dir")
        }
        let pid = "\(getpid())\n"
        ftruncate(descriptor, 0)
        _ = pid.withCString { write(descriptor, $0, strlen($0)) }
    }

    deinit { close(descriptor) }
}
