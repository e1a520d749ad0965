/// An Einsum equation resolved against its operands' shapes: the letters of each operand and of
/// the output, and the size each letter stands for.
///
/// Accepted: explicit ("ij,jk->ik") and implicit ("ij,jk") outputs, upper- and lower-case
/// letters, spaces, any number of operands, and a letter of size 1 in one operand broadcasting
/// against its size elsewhere (NumPy's rule). Rejected: ellipses and a letter repeated within
/// one term (diagonals and traces).
public struct EinsumEquation: Sendable, Equatable {
    /// Why an equation cannot be used, as one line.
    public struct Invalid: Error, Equatable {
        public let reason: String
    }

    /// The letters of each operand, one per axis.
    public let inputs: [[Character]]
    /// The letters of the output, one per axis.
    public let output: [Character]
    /// The size of every letter: its largest size among the operands.
    public let sizes: [Character: Int]

    public var outputShape: [Int] { output.map { sizes[$0]! } }

    public init(_ equation: String, shapes: [[Int]]) throws(Invalid) {
        let text = equation.filter { !$0.isWhitespace }
        guard !text.contains(".") else {
            throw Invalid(reason: "equation '\(equation)': ellipses ('...') are not supported")
        }
        let sides = text.split(separator: "->", omittingEmptySubsequences: false)
        guard sides.count <= 2 else { throw Invalid(reason: "equation '\(equation)' has more than one '->'") }
        let terms = sides[0].split(separator: ",", omittingEmptySubsequences: false).map(Array.init)
        guard terms.count == shapes.count else {
            throw Invalid(reason: "equation '\(equation)' has \(terms.count) operand terms for \(shapes.count) inputs")
        }
        var sizes = [Character: Int]()
        for (index, (term, shape)) in zip(terms, shapes).enumerated() {
            if let bad = term.first(where: { !($0.isASCII && $0.isLetter) }) {
                throw Invalid(reason: "equation '\(equation)': '\(bad)' is not a letter")
            }
            guard Set(term).count == term.count else {
                throw Invalid(reason: "equation '\(equation)': a letter repeats within '\(String(term))' (diagonals and traces are not supported)")
            }
            guard term.count == shape.count else {
                throw Invalid(reason: "equation '\(equation)': term '\(String(term))' has \(term.count) letters for input \(index) of shape \(shape)")
            }
            for (letter, size) in zip(term, shape) {
                let known = sizes[letter] ?? size
                guard known == size || known == 1 || size == 1 else {
                    throw Invalid(reason: "equation '\(equation)': letter '\(letter)' stands for both \(known) and \(size)")
                }
                sizes[letter] = max(known, size)
            }
        }
        let output: [Character]
        if sides.count == 2 {
            output = Array(sides[1])
            if let unknown = output.first(where: { sizes[$0] == nil }) {
                throw Invalid(reason: "equation '\(equation)': output letter '\(unknown)' is in no operand")
            }
            guard Set(output).count == output.count else {
                throw Invalid(reason: "equation '\(equation)': a letter repeats in the output")
            }
        } else {
            // Implicit output: the letters that occur once, in alphabetical (ASCII) order, as NumPy does.
            let all = terms.joined()
            output = Set(all).filter { letter in all.filter { $0 == letter }.count == 1 }.sorted()
        }
        inputs = terms
        self.output = output
        self.sizes = sizes
    }
}
