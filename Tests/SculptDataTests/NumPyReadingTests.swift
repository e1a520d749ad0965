import Foundation
@testable import SculptData
import Testing

/// Files written by NumPy read back with the values NumPy wrote.
@Suite struct NumPyReadingTests {
    @Test(arguments: dtypeCases)
    func readsEveryDtypeLittleEndian(_ dtype: DTypeCase) throws {
        let array = try NumPy.readArray(contentsOf: NumPyFixtures.url("\(dtype.name)-le.npy"))
        #expect(array == dtype.array)
        #expect(array.dtypeDescription == dtype.name)
    }

    @Test(arguments: dtypeCases)
    func readsEveryDtypeBigEndian(_ dtype: DTypeCase) throws {
        #expect(try NumPy.readArray(contentsOf: NumPyFixtures.url("\(dtype.name)-be.npy")) == dtype.array)
    }

    @Test func convertsFortranOrderToCOrder() throws {
        let array = try NumPy.readArray(contentsOf: NumPyFixtures.url("fortran-3d.npy"))
        #expect(array == NumPyArray(shape: [2, 3, 4], elements: .int32(Array(0..<24))))
    }

    @Test func convertsBigEndianFortranOrder() throws {
        let array = try NumPy.readArray(contentsOf: NumPyFixtures.url("fortran-2d-be.npy"))
        #expect(array == NumPyArray(shape: [2, 3], elements: .float64([0, 0.25, 0.5, 0.75, 1, 1.25])))
    }

    @Test func readsZeroDimensionalArray() throws {
        let array = try NumPy.readArray(contentsOf: NumPyFixtures.url("scalar.npy"))
        #expect(array.shape == [])
        #expect(array.count == 1)
        #expect(array.elements == .float64([2.5]))
    }

    @Test func readsEmptyArrays() throws {
        #expect(try NumPy.readArray(contentsOf: NumPyFixtures.url("empty.npy"))
            == NumPyArray(shape: [0], elements: .float32([])))
        #expect(try NumPy.readArray(contentsOf: NumPyFixtures.url("empty-3d.npy"))
            == NumPyArray(shape: [2, 0, 3], elements: .int64([])))
    }

    @Test(arguments: [2, 3])
    func readsLaterFormatVersions(_ version: Int) throws {
        let array = try NumPy.readArray(contentsOf: NumPyFixtures.url("version-\(version).npy"))
        #expect(array == NumPyArray(shape: [3, 2], elements: .int16([0, 1, 2, 3, 4, 5])))
    }

    @Test(arguments: ["plain.npz", "compressed.npz", "zip64.npz"])
    func readsArchives(_ file: String) throws {
        let arrays = try NumPy.readArchive(contentsOf: NumPyFixtures.url(file))
        #expect(arrays.keys.sorted() == ["w", "x", "y"])
        let x = try #require(arrays["x"])
        #expect(x.shape == [2, 3, 4, 4])
        #expect(x.elements == .float32((0..<96).map { Float($0) / 7 }))
        #expect(arrays["y"] == NumPyArray(shape: [2], elements: .int64([3, 1])))
        // A big-endian Fortran-order member comes out as little-endian C order too.
        #expect(arrays["w"] == NumPyArray(shape: [3, 4], elements: .int16(Array(0..<12))))
    }

    @Test func namesPositionalArchiveMembersLikeNumPy() throws {
        let arrays = try NumPy.readArchive(contentsOf: NumPyFixtures.url("positional.npz"))
        #expect(arrays == [
            "arr_0": NumPyArray(shape: [2], elements: .int64([3, 1])),
            "arr_1": NumPyArray(shape: [], elements: .float32([1.5])),
        ])
    }

    /// Every half-precision bit pattern converts to the same `Float` as NumPy's conversion.
    @Test func float16MatchesNumPyForAllBitPatterns() throws {
        let table = try NumPy.readArray(contentsOf: NumPyFixtures.url("half-table.npy"))
        let numpy = table.floats()
        try #require(table.elements.count == 65536 && table.dtypeDescription == "float32")
        let mismatches = (0...UInt16.max).filter {
            HalfPrecision.float(fromBits: $0).bitPattern != numpy[Int($0)].bitPattern
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) bit patterns differ, e.g. \(mismatches.prefix(3))")
    }
}
