import Foundation
import SculptData
import SculptTestSupport
import Testing

/// Bad `.npz` input: corrupt ZIP structure and corrupt members throw a one-line `DataError`.
@Suite(.timeLimit(.minutes(1)))
struct NPZErrorTests {
    /// Applies `corrupt` to the bytes of a NumPy-written archive, reads the result, and returns the error's message.
    private func message(corrupting fixture: String, _ corrupt: (inout [UInt8]) throws -> Void) throws -> String {
        var bytes = try [UInt8](Data(contentsOf: NumPyFixtures.url(fixture)))
        try corrupt(&bytes)
        return try withTemporaryDirectory { directory in
            let url = try directory.write(bytes, to: "bad.npz")
            let error = try #require(throws: DataError.self) { try NumPy.readArchive(contentsOf: url) }
            #expect(error.file == url.path)
            #expect(!error.description.contains("\n"))
            return error.message
        }
    }

    /// Where the data of the first member starts, from its local header.
    private func firstMemberData(_ bytes: [UInt8]) -> Int {
        30 + Int(bytes[26]) + Int(bytes[27]) << 8 + Int(bytes[28]) + Int(bytes[29]) << 8
    }

    private func setUInt32(_ value: UInt32, at offset: Int, in bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.replaceSubrange(offset..<offset + 4, with: $0) }
    }

    private let centralDirectoryEntry: [UInt8] = [0x50, 0x4b, 0x01, 0x02]

    @Test func notAZipArchive() throws {
        #expect(try message(corrupting: "plain.npz") { $0 = Array("just some text, no archive".utf8) }
            == "not an .npz file (it is not a ZIP archive)")
    }

    @Test func truncatedArchive() throws {
        #expect(try message(corrupting: "plain.npz") { $0.removeLast($0.count / 2) }
            == "truncated ZIP archive: the end of central directory record is missing")
    }

    @Test func checksumMismatch() throws {
        #expect(try message(corrupting: "plain.npz") { $0[firstMemberData($0) + 200] ^= 0x40 }
            == "array 'x': corrupt ZIP archive: the member fails its CRC-32 check")
    }

    @Test func localHeaderOffsetOutsideTheFile() throws {
        let message = try message(corrupting: "plain.npz") { bytes in
            let entry = try #require(bytes.offset(of: centralDirectoryEntry))
            setUInt32(10_000_000, at: entry + 42, in: &bytes)
        }
        #expect(message == "array 'x': corrupt ZIP archive: no local header at offset 10000000")
    }

    @Test func memberSizeLargerThanTheFile() throws {
        let message = try message(corrupting: "plain.npz") { bytes in
            let entry = try #require(bytes.offset(of: centralDirectoryEntry))
            setUInt32(0x7fff_ffff, at: entry + 20, in: &bytes)
            setUInt32(0x7fff_ffff, at: entry + 24, in: &bytes)
        }
        #expect(message == "array 'x': truncated: the ZIP member runs past the end of the archive")
    }

    @Test func centralDirectoryOutsideTheFile() throws {
        let message = try message(corrupting: "plain.npz") { bytes in
            setUInt32(0x7fff_0000, at: bytes.count - 22 + 16, in: &bytes)
        }
        #expect(message == "corrupt ZIP archive: the central directory lies outside the file")
    }

    @Test func entryCountTooLarge() throws {
        let message = try message(corrupting: "plain.npz") { bytes in
            bytes[bytes.count - 22 + 10] = 0xff
            bytes[bytes.count - 22 + 11] = 0xff
        }
        #expect(message == "corrupt ZIP archive: 65535 entries cannot fit in the central directory")
    }

    @Test func unsupportedCompressionMethod() throws {
        let message = try message(corrupting: "plain.npz") { bytes in
            let entry = try #require(bytes.offset(of: centralDirectoryEntry))
            bytes[entry + 10] = 12  // bzip2
        }
        #expect(message == "array 'x': the ZIP member uses compression method 12; only stored and deflate are supported")
    }

    /// A deflate stream that wants more input than the member holds: ZIPFoundation 0.9.20 alone would hang here.
    @Test func deflateStreamRunningPastTheMember() throws {
        let message = try message(corrupting: "compressed.npz") { bytes in
            let start = firstMemberData(bytes)
            // A stored block of 65535 bytes, far more than the member has, and a size that allows it.
            bytes.replaceSubrange(start..<start + 5, with: [0x00, 0xff, 0xff, 0x00, 0x00])
            let entry = try #require(bytes.offset(of: centralDirectoryEntry))
            setUInt32(300_000, at: entry + 24, in: &bytes)
        }
        #expect(message == "array 'x': corrupt ZIP archive: the member's deflate data ends early")
    }

    @Test func deflateOutputLongerThanDeclared() throws {
        let message = try message(corrupting: "compressed.npz") { bytes in
            let start = firstMemberData(bytes)
            // A final stored block of 32767 bytes, where the member's size says 512.
            bytes.replaceSubrange(start..<start + 5, with: [0x01, 0xff, 0x7f, 0x00, 0x80])
        }
        #expect(message == "array 'x': corrupt ZIP archive: the member inflates to more than 512 bytes")
    }

    @Test func deflateStreamCutShort() throws {
        let message = try message(corrupting: "compressed.npz") { bytes in
            let entry = try #require(bytes.offset(of: centralDirectoryEntry))
            bytes[entry + 20] = 40  // compressed size: 40 bytes
            bytes[entry + 21] = 0
        }
        #expect(message == "array 'x': corrupt ZIP archive: the member holds invalid deflate data")
    }

    @Test func invalidDeflateData() throws {
        let message = try message(corrupting: "compressed.npz") { bytes in
            let start = firstMemberData(bytes)
            bytes[start] = 0x07  // final block of the reserved type 3
        }
        #expect(message == "array 'x': corrupt ZIP archive: the member holds invalid deflate data")
    }

    @Test func malformedMemberInAValidArchive() throws {
        try withTemporaryDirectory { directory in
            try runPython("""
                import zipfile
                with zipfile.ZipFile('bad.npz', 'w') as z:
                    z.writestr('x.npy', b'\\x93NUMPY\\x01')
                    z.writestr('notes.txt', b'not an array')
                """, in: directory.url)
            let url = directory.file("bad.npz")
            #expect(throws: DataError(file: url.path, message: "array 'x': truncated: the data ends inside the .npy preamble")) {
                try NumPy.readArchive(contentsOf: url)
            }
        }
    }
}
