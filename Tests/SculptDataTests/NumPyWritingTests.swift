import Foundation
import SculptData
import SculptTestSupport
import Testing

/// Files written here read back by NumPy, and by this module, with the same values.
@Suite struct NumPyWritingTests {
    static let extraArrays: [(name: String, array: NumPyArray)] = [
        ("scalar", NumPyArray(shape: [], elements: .float64([2.5]))),
        ("empty", NumPyArray(shape: [2, 0, 3], elements: .int32([]))),
        ("wide", NumPyArray(shape: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3], elements: .uint8([1, 2, 3]))),
    ]

    @Test func numpyReadsEncodedArrays() throws {
        try withTemporaryDirectory { directory in
            var script = ""
            for dtype in dtypeCases {
                try NumPy.encode(dtype.array).write(to: directory.file("\(dtype.name).npy"))
                script += dtype.pythonCheck("\(dtype.name).npy")
            }
            for (name, array) in Self.extraArrays {
                try NumPy.encode(array).write(to: directory.file("\(name).npy"))
            }
            script += """
                assert np.load('scalar.npy').shape == () and np.load('scalar.npy') == 2.5
                assert np.load('empty.npy').shape == (2, 0, 3) and np.load('empty.npy').dtype == np.int32
                assert np.load('wide.npy').shape == (1,) * 16 + (3,) and np.load('wide.npy').sum() == 6
                for name in ['bool', 'int8', 'float64', 'scalar', 'wide']:
                    with open(name + '.npy', 'rb') as f:
                        assert np.lib.format.read_magic(f) == (1, 0)
                        header_end = 10 + int.from_bytes(f.read(2), 'little')
                    assert header_end % 64 == 0, (name, header_end)
                print('ok')
                """
            #expect(try runPython(script, in: directory.url) == "ok\n")
        }
    }

    @Test(arguments: [false, true])
    func numpyReadsWrittenArchives(compressed: Bool) throws {
        try withTemporaryDirectory { directory in
            let arrays = dtypeCases.map { (name: $0.name, array: $0.array) } + Self.extraArrays
            let url = directory.file("out.npz")
            try NumPy.writeArchive(arrays, to: url, compressed: compressed)
            let script = """
                import zipfile
                with zipfile.ZipFile('out.npz') as z:
                    methods = {i.compress_type for i in z.infolist()}
                    assert methods == {\(compressed ? "zipfile.ZIP_DEFLATED" : "zipfile.ZIP_STORED")}, methods
                    assert [i.filename for i in z.infolist()] == [\(arrays.map { "'\($0.name).npy'" }.joined(separator: ", "))]
                    assert z.testzip() is None
                with np.load('out.npz') as npz:
                \(dtypeCases.map { "    a = npz['\($0.name)']; np.save('\($0.name).npy', a)\n" }.joined())
                    assert npz['scalar'] == 2.5 and npz['empty'].shape == (2, 0, 3) and npz['wide'].sum() == 6

                """ + dtypeCases.map { $0.pythonCheck("\($0.name).npy") }.joined() + "print('ok')\n"
            #expect(try runPython(script, in: directory.url) == "ok\n")
            let readBack = try NumPy.readArchive(contentsOf: url)
            #expect(readBack == Dictionary(uniqueKeysWithValues: arrays.map { ($0.name, $0.array) }))
        }
    }

    @Test(arguments: dtypeCases)
    func roundTripsThroughNpy(_ dtype: DTypeCase) throws {
        try withTemporaryDirectory { directory in
            let url = directory.file("a.npy")
            try NumPy.encode(dtype.array).write(to: url)
            #expect(try NumPy.readArray(contentsOf: url) == dtype.array)
        }
    }

    @Test func writeArchiveReplacesAnExistingFile() throws {
        try withTemporaryDirectory { directory in
            let url = try directory.write(Array("not an archive".utf8), to: "masks.npz")
            let mask = NumPyArray(shape: [2, 2], elements: .bool([true, false, false, true]))
            try NumPy.writeArchive([("conv1", mask)], to: url)
            #expect(try NumPy.readArchive(contentsOf: url) == ["conv1": mask])
            // Nothing but the archive is left behind.
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path) == ["masks.npz"])
        }
    }

    @Test func writeArchiveRejectsDuplicateAndEmptyNames() throws {
        try withTemporaryDirectory { directory in
            let url = directory.file("masks.npz")
            let array = NumPyArray(shape: [1], elements: .int8([1]))
            #expect(throws: DataError(file: url.path, message: "two arrays are named 'a'")) {
                try NumPy.writeArchive([("a", array), ("b", array), ("a", array)], to: url)
            }
            #expect(throws: DataError(file: url.path, message: "an array needs a non-empty name")) {
                try NumPy.writeArchive([("", array)], to: url)
            }
            #expect(!FileManager.default.fileExists(atPath: url.path))
        }
    }

    @Test func writeArchiveReportsAMissingDirectory() throws {
        let url = URL(fileURLWithPath: "/nonexistent-directory/masks.npz")
        let array = NumPyArray(shape: [1], elements: .int8([1]))
        let error = try #require(throws: DataError.self) { try NumPy.writeArchive([("a", array)], to: url) }
        #expect(error.description == "/nonexistent-directory/masks.npz: cannot write the archive: No such file or directory")
    }

    /// Rounding to half precision matches NumPy's `astype(float16)`, ties to even, overflow and underflow included.
    @Test func float16RoundingMatchesNumPy() throws {
        let values: [Float] = [0.1, 1 / 3, -2.0009766, 65504, 65519, 65520, 1e10, -1e10, 1e-8, 2.9802322e-08,
                               2.9802326e-08, 8.940697e-08, 6.1e-5, -6.1e-5, 1.00048828125, 1.00146484375,
                               .nan, -.infinity, -0.0, .leastNonzeroMagnitude]
        try withTemporaryDirectory { directory in
            let array = NumPyArray(shape: [values.count], elements: .float16(values))
            try NumPy.encode(array).write(to: directory.file("half.npy"))
            try Data(values.withUnsafeBytes { Array($0) }).write(to: directory.file("source.bin"))
            let script = """
                ours = np.load('half.npy')
                theirs = np.fromfile('source.bin', dtype='<f4').astype(np.float16)
                assert ours.dtype == np.float16
                assert (ours.view(np.uint16) == theirs.view(np.uint16)).all(), (ours.view(np.uint16), theirs.view(np.uint16))
                print('ok')
                """
            #expect(try runPython(script, in: directory.url) == "ok\n")
        }
    }
}
