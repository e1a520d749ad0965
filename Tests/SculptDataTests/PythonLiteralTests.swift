@testable import SculptData
import Testing

/// The header parser on the Python literals NumPy writes, and on a few it could.
@Suite struct PythonLiteralTests {
    private func parse(_ text: String) throws -> String {
        var bytes = Array(text.utf8)
        return try bytes.withUnsafeMutableBytes { try render(PythonLiteral(parsing: UnsafeRawBufferPointer($0))) }
    }

    /// A canonical rendering, to compare parses by value.
    private func render(_ literal: PythonLiteral) -> String {
        switch literal {
        case .string(let value): "s(\(value))"
        case .integer(let value): "i(\(value))"
        case .boolean(let value): "b(\(value))"
        case .none: "none"
        case .tuple(let items): "t[" + items.map(render).joined(separator: ",") + "]"
        case .list(let items): "l[" + items.map(render).joined(separator: ",") + "]"
        case .dictionary(let entries):
            "d{" + entries.map { render($0.key) + ":" + render($0.value) }.joined(separator: ",") + "}"
        }
    }

    @Test func parsesNumPyHeader() throws {
        #expect(try parse("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }          \n")
            == "d{s(descr):s(<f4),s(fortran_order):b(false),s(shape):t[i(3),i(4)]}")
    }

    @Test func parsesTuplesLikePython() throws {
        #expect(try parse("()") == "t[]")
        #expect(try parse("(3,)") == "t[i(3)]")
        #expect(try parse("(3)") == "i(3)")
        #expect(try parse("((1, 2), [None, True], -7L)") == "t[t[i(1),i(2)],l[none,b(true)],i(-7)]")
    }

    @Test func parsesStructuredDescr() throws {
        #expect(try parse("[('a', '<i4'), (\"b\", '<f4', (2,))]") == "l[t[s(a),s(<i4)],t[s(b),s(<f4),t[i(2)]]]")
    }

    @Test func parsesStringEscapes() throws {
        #expect(try parse(#"'it\'s\n'"#) == "s(it's\n)")
    }
}
