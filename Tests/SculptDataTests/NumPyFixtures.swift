import Foundation
import SculptTestSupport

/// Files written by NumPy itself, generated once per test run into a temporary directory.
enum NumPyFixtures {
    static func url(_ name: String) throws -> URL {
        try directory.get().appendingPathComponent(name)
    }

    /// Removed when the test process exits.
    private static let directoryURL = FileManager.default.temporaryDirectory
        .appendingPathComponent("SculptDataTests-numpy-\(UUID().uuidString)", isDirectory: true)

    private static let directory: Result<URL, PythonFailure> = {
        let url = directoryURL
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            atexit { try? FileManager.default.removeItem(at: NumPyFixtures.directoryURL) }
            try runPython(script, in: url)
            return .success(url)
        } catch let failure as PythonFailure {
            return .failure(failure)
        } catch {
            return .failure(PythonFailure(description: "cannot generate NumPy fixtures: \(error)"))
        }
    }()

    private static let script = dtypeCases.map { $0.pythonSave("\($0.name)-le.npy", order: "<") }.joined()
        + dtypeCases.map { $0.pythonSave("\($0.name)-be.npy", order: ">") }.joined()
        + """
        a = np.arange(24, dtype='<i4').reshape(2, 3, 4)
        np.save('fortran-3d.npy', np.asfortranarray(a))
        np.save('fortran-2d-be.npy', np.asfortranarray(np.arange(6, dtype='>f8').reshape(2, 3) / 4))
        np.save('scalar.npy', np.float64(2.5))
        np.save('empty.npy', np.zeros((0,), '<f4'))
        np.save('empty-3d.npy', np.zeros((2, 0, 3), '<i8'))
        for version in [(2, 0), (3, 0)]:
            with open(f'version-{version[0]}.npy', 'wb') as f:
                np.lib.format.write_array(f, np.arange(6, dtype='<i2').reshape(3, 2), version=version)
        np.save('structured.npy', np.zeros(3, dtype=[('a', '<i4'), ('b', '<f4')]))
        np.save('object.npy', np.array([1, 'a', None], dtype=object), allow_pickle=True)
        np.save('complex.npy', np.zeros(2, np.complex64))
        np.save('strings.npy', np.array(['a', 'bc']))

        x = (np.arange(2 * 3 * 4 * 4, dtype=np.float32) / 7).reshape(2, 3, 4, 4)
        y = np.array([3, 1], dtype=np.int64)
        w = np.asfortranarray(np.arange(12, dtype='>i2').reshape(3, 4))
        np.savez('plain.npz', x=x, y=y, w=w)
        np.savez_compressed('compressed.npz', x=x, y=y, w=w)
        np.savez('positional.npz', y, np.float32(1.5))
        # Python writes ZIP64 records only past 4 GiB; lowering its limits makes them for a small file.
        import zipfile
        limits = zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT
        zipfile.ZIP64_LIMIT = zipfile.ZIP_FILECOUNT_LIMIT = 0
        np.savez('zip64.npz', x=x, y=y, w=w)
        zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT = limits
        with zipfile.ZipFile('zip64.npz') as z:
            assert all(len(i.extra) > 0 for i in z.infolist())
        assert (np.load('zip64.npz')['x'] == x).all()
        
        images = (np.arange(4 * 3 * 2 * 2, dtype=np.float32) - 20).reshape(4, 3, 2, 2)
        labels = np.array([0, 2, 1, 2], dtype=np.int64)
        np.savez('calib.npz', x=images, y=labels)
        np.savez_compressed('calib-compressed.npz', x=images, y=labels)
        np.savez('no-y.npz', x=images, labels=labels)
        np.savez('calib-names.npz', inputs=images, targets=labels.astype(np.int32))
        np.savez('calib-uint8.npz', x=np.arange(4 * 3 * 2 * 2, dtype=np.uint8).reshape(4, 3, 2, 2), y=labels)
        np.savez('calib-float-labels.npz', x=images, y=labels.astype(np.float32))
        np.savez('calib-fractional-labels.npz', x=images, y=labels + 0.5)
        np.savez('calib-short-y.npz', x=images, y=labels[:3])
        np.savez('calib-negative.npz', x=images, y=np.array([0, 1, -1, 2]))
        np.savez('calib-2d-x.npz', x=images.reshape(4, 12), y=labels)
        np.savez('calib-2d-y.npz', x=images, y=labels.reshape(2, 2))
        np.savez('calib-empty.npz', x=np.zeros((0, 3, 2, 2), np.float32), y=np.zeros(0, np.int64))
        np.save('images.npy', images)
        np.save('labels.npy', labels)
        np.save('labels-short.npy', labels[:3])

        np.save('half-table.npy', np.arange(65536, dtype=np.uint16).view(np.float16).astype(np.float32))

        """
}
