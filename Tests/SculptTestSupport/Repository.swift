import Foundation

/// Paths inside this repository, for tests that read its fixtures and run its scripts.
public enum Repository {
    /// The repository root (this file is Tests/SculptTestSupport/Repository.swift).
    public static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static func path(_ relative: String) -> URL { root.appendingPathComponent(relative) }

    /// The fixture models made by scripts/make_fixtures.py, with what the manifest says of them.
    public static func fixtureModels() throws -> [FixtureModel] {
        let manifest = try JSONDecoder().decode(FixtureManifest.self,
                                                from: Data(contentsOf: path("Tests/Fixtures/models/manifest.json")))
        return manifest.models
    }
}

struct FixtureManifest: Decodable {
    var models: [FixtureModel]
}

/// One exported model in Tests/Fixtures/models.
public struct FixtureModel: Decodable, Sendable, CustomStringConvertible {
    public var file: String
    public var architecture: String
    public var exporter: String
    public var opset: Int
    public var inputName: String
    public var inputShape: [Int]
    public var outputName: String
    public var params: Int

    public var url: URL { Repository.path("Tests/Fixtures/models/\(file)") }
    public var description: String { file }

    enum CodingKeys: String, CodingKey {
        case file, architecture, exporter, opset, params
        case inputName = "input_name", inputShape = "input_shape", outputName = "output_name"
    }
}
