import ArgumentParser
import SculptProfiles

/// `sculpt profiles list`: the latest measurement of every workload of every device.
struct ProfilesList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the cached profiles.")

    @OptionGroup var device: DeviceOptions

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    func run() throws {
        let source = try device.source()
        try printProfiles(try waitFor { try await source.profiles(ProfileQuery()) }, format: format)
    }
}
