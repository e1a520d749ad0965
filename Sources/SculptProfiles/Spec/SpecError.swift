/// Why a kernel spec cannot be measured.
public enum SpecError: Error, Equatable, CustomStringConvertible {
    /// Out of bounds or inconsistent: the request is wrong (HTTP 400).
    case invalid(String)
    /// Valid, but no kernel measures it yet (HTTP 422).
    case notMeasurable(String)

    public var description: String {
        switch self {
        case .invalid(let reason): reason
        case .notMeasurable(let reason): reason
        }
    }

    /// The same error with `prefix` (which spec of a batch) in front of its reason.
    public func prefixed(_ prefix: String) -> SpecError {
        switch self {
        case .invalid(let reason): .invalid("\(prefix): \(reason)")
        case .notMeasurable(let reason): .notMeasurable("\(prefix): \(reason)")
        }
    }
}
