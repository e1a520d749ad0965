import Foundation
import ZIPFoundation

extension NumPy {
    /// Writes arrays to an `.npz` file that `numpy.load` reads, replacing any file at `url`.
    ///
    /// Each array becomes a member named `name.npy`, in the order given.
    /// - Parameter compressed: deflate the members, as `numpy.savez_compressed` does.
    public static func writeArchive(_ arrays: [(name: String, array: NumPyArray)], to url: URL,
                                    compressed: Bool = false) throws {
        let origin = Origin(url)
        var names = Set<String>()
        for (name, _) in arrays where name.isEmpty || !names.insert(name).inserted {
            throw origin.error(name.isEmpty ? "an array needs a non-empty name" : "two arrays are named '\(name)'")
        }
        // Built beside the destination and renamed over it, so that no reader sees half an archive.
        let partial = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).partial")
        do {
            try writeMembers(arrays, to: partial, compressed: compressed)
            guard rename(partial.path, url.path) == 0 else {
                throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
            }
        } catch {
            try? FileManager.default.removeItem(at: partial)
            throw origin.error("cannot write the archive: \(FileIO.reason(for: error))")
        }
    }

    private static func writeMembers(_ arrays: [(name: String, array: NumPyArray)], to url: URL,
                                     compressed: Bool) throws {
        let archive = try Archive(url: url, accessMode: .create)
        for (name, array) in arrays {
            let data = encode(array)
            try archive.addEntry(with: name + ".npy", type: .file, uncompressedSize: Int64(data.count),
                                 compressionMethod: compressed ? .deflate : .none) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
    }
}
