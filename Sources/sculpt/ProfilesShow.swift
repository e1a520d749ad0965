import ArgumentParser
import SculptProfiles

/// `sculpt profiles show`: the device, or every measurement of one workload.
struct ProfilesShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show the device's fingerprint, or every measurement of a workload (by its hash).")

    @Argument(help: "A workload hash (as list prints it, or in full); omitted: the device.")
    var workload: String?

    @OptionGroup var device: DeviceOptions

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    func run() throws {
        let source = try device.source()
        guard let workload else {
            let report = try waitFor { try await source.deviceReport() }
            switch format {
            case .json: try printJSON(report)
            case .text:
                let d = report.device
                print("device \(d.id): \(d.cpuModel) (\(d.architecture)), \(d.cores) cores, ISA \(d.isa.joined(separator: " "))")
                print("kernel \(d.osKernel), governor \(d.governor ?? "not exposed"), OpenBLAS \(d.openblasCoreType), kernels \(d.kernelVersion)")
                for (op, families) in report.measurable.sorted(by: { $0.key < $1.key }) {
                    print("measurable \(op): \(families.joined(separator: ", "))")
                }
            }
            return
        }
        var every = ProfileQuery()
        every.all = true
        let query = every
        let entries = try waitFor { try await source.profiles(query) }.filter { $0.workload.hasPrefix(workload) }
        guard !entries.isEmpty else { throw CommandError("no workload \(workload) in the profiles of \(device.device)") }
        try printProfiles(entries, format: format)
    }
}
