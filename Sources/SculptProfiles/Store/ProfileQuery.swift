import Foundation

/// A filter over stored measurements; every field left nil matches everything.
///
/// As URL query items (`GET /v1/profiles?op=conv2d&in_channels=64&family=dense`) the names are
/// those of the kernel spec, plus `device`, `workload`, `family`, `all` (every measurement, not
/// only the latest per device and workload) and `limit`.
public struct ProfileQuery: Sendable, Equatable {
    public var device: String?
    public var workload: String?
    public var op: String?
    public var family: String?
    public var inChannels: Int?
    public var outChannels: Int?
    public var height: Int?
    public var width: Int?
    public var kernel: Int?
    public var stride: Int?
    public var groups: Int?
    public var threads: Int?
    public var batch: Int?
    /// Every measurement rather than the latest of each device and workload.
    public var all = false
    public var limit: Int?

    public init() {}

    /// The integer filters, by query item name and workloads column.
    static var integerFields: [(name: String, path: WritableKeyPath<ProfileQuery, Int?>)] {
        [("in_channels", \.inChannels), ("out_channels", \.outChannels), ("height", \.height), ("width", \.width),
         ("kernel", \.kernel), ("stride", \.stride), ("groups", \.groups), ("threads", \.threads), ("batch", \.batch)]
    }

    /// The text filters, by query item name and the column they compare.
    static var textFields: [(name: String, column: String, path: WritableKeyPath<ProfileQuery, String?>)] {
        [("device", "m.device_id", \.device), ("workload", "w.hash", \.workload), ("op", "w.op", \.op),
         ("family", "w.family", \.family)]
    }

    /// Parses query items; throws a reason naming an unknown or malformed one.
    public init(queryItems: [(String, String)]) throws(SpecError) {
        for (name, value) in queryItems {
            if let field = Self.integerFields.first(where: { $0.name == name }) {
                guard let number = Int(value) else { throw SpecError.invalid("query parameter \(name) must be an integer, not '\(value)'") }
                self[keyPath: field.path] = number
            } else if let field = Self.textFields.first(where: { $0.name == name }) {
                self[keyPath: field.path] = value
            } else if name == "limit" {
                guard let number = Int(value), number >= 1 else { throw SpecError.invalid("limit must be a positive integer, not '\(value)'") }
                limit = number
            } else if name == "all" {
                all = value == "1" || value == "true"
            } else if name != "format" {
                throw SpecError.invalid("unknown query parameter '\(name)'")
            }
        }
    }

    /// The query items that reproduce this filter.
    public var queryItems: [URLQueryItem] {
        var items = [URLQueryItem]()
        for field in Self.textFields { if let value = self[keyPath: field.path] { items.append(.init(name: field.name, value: value)) } }
        for field in Self.integerFields { if let value = self[keyPath: field.path] { items.append(.init(name: field.name, value: String(value))) } }
        if all { items.append(.init(name: "all", value: "true")) }
        if let limit { items.append(.init(name: "limit", value: String(limit))) }
        return items
    }
}
