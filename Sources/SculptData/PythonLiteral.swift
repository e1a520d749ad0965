/// A Python literal as `repr` writes it: the part of the grammar `.npy` headers use.
indirect enum PythonLiteral {
    case string(String)
    case integer(Int)
    case boolean(Bool)
    case none
    case tuple([PythonLiteral])
    case list([PythonLiteral])
    case dictionary([(key: PythonLiteral, value: PythonLiteral)])

    /// Parses `text` as exactly one literal, surrounded by optional whitespace.
    init(parsing text: UnsafeRawBufferPointer) throws(FormatError) {
        var parser = PythonLiteralParser(bytes: text)
        self = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.index == text.count else { throw parser.error("unexpected text after the dictionary") }
    }
}

/// A recursive-descent parser over ASCII bytes.
private struct PythonLiteralParser {
    /// Deeper nesting than this never occurs in a NumPy header; the limit keeps hostile input off the stack.
    static let maximumDepth = 32

    let bytes: UnsafeRawBufferPointer
    var index = 0

    init(bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    mutating func value(depth: Int) throws(FormatError) -> PythonLiteral {
        guard depth < Self.maximumDepth else { throw error("nesting is too deep") }
        skipWhitespace()
        guard let byte = peek() else { throw error("unexpected end of the header") }
        switch byte {
        case UInt8(ascii: "{"): return try dictionary(depth: depth)
        case UInt8(ascii: "("): return try sequence(closing: ")", depth: depth)
        case UInt8(ascii: "["): return try sequence(closing: "]", depth: depth)
        case UInt8(ascii: "'"), UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .integer(try integer())
        default: return try keyword()
        }
    }

    private mutating func dictionary(depth: Int) throws(FormatError) -> PythonLiteral {
        index += 1
        var entries: [(key: PythonLiteral, value: PythonLiteral)] = []
        while true {
            skipWhitespace()
            if consume("}") { return .dictionary(entries) }
            let key = try value(depth: depth + 1)
            skipWhitespace()
            guard consume(":") else { throw error("expected ':' after a dictionary key") }
            entries.append((key, try value(depth: depth + 1)))
            skipWhitespace()
            if consume("}") { return .dictionary(entries) }
            guard consume(",") else { throw error("expected ',' or '}' in the dictionary") }
        }
    }

    /// A tuple or list; `(x)` without a comma is just `x`, as in Python.
    private mutating func sequence(closing: Unicode.Scalar, depth: Int) throws(FormatError) -> PythonLiteral {
        index += 1
        var items: [PythonLiteral] = []
        var sawComma = false
        while true {
            skipWhitespace()
            if consume(closing) { break }
            items.append(try value(depth: depth + 1))
            skipWhitespace()
            if consume(closing) { break }
            guard consume(",") else { throw error("expected ',' or '\(closing)'") }
            sawComma = true
        }
        if closing == "]" { return .list(items) }
        return items.count == 1 && !sawComma ? items[0] : .tuple(items)
    }

    private mutating func string() throws(FormatError) -> String {
        let quote = bytes[index]
        index += 1
        var scalars: [UInt8] = []
        while let byte = peek() {
            index += 1
            if byte == quote { return String(decoding: scalars, as: UTF8.self) }
            if byte == UInt8(ascii: "\\") {
                guard let escaped = peek() else { break }
                index += 1
                switch escaped {
                case UInt8(ascii: "n"): scalars.append(UInt8(ascii: "\n"))
                case UInt8(ascii: "t"): scalars.append(UInt8(ascii: "\t"))
                default: scalars.append(escaped)
                }
            } else {
                scalars.append(byte)
            }
        }
        throw error("unterminated string")
    }

    private mutating func integer() throws(FormatError) -> Int {
        let start = index
        let negative = consume("-")
        if !negative { _ = consume("+") }
        var magnitude = 0
        var digits = 0
        while let byte = peek(), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
            let (shifted, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = shifted.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
            guard !overflow1, !overflow2 else { throw error("integer too large", at: start) }
            magnitude = sum
            digits += 1
            index += 1
        }
        guard digits > 0 else { throw error("expected digits") }
        // Python 2 wrote long integers with an L suffix; old files still have them.
        if !consume("L") { _ = consume("l") }
        return negative ? -magnitude : magnitude
    }

    private mutating func keyword() throws(FormatError) -> PythonLiteral {
        for (word, literal) in [("True", PythonLiteral.boolean(true)), ("False", .boolean(false)), ("None", .none)]
        where bytes[index...].starts(with: word.utf8) {
            index += word.utf8.count
            return literal
        }
        throw error("unexpected character '\(Unicode.Scalar(bytes[index]).escaped(asASCII: true))'")
    }

    mutating func skipWhitespace() {
        while let byte = peek(), byte == 0x20 || byte == 0x09 || byte == 0x0a || byte == 0x0d {
            index += 1
        }
    }

    private func peek() -> UInt8? {
        index < bytes.count ? bytes[index] : nil
    }

    private mutating func consume(_ character: Unicode.Scalar) -> Bool {
        guard peek() == UInt8(ascii: character) else { return false }
        index += 1
        return true
    }

    func error(_ problem: String, at offset: Int? = nil) -> FormatError {
        FormatError("malformed header: \(problem) at offset \(offset ?? index)")
    }
}
