/// One file in a ZIP archive, as the archive's central directory describes it.
struct ZipMember {
    var name: String
    var compressionMethod: UInt16
    var flags: UInt16
    var crc32: UInt32
    var compressedSize: Int
    var uncompressedSize: Int
    var localHeaderOffset: Int
}

/// The table of contents of a ZIP archive, read from its central directory.
///
/// Parsed here rather than by ZIPFoundation's `Archive`, whose 0.9.20 reader ends its entry list
/// silently at the first unreadable header, accepts a member whose size runs past the end of the
/// file, loops forever on a deflate stream that runs out of input, and traps on out-of-range offsets
/// in in-memory archives. Here every offset and size is checked against the bytes.
struct ZipDirectory {
    var members: [ZipMember]

    init(_ bytes: UnsafeRawBufferPointer) throws(FormatError) {
        let view = ByteView(bytes: bytes)
        let end = try Self.endOfCentralDirectory(in: view)
        guard let directory = view.slice(from: end.offset, length: end.size) else {
            throw FormatError("corrupt ZIP archive: the central directory lies outside the file")
        }
        // Each entry takes at least 46 bytes, which bounds a corrupt count before anything is allocated.
        guard end.entries <= directory.count / 46 else {
            throw FormatError("corrupt ZIP archive: \(end.entries) entries cannot fit in the central directory")
        }
        members = []
        members.reserveCapacity(end.entries)
        let entries = ByteView(bytes: directory)
        var position = 0
        for _ in 0..<end.entries {
            let (member, next) = try Self.member(at: position, in: entries)
            members.append(member)
            position = next
        }
    }

    /// Where the central directory is and how many entries it has, from the end records.
    private static func endOfCentralDirectory(in view: ByteView) throws(FormatError)
        -> (offset: Int, size: Int, entries: Int)
    {
        // The record is 22 bytes plus a comment of up to 65535 bytes, at the very end of the file.
        let last = view.count - 22
        let first = max(0, last - 65535)
        let candidates = stride(from: last, through: first, by: -1)
        guard last >= 0, let record = candidates.first(where: { view.uint32(at: $0) == 0x0605_4b50 }) else {
            // Local file headers come first, so a truncated archive still starts with one.
            throw view.uint32(at: 0) == 0x0403_4b50
                ? FormatError("truncated ZIP archive: the end of central directory record is missing")
                : FormatError("not an .npz file (it is not a ZIP archive)")
        }
        guard view.uint16(at: record + 4) == 0, view.uint16(at: record + 6) == 0 else {
            throw FormatError("ZIP archives split across several disks are not supported")
        }
        // A ZIP64 locator just before the record points to 64-bit counts and offsets.
        if record >= 20, view.uint32(at: record - 20) == 0x0706_4b50 {
            guard let zip64 = view.uint64(at: record - 12).flatMap(Int.init(exactly:)),
                  view.uint32(at: zip64) == 0x0606_4b50,
                  let entries = view.uint64(at: zip64 + 32).flatMap(Int.init(exactly:)),
                  let size = view.uint64(at: zip64 + 40).flatMap(Int.init(exactly:)),
                  let offset = view.uint64(at: zip64 + 48).flatMap(Int.init(exactly:))
            else {
                throw FormatError("corrupt ZIP archive: unreadable ZIP64 end of central directory record")
            }
            return (offset, size, entries)
        }
        guard let entries = view.uint16(at: record + 10), let size = view.uint32(at: record + 12),
              let offset = view.uint32(at: record + 16)
        else {
            throw FormatError("corrupt ZIP archive: unreadable end of central directory record")
        }
        return (Int(offset), Int(size), Int(entries))
    }

    /// Reads the central directory entry at `position`; returns it and where the next one starts.
    private static func member(at position: Int, in view: ByteView) throws(FormatError) -> (ZipMember, Int) {
        guard view.uint32(at: position) == 0x0201_4b50,
              let flags = view.uint16(at: position + 8),
              let method = view.uint16(at: position + 10),
              let crc32 = view.uint32(at: position + 16),
              let compressed32 = view.uint32(at: position + 20),
              let uncompressed32 = view.uint32(at: position + 24),
              let nameLength = view.uint16(at: position + 28).map(Int.init),
              let extraLength = view.uint16(at: position + 30).map(Int.init),
              let commentLength = view.uint16(at: position + 32).map(Int.init),
              let offset32 = view.uint32(at: position + 42),
              let nameBytes = view.slice(from: position + 46, length: nameLength),
              let extra = view.slice(from: position + 46 + nameLength, length: extraLength),
              view.slice(from: position + 46 + nameLength + extraLength, length: commentLength) != nil
        else {
            throw FormatError("corrupt ZIP archive: bad central directory entry at offset \(position)")
        }
        let name = String(decoding: nameBytes, as: UTF8.self)
        // Sizes and offset that do not fit in 32 bits are 0xFFFFFFFF here, the real values in a ZIP64 field.
        var wide = ZIP64Fields(extra: ByteView(bytes: extra))
        guard let uncompressed = wide.value(replacing: uncompressed32),
              let compressed = wide.value(replacing: compressed32),
              let offset = wide.value(replacing: offset32)
        else {
            throw FormatError("corrupt ZIP archive: member '\(name)' has a bad ZIP64 extra field")
        }
        let member = ZipMember(name: name, compressionMethod: method, flags: flags, crc32: crc32,
                               compressedSize: compressed, uncompressedSize: uncompressed, localHeaderOffset: offset)
        return (member, position + 46 + nameLength + extraLength + commentLength)
    }
}

/// The 64-bit values of a ZIP64 extra field, consumed in the order the format lists them.
private struct ZIP64Fields {
    var values: ByteView?
    var next = 0

    init(extra: ByteView) {
        var position = 0
        while let id = extra.uint16(at: position), let length = extra.uint16(at: position + 2).map(Int.init) {
            if id == 0x0001, let field = extra.slice(from: position + 4, length: length) {
                values = ByteView(bytes: field)
                return
            }
            position += 4 + length
        }
    }

    /// `narrow` itself, or the next 64-bit value when `narrow` is the 0xFFFFFFFF placeholder.
    mutating func value(replacing narrow: UInt32) -> Int? {
        guard narrow == .max else { return Int(narrow) }
        defer { next += 8 }
        return values?.uint64(at: next).flatMap(Int.init(exactly:))
    }
}
