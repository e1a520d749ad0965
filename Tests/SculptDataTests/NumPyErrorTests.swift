import Foundation
import SculptData
import SculptTestSupport
import Testing

/// Bad `.npy` input: each case throws a `DataError` whose one line names the file and the problem.
@Suite struct NumPyErrorTests {
    /// Writes `bytes` to a file, reads it as `.npy`, and returns the error's message.
    private func message(reading bytes: [UInt8]) throws -> String {
        try withTemporaryDirectory { directory in
            let url = try directory.write(bytes, to: "bad.npy")
            let error = try #require(throws: DataError.self) { try NumPy.readArray(contentsOf: url) }
            #expect(error.file == url.path)
            #expect(error.description == "\(url.path): \(error.message)")
            #expect(!error.description.contains("\n"))
            return error.message
        }
    }

    private static let valid = npyBytes(header: npyHeader(shape: "(2, 3)"), payload: Array(repeating: 7, count: 12))

    @Test func missingFile() throws {
        let error = try #require(throws: DataError.self) {
            try NumPy.readArray(contentsOf: URL(fileURLWithPath: "no-such-calib.npy"))
        }
        // A relative path is reported as the caller wrote it.
        #expect(error.description == "no-such-calib.npy: cannot read the file: No such file or directory")
    }

    @Test func wrongMagic() throws {
        #expect(try message(reading: Array("PK\u{3}\u{4} this is a zip".utf8))
            == "not a .npy file (it does not start with \\x93NUMPY)")
    }

    @Test func emptyFile() throws {
        #expect(try message(reading: []) == "truncated: the data ends inside the .npy preamble")
    }

    @Test func truncatedHeader() throws {
        #expect(try message(reading: Array(Self.valid.prefix(30))) == "truncated: the data ends inside the .npy header")
    }

    @Test func truncatedData() throws {
        #expect(try message(reading: Array(Self.valid.dropLast(7)))
            == "truncated: the shape (2, 3) of int16 needs 12 bytes of data but there are 5")
    }

    @Test func dataLongerThanShape() throws {
        #expect(try message(reading: Self.valid + [0])
            == "the shape (2, 3) of int16 needs 12 bytes of data but there are 13")
    }

    @Test func unsupportedVersion() throws {
        #expect(try message(reading: npyBytes(header: npyHeader(shape: "(0,)"), version: 4))
            == "unsupported .npy format version 4.0 (supported: 1.0, 2.0, 3.0)")
    }

    @Test(arguments: [
        ("(4294967296, 4294967296)", "<f4"),
        ("(2305843009213693952,)", "<f8"),  // 2^61 elements fit in an Int, their 2^64 bytes do not
    ])
    func shapeProductOverflows(shape: String, descr: String) throws {
        #expect(try message(reading: npyBytes(header: npyHeader(descr: descr, shape: shape)))
            == "the shape \(shape) has more elements than memory can hold")
    }

    @Test(arguments: [
        ("{'descr': '<i2', 'fortran_order': False, 'shape': (2, 3), ", "unexpected end of the header at offset 58"),
        ("{'descr' '<i2'}", "expected ':' after a dictionary key at offset 9"),
        ("{'descr': '<i2', 'fortran_order': False 'shape': (2, 3)}", "expected ',' or '}' in the dictionary at offset 40"),
        ("{'descr': '<i2', 'fortran_order': False, 'shape': (2 3)}", "expected ',' or ')' at offset 53"),
        ("{'descr': '<i2', 'fortran_order': False, 'shape': (2, 3)} x", "unexpected text after the dictionary at offset 58"),
        ("{'descr': '<i2', 'fortran_order': Flase, 'shape': (2, 3)}", "unexpected character 'F' at offset 34"),
        ("{'descr': '<i2, 'fortran_order': False, 'shape': (2, 3)}", "expected ',' or '}' in the dictionary at offset 17"),
        ("{'descr': '<i2', 'fortran_order': False, 'shape': (99999999999999999999,)}", "integer too large at offset 51"),
        (String(repeating: "(", count: 1000), "nesting is too deep at offset 32"),
        ("[1, 2]", "it is not a dictionary"),
        ("{'descr': '<i2', 'shape': (2, 3)}", "no 'fortran_order' key"),
        ("{'descr': 2, 'fortran_order': False, 'shape': (2, 3)}", "'descr' is not a string"),
        ("{'descr': '<i2', 'fortran_order': 0, 'shape': (2, 3)}", "'fortran_order' is not True or False"),
        ("{'descr': '<i2', 'fortran_order': False, 'shape': 6}", "'shape' is not a tuple"),
        ("{'descr': '<i2', 'fortran_order': False, 'shape': (2, -3)}", "'shape' holds something other than non-negative integers"),
        ("{'descr': '<i2', 'fortran_order': False, 'shape': (2, '3')}", "'shape' holds something other than non-negative integers"),
    ])
    func malformedHeader(header: String, problem: String) throws {
        #expect(try message(reading: npyBytes(header: header)) == "malformed header: \(problem)")
    }

    @Test(arguments: [
        ("object.npy", "unsupported dtype '|O' (Python objects); supported are bool, int8-64, uint8-64 and float16-64"),
        ("complex.npy", "unsupported dtype '<c8' (complex numbers); supported are bool, int8-64, uint8-64 and float16-64"),
        ("strings.npy", "unsupported dtype '<U2' (strings); supported are bool, int8-64, uint8-64 and float16-64"),
        ("structured.npy", "unsupported structured dtype (an array of records with named fields)"),
    ])
    func unsupportedDtypeFromNumPy(file: String, message: String) throws {
        let url = try NumPyFixtures.url(file)
        #expect(throws: DataError(file: url.path, message: message)) { try NumPy.readArray(contentsOf: url) }
    }

    @Test func acceptsPythonTwoHeaders() throws {
        // NumPy under Python 2 wrote long integers with an L suffix and no trailing comma.
        let bytes = npyBytes(header: "{'descr': '<i2', 'fortran_order': False, 'shape': (2L, 3L)}",
                             payload: [1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0])
        try withTemporaryDirectory { directory in
            let array = try NumPy.readArray(contentsOf: directory.write(bytes, to: "py2.npy"))
            #expect(array == NumPyArray(shape: [2, 3], elements: .int16([1, 2, 3, 4, 5, 6])))
        }
    }
}
