import Foundation
import ZIPFoundation

extension ZipMember {
    /// Calls `body` with the member's uncompressed bytes, after checking them against the stored CRC-32.
    ///
    /// A stored member is passed straight from `archive` without a copy.
    func withContents<T>(in archive: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        guard flags & 1 == 0 else { throw FormatError("the ZIP member is encrypted, which is not supported") }
        let view = ByteView(bytes: archive)
        guard view.uint32(at: localHeaderOffset) == 0x0403_4b50,
              let nameLength = view.uint16(at: localHeaderOffset + 26),
              let extraLength = view.uint16(at: localHeaderOffset + 28)
        else {
            throw FormatError("corrupt ZIP archive: no local header at offset \(localHeaderOffset)")
        }
        // The local header's name and extra field can differ in length from the central directory's.
        let dataOffset = localHeaderOffset + 30 + Int(nameLength) + Int(extraLength)
        guard let stored = view.slice(from: dataOffset, length: compressedSize) else {
            throw FormatError("truncated: the ZIP member runs past the end of the archive")
        }
        switch compressionMethod {
        case 0:
            guard compressedSize == uncompressedSize else {
                throw FormatError("corrupt ZIP archive: an uncompressed member with two different sizes")
            }
            try verifyChecksum(of: stored)
            return try body(stored)
        case 8:
            let inflated = try inflate(stored)
            return try inflated.withUnsafeBytes { bytes in
                try verifyChecksum(of: bytes)
                return try body(bytes)
            }
        default:
            throw FormatError("the ZIP member uses compression method \(compressionMethod); "
                + "only stored and deflate are supported")
        }
    }

    private func verifyChecksum(of bytes: UnsafeRawBufferPointer) throws(FormatError) {
        let checksum = bytes.baseAddress.map {
            Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: $0), count: bytes.count, deallocator: .none)
                .crc32(checksum: 0)
        } ?? 0
        guard checksum == crc32 else { throw FormatError("corrupt ZIP archive: the member fails its CRC-32 check") }
    }

    /// Inflates a raw deflate stream with ZIPFoundation, feeding it so that corrupt input cannot hang it.
    ///
    /// ZIPFoundation 0.9.20 on Linux inflates until the stream ends, asking for input forever when the
    /// data runs out first; it also tells zlib every chunk is full-sized. So every chunk handed over
    /// here is full-sized (zero-padded at the end), and asking past the end throws.
    private func inflate(_ compressed: UnsafeRawBufferPointer) throws -> Data {
        // Deflate cannot expand data more than 1032-fold; a larger claim is corrupt, not worth allocating.
        guard compressedSize > 0, uncompressedSize / 1032 <= compressedSize else {
            throw FormatError("corrupt ZIP archive: the member claims \(uncompressedSize) bytes "
                + "from \(compressedSize) compressed bytes")
        }
        let chunkSize = 1 << 16
        // Reserve for a typical ratio only: a corrupt size must not turn into a huge allocation.
        var output = Data(capacity: min(uncompressedSize, 16 * compressedSize))
        let tooLong = FormatError("corrupt ZIP archive: the member inflates to more than \(uncompressedSize) bytes")
        let cutOff = FormatError("corrupt ZIP archive: the member's deflate data ends early")
        do {
            _ = try Data.decompress(size: Int64(compressed.count), bufferSize: chunkSize, skipCRC32: true,
                                    provider: { position, length in
                guard let start = Int(exactly: position), start < compressed.count, let base = compressed.baseAddress
                else { throw cutOff }
                var chunk = Data(bytes: base + start, count: min(length, compressed.count - start))
                chunk.count = length
                return chunk
            }, consumer: { piece in
                guard piece.count <= uncompressedSize - output.count else { throw tooLong }
                output.append(piece)
            })
        } catch let error as FormatError {
            throw error
        } catch {
            throw FormatError("corrupt ZIP archive: the member holds invalid deflate data")
        }
        guard output.count == uncompressedSize else { throw cutOff }
        return output
    }
}
