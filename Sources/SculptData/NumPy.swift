import Foundation

/// Reading and writing NumPy's `.npy` and `.npz` files.
public enum NumPy {
    /// Reads an `.npy` file.
    ///
    /// Accepts format versions 1.0 to 3.0, little- and big-endian data, and Fortran order, which it
    /// converts to C order. Throws a `DataError` for anything else.
    public static func readArray(contentsOf url: URL) throws -> NumPyArray {
        let origin = Origin(url)
        let bytes = try FileIO.read(url, origin: origin)
        return try origin.decoding { try bytes.withUnsafeBytes { try NPYDecoding.array(from: $0) } }
    }

    /// Reads every array of an `.npz` file, as written by `numpy.savez` or `numpy.savez_compressed`.
    ///
    /// Arrays are keyed by their member names without `.npy`; members that are not `.npy` files are skipped.
    public static func readArchive(contentsOf url: URL) throws -> [String: NumPyArray] {
        let origin = Origin(url)
        let archive = try NPZFile(bytes: FileIO.read(url, origin: origin), origin: origin)
        var arrays: [String: NumPyArray] = [:]
        for name in archive.names {
            arrays[name] = try archive.array(named: name)
        }
        return arrays
    }

    /// The bytes of an `.npy` file holding `array`: format 1.0, little-endian, C order.
    public static func encode(_ array: NumPyArray) -> Data {
        NPYEncoding.data(for: array)
    }
}
