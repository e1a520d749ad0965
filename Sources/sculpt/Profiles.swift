import ArgumentParser
import SculptProfiles

/// `sculpt profiles`: the measurements cached for a device.
struct Profiles: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, show, query, export and import cached device profiles.",
        discussion: """
            Works on the local profile store (--device local) or on a sculptd (--device URL). \
            Exports are JSON Lines with a schemaVersion (docs/daemon.md, device-profiles/README.md).
            """,
        subcommands: [ProfilesList.self, ProfilesShow.self, ProfilesQuery.self, ProfilesExport.self, ProfilesImport.self])
}

/// `--format json` output of the listing commands: `{"profiles": [...]}`, as `GET /v1/profiles`.
struct ProfilesReport: Encodable {
    var profiles: [ProfileEntry]
}

/// Prints entries as a table or as `{"profiles": [...]}`.
func printProfiles(_ entries: [ProfileEntry], format: OutputFormat) throws {
    switch format {
    case .json: try printJSON(ProfilesReport(profiles: entries))
    case .text:
        if entries.isEmpty { log("no profiles match") }
        for entry in entries { print(ProfileTable.line(entry)) }
    }
}
