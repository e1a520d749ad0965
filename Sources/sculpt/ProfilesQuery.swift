import ArgumentParser
import SculptProfiles

/// `sculpt profiles query`: the cached profiles that match filters on the spec.
struct ProfilesQuery: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "query", abstract: "Query the cached profiles by spec fields.")

    @Option(help: "conv2d, linear or reorder.") var op: String?
    @Option(help: "Pattern family (dense, grouped, ...).") var family: String?
    @Option(help: "Input channels.") var inChannels: Int?
    @Option(help: "Output channels.") var outChannels: Int?
    @Option(help: "Input height.") var height: Int?
    @Option(help: "Input width.") var width: Int?
    @Option(help: "Kernel size.") var kernel: Int?
    @Option(help: "Stride.") var stride: Int?
    @Option(help: "Groups.") var groups: Int?
    @Option(help: "Threads.") var threads: Int?
    @Option(help: "Device id (a store may hold several).") var deviceID: String?
    @Flag(help: "Every measurement, not only the latest of each workload.") var all = false
    @Option(help: "At most this many results.") var limit: Int?

    @OptionGroup var device: DeviceOptions

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    func run() throws {
        var query = ProfileQuery()
        query.op = op
        query.family = family
        query.inChannels = inChannels
        query.outChannels = outChannels
        query.height = height
        query.width = width
        query.kernel = kernel
        query.stride = stride
        query.groups = groups
        query.threads = threads
        query.device = deviceID
        query.all = all
        query.limit = limit
        let source = try device.source(), filter = query
        try printProfiles(try waitFor { try await source.profiles(filter) }, format: format)
    }
}
