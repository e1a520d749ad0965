import Foundation
import SculptProfiles

/// The daemon's settings, from (lowest to highest precedence) defaults, a JSON config file,
/// the environment and the command line.
///
/// | key (file)             | environment            | flag           | default |
/// |------------------------|------------------------|----------------|---------|
/// | `host`                 | `SCULPTD_HOST`         | `--host`       | 127.0.0.1 |
/// | `port`                 | `SCULPTD_PORT`         | `--port`       | 7878 (0: any free port) |
/// | `state_dir`            | `SCULPTD_STATE_DIR`, systemd's `STATE_DIRECTORY` | `--state-dir` | /var/lib/sculptd as root, else $XDG_STATE_HOME/sculptd |
/// | `token_file`           | `SCULPTD_TOKEN_FILE`   | `--token-file` | none (required when `host` is not loopback) |
/// | `log_level`            | `SCULPTD_LOG_LEVEL`    | `--log-level`  | info |
/// | `queue_capacity`       |                        |                | 256 specs waiting or measuring |
/// | `max_specs_per_request`|                        |                | 256 |
/// | `max_body_bytes`       |                        |                | 64 MiB (ONNX models) |
/// | `warmup_seconds`, `sample_seconds`, `samples` | |                | 0.2, 0.01, 15 (DESIGN.md's protocol) |
/// | `limits`               |                        |                | SpecLimits' defaults (`max_channels`, `max_spatial`, …) |
///
/// The config file is `--config FILE` or `SCULPTD_CONFIG`; unknown keys in it are an error, so
/// that a typo does not silently keep a default.
struct DaemonConfig: Decodable {
    var host = "127.0.0.1"
    var port = 7878
    var stateDir: String?
    var tokenFile: String?
    var logLevel = "info"
    var queueCapacity = 256
    var maxSpecsPerRequest = 256
    var maxBodyBytes = 64 << 20
    var warmupSeconds: Double?
    var sampleSeconds: Double?
    var samples: Int?
    var limits = SpecLimits()

    init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case host, port, limits, samples
        case stateDir = "state_dir", tokenFile = "token_file", logLevel = "log_level"
        case queueCapacity = "queue_capacity", maxSpecsPerRequest = "max_specs_per_request", maxBodyBytes = "max_body_bytes"
        case warmupSeconds = "warmup_seconds", sampleSeconds = "sample_seconds"
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let any = try decoder.container(keyedBy: AnyKey.self)
        if let unknown = any.allKeys.first(where: { CodingKeys(stringValue: $0.stringValue) == nil }) {
            throw ConfigError("unknown key '\(unknown.stringValue)' (known: \(CodingKeys.allCases.map(\.stringValue).sorted().joined(separator: ", ")))")
        }
        host = try c.decodeIfPresent(String.self, forKey: .host) ?? host
        port = try c.decodeIfPresent(Int.self, forKey: .port) ?? port
        stateDir = try c.decodeIfPresent(String.self, forKey: .stateDir)
        tokenFile = try c.decodeIfPresent(String.self, forKey: .tokenFile)
        logLevel = try c.decodeIfPresent(String.self, forKey: .logLevel) ?? logLevel
        queueCapacity = try c.decodeIfPresent(Int.self, forKey: .queueCapacity) ?? queueCapacity
        maxSpecsPerRequest = try c.decodeIfPresent(Int.self, forKey: .maxSpecsPerRequest) ?? maxSpecsPerRequest
        maxBodyBytes = try c.decodeIfPresent(Int.self, forKey: .maxBodyBytes) ?? maxBodyBytes
        warmupSeconds = try c.decodeIfPresent(Double.self, forKey: .warmupSeconds)
        sampleSeconds = try c.decodeIfPresent(Double.self, forKey: .sampleSeconds)
        samples = try c.decodeIfPresent(Int.self, forKey: .samples)
        limits = try c.decodeIfPresent(SpecLimits.self, forKey: .limits) ?? limits
    }

    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Loads the file (if any), then applies the environment and the flags.
    static func load(file: String?, environment: [String: String], flags: DaemonFlags) throws -> DaemonConfig {
        var config = DaemonConfig()
        if let path = file ?? environment["SCULPTD_CONFIG"] {
            guard let data = FileManager.default.contents(atPath: path) else { throw ConfigError("\(path): cannot read the config file") }
            do { config = try JSONDecoder().decode(DaemonConfig.self, from: data) } catch let error as ConfigError {
                throw ConfigError("\(path): \(error.description)")
            } catch {
                throw ConfigError("\(path): \(DecodingFailure.describe(error))")
            }
        }
        config.host = flags.host ?? environment["SCULPTD_HOST"] ?? config.host
        if let port = flags.port ?? environment["SCULPTD_PORT"].flatMap(Int.init) { config.port = port }
        config.stateDir = flags.stateDir ?? environment["SCULPTD_STATE_DIR"] ?? config.stateDir
            ?? environment["STATE_DIRECTORY"]?.split(separator: ":").first.map(String.init)
        config.tokenFile = flags.tokenFile ?? environment["SCULPTD_TOKEN_FILE"] ?? config.tokenFile
        config.logLevel = flags.logLevel ?? environment["SCULPTD_LOG_LEVEL"] ?? config.logLevel
        try config.validate()
        return config
    }

    func validate() throws {
        guard (0...65535).contains(port) else { throw ConfigError("port must be 0...65535, not \(port)") }
        guard queueCapacity >= 1, maxSpecsPerRequest >= 1, maxBodyBytes >= 1024 else {
            throw ConfigError("queue_capacity and max_specs_per_request must be at least 1, max_body_bytes at least 1024")
        }
        if let samples, samples < 1 { throw ConfigError("samples must be at least 1") }
    }

    /// The state directory: configured, or the default for the user running the daemon.
    var resolvedStateDir: String {
        if let stateDir { return stateDir }
        if getuid() == 0 { return "/var/lib/sculptd" }
        let base = ProcessInfo.processInfo.environment["XDG_STATE_HOME"]
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".local/state").path
        return base + "/sculptd"
    }

    /// DESIGN.md's measurement protocol, with the config's overrides (tests lower them).
    var measurementProtocol: MeasurementProtocol {
        var measurement = MeasurementProtocol()
        if let warmupSeconds { measurement.warmupSeconds = warmupSeconds }
        if let sampleSeconds { measurement.sampleSeconds = sampleSeconds }
        if let samples { measurement.samples = samples }
        return measurement
    }

    /// Whether `host` only accepts connections from this machine.
    var isLoopback: Bool { ["127.0.0.1", "::1", "localhost"].contains(host) || host.hasPrefix("127.") }
}

/// The flags that override config keys (nil: not given).
struct DaemonFlags {
    var host: String?
    var port: Int?
    var stateDir: String?
    var tokenFile: String?
    var logLevel: String?
}

/// A configuration the daemon cannot start with, as one line.
struct ConfigError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
