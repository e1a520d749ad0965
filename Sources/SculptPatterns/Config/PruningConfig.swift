import Foundation

/// A CONFIG (DESIGN.md): one pattern for every eligible layer, with overrides by ONNX node name.
///
/// `sculpt apply` reads it; `sculpt prune` writes the one it found, so that `apply` reproduces it.
public struct PruningConfig: Codable, Equatable, Sendable {
    public static let schemaVersion = 1

    public var schemaVersion: Int
    /// The pattern of every eligible layer without an override.
    public var `default`: PatternConfig
    /// Overrides by node name.
    public var layers: [String: PatternConfig]

    public init(default: PatternConfig, layers: [String: PatternConfig] = [:]) {
        self.schemaVersion = Self.schemaVersion
        self.default = `default`
        self.layers = layers
    }

    /// The pattern for the layer named `name`.
    public func pattern(for name: String) -> PatternConfig { layers[name] ?? self.default }

    /// Reads and validates a CONFIG file; errors name the file and what is wrong.
    public static func load(from url: URL) throws -> PruningConfig {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw PatternError.invalidConfig("\(url.relativePath): cannot read the file")
        }
        let config: PruningConfig
        do { config = try JSONDecoder().decode(PruningConfig.self, from: data) } catch let error as DecodingError {
            throw PatternError.invalidConfig("\(url.relativePath): \(Self.describe(error))")
        }
        guard config.schemaVersion == schemaVersion else {
            throw PatternError.invalidConfig("\(url.relativePath): schemaVersion \(config.schemaVersion) is not supported (this version reads \(schemaVersion))")
        }
        do {
            try config.default.validate()
            for (name, pattern) in config.layers {
                do { try pattern.validate() } catch { throw PatternError.invalidConfig("layer '\(name)': \(error)") }
            }
        } catch { throw PatternError.invalidConfig("\(url.relativePath): \(error)") }
        return config
    }

    /// Writes the CONFIG as pretty JSON with sorted keys.
    public func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: url)
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.isEmpty ? "" : " at " + context.codingPath.map(\.stringValue).joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing key '\(key.stringValue)'\(path(context))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context): return "\(context.debugDescription)\(path(context))"
        case .dataCorrupted(let context): return "not valid JSON\(path(context)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
