/// A problem with a model: one line that names the file, node or tensor and what is wrong.
public struct GraphError: Error, CustomStringConvertible, Equatable {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
