import Foundation

/// An `.npz` file: a ZIP archive of `.npy` files, whose arrays are decoded on request.
struct NPZFile {
    let origin: Origin
    let bytes: Data
    /// Members by array name: the member's name without `.npy`, as `numpy.load` names them.
    let members: [String: ZipMember]

    init(bytes: Data, origin: Origin) throws {
        self.origin = origin
        self.bytes = bytes
        let directory = try origin.decoding { try bytes.withUnsafeBytes { try ZipDirectory($0) } }
        // Members that are not .npy files (directories, notes) are not arrays; later duplicates win, as in Python.
        let arrays = directory.members.filter { $0.name.hasSuffix(".npy") }
        members = Dictionary(arrays.map { (String($0.name.dropLast(4)), $0) }, uniquingKeysWith: { _, last in last })
    }

    /// The array names, sorted.
    var names: [String] { members.keys.sorted() }

    func array(named name: String) throws -> NumPyArray {
        guard let member = members[name] else {
            let available = names.isEmpty ? "the archive holds no .npy files"
                : "arrays: " + names.joined(separator: ", ")
            throw origin.error("no array named '\(name)' (\(available))")
        }
        let arrayOrigin = Origin(file: origin.file, array: name)
        return try arrayOrigin.decoding {
            try bytes.withUnsafeBytes { archive in
                try member.withContents(in: archive) { try NPYDecoding.array(from: $0) }
            }
        }
    }
}
