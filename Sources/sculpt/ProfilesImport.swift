import ArgumentParser
import Foundation
import SculptProfiles

/// `sculpt profiles import`: adds an export's measurements to a store or a daemon.
struct ProfilesImport: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import",
                                                    abstract: "Import profiles from a JSON Lines export.")

    @Argument(help: "The export file.", completion: .file(extensions: ["jsonl"]))
    var file: String

    @OptionGroup var device: DeviceOptions

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    func run() throws {
        guard let data = FileManager.default.contents(atPath: file) else { throw CommandError("\(file): no such file") }
        let source = try device.source(), text = String(decoding: data, as: UTF8.self)
        let summary: ProfileExport.Summary
        do { summary = try waitFor { try await source.importLines(text) } } catch let error as CommandError {
            throw CommandError("\(file): \(error.description)")
        }
        switch format {
        case .json: try printJSON(summary)
        case .text: print("imported \(summary.measurements) measurements of \(summary.devices) devices (\(summary.duplicates) already there)")
        }
    }
}
