import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Gives back the pages of the daemon's own code that starting it mapped, once it serves.
///
/// Linux maps a file's pages 64 kB around each page a process touches (fault-around), so
/// parsing flags, opening the store and starting the server leave most of the executable's
/// code segment resident (with the static Swift runtime, that segment holds the runtime and
/// Foundation too), although an idle daemon then runs a small part of it.
/// `MADV_COLD` puts those pages at the tail of the kernel's reclaim list and `MADV_DONTNEED`
/// unmaps them: they stay in the page cache until memory is needed, and the code that runs
/// again faults its pages back in. Only the executable's segments: a shared library's pages
/// are shared with other processes. docs/benchmarks-daemon.md has the numbers.
enum StartupCode {
    static func release() {
        #if os(Linux)
        guard let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"),
              let maps = try? String(contentsOfFile: "/proc/self/maps", encoding: .utf8) else { return }
        // "start-end perms offset device inode path", one line per mapping. Code only: the other
        // segments hold data the loader relocated, which MADV_DONTNEED would throw away.
        for line in maps.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 6, fields[1] == "r-xp", fields[5...].joined(separator: " ") == executable else { continue }
            let bounds = fields[0].split(separator: "-").compactMap { UInt($0, radix: 16) }
            guard bounds.count == 2, let address = UnsafeMutableRawPointer(bitPattern: bounds[0]) else { continue }
            madvise(address, Int(bounds[1] - bounds[0]), MADV_COLD)
            madvise(address, Int(bounds[1] - bounds[0]), MADV_DONTNEED)
        }
        #endif
    }
}
