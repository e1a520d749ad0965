import ArgumentParser
import Foundation
import SculptProfiles

/// `sculpt profiles export`: the profiles as JSON Lines.
struct ProfilesExport: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export",
                                                    abstract: "Export the cached profiles as JSON Lines (schemaVersion 1).")

    @Option(help: "File to write (default: stdout).") var out: String?
    @Flag(help: "Every measurement, not only the latest of each workload.") var all = false

    @OptionGroup var device: DeviceOptions

    func run() throws {
        var query = ProfileQuery()
        query.all = all
        let source = try device.source(), filter = query
        let lines = try waitFor { try await source.exportLines(filter) }
        guard let out else { return print(lines, terminator: "") }
        do { try Data(lines.utf8).write(to: URL(fileURLWithPath: out)) } catch {
            throw CommandError("\(out): cannot write: \(error.localizedDescription)")
        }
        log("wrote \(lines.split(separator: "\n").count) lines to \(out)")
    }
}
