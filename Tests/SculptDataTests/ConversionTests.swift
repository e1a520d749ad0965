import SculptData
import Testing

/// `floats()` and `integers()` across dtypes.
@Suite struct ConversionTests {
    private func array(_ elements: NumPyArray.Elements) -> NumPyArray {
        NumPyArray(shape: [elements.count], elements: elements)
    }

    @Test func floatsConvertEveryDtype() {
        #expect(array(.bool([true, false])).floats() == [1, 0])
        #expect(array(.int8([-128, 127])).floats() == [-128, 127])
        #expect(array(.uint16([0, 65535])).floats() == [0, 65535])
        #expect(array(.int64([-3, 1 << 40])).floats() == [-3, 0x1p40])
        #expect(array(.uint64([.max])).floats() == [0x1p64])
        #expect(array(.float64([0.5, 1e300])).floats() == [0.5, .infinity])
        #expect(array(.float16([0.5, -2])).floats() == [0.5, -2])
        #expect(array(.float32([1.25])).floats() == [1.25])
    }

    @Test func integersConvertIntegralValues() {
        #expect(array(.int32([.min, .max])).integers() == [Int64(Int32.min), Int64(Int32.max)])
        #expect(array(.uint32([.max])).integers() == [Int64(UInt32.max)])
        #expect(array(.uint64([1 << 63 - 1])).integers() == [.max])
        #expect(array(.bool([false, true])).integers() == [0, 1])
        #expect(array(.float32([3, -2, 0])).integers() == [3, -2, 0])
        #expect(array(.float64([0x1p62])).integers() == [1 << 62])
    }

    @Test func integersRejectValuesWithoutAnExactInt64() {
        #expect(array(.float32([1, 2.5])).integers() == nil)
        #expect(array(.float64([.nan])).integers() == nil)
        #expect(array(.float64([0x1p63])).integers() == nil)
        #expect(array(.float16([.infinity])).integers() == nil)
        #expect(array(.uint64([1 << 63])).integers() == nil)
    }

    @Test func describesDtypesByNumPyName() {
        #expect(array(.float32([])).dtypeDescription == "float32")
        #expect(array(.uint8([])).dtypeDescription == "uint8")
        #expect(array(.bool([])).dtypeDescription == "bool")
        #expect(NumPyArray(shape: [], elements: .int16([4])).count == 1)
    }
}
