import Foundation
import SculptTestSupport
import Testing

/// Runs `sculpt` with `arguments`, expects success and returns the JSON object it printed.
func json(_ arguments: [String]) throws -> [String: Any] {
    let result = try runSculpt(arguments)
    #expect(result.status == 0, "\(arguments): \(result.stderr)")
    return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
}

/// Whether two .npz files hold the same arrays (NumPy reads them: the ZIP bytes may differ).
func sameArrays(_ a: String, _ b: String) throws -> Bool {
    try runPython("""
        import numpy as np
        a, b = np.load('\(a)'), np.load('\(b)')
        print(sorted(a.files) == sorted(b.files) and all((a[k] == b[k]).all() for k in a.files))
        """, in: Repository.root).trimmingCharacters(in: .whitespacesAndNewlines) == "True"
}

/// Expects each of `files` in the directory `out`.
func expectFiles(_ files: [String], in out: String) {
    for file in files {
        #expect(FileManager.default.fileExists(atPath: "\(out)/\(file)"), "\(file)")
    }
}

/// Expects `sculpt apply` of the config.json written to `out` to give the masks written there.
func expectConfigReproducesMasks(model: String, out: String, in directory: TemporaryDirectory) throws {
    let again = directory.file("again").path
    _ = try json(["apply", model, "--config", "\(out)/config.json", "--out", again, "--format", "json"])
    #expect(try sameArrays("\(out)/masks.npz", "\(again)/masks.npz"))
}
