import ArgumentParser
import Foundation

/// How a command prints its result.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
}

/// Prints one JSON object on stdout.
func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

/// Writes a line to stderr (logs and progress never mix with results on stdout).
func log(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// Pads `text` on the left (numbers) or right (names) to `width` characters.
func padded(_ text: String, _ width: Int, right: Bool = false) -> String {
    let padding = String(repeating: " ", count: max(0, width - text.count))
    return right ? padding + text : text + padding
}

/// A problem with what a command was given (a file, its contents), reported as one line.
///
/// Unlike ArgumentParser's `ValidationError`, which is for option values and prints the usage
/// too, this prints only "Error: <message>".
struct CommandError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
