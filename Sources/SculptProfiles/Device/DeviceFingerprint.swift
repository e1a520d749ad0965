import COpenBLAS
import Foundation
import SculptKernels

/// What a device is, as far as kernel latency goes: CPU, instruction sets, cores, clock policy,
/// operating system kernel and the libraries our kernels use.
///
/// `id` hashes only the parts that do not change while the device is in use (architecture, CPU
/// model, instruction sets, cores): two boards of one model share profiles, and an OS update
/// or a governor change does not orphan a device's measurements (they are recorded per
/// measurement instead).
public struct DeviceFingerprint: Codable, Sendable, Equatable {
    public var id: String
    public var architecture: String
    public var cpuModel: String
    /// Instruction-set extensions that matter to our kernels, as /proc/cpuinfo names them.
    public var isa: [String]
    public var cores: Int
    /// CPUs this process may run on (a service's CPUAffinity narrows them).
    public var allowedCPUs: [Int]
    public var governor: String?
    public var osKernel: String
    public var openblasCoreType: String
    public var openblasConfig: String
    public var kernelVersion: String

    enum CodingKeys: String, CodingKey {
        case id, architecture, isa, cores, governor
        case cpuModel = "cpu_model", allowedCPUs = "allowed_cpus", osKernel = "os_kernel"
        case openblasCoreType = "openblas_core_type", openblasConfig = "openblas_config"
        case kernelVersion = "kernel_version"
    }

    /// Extensions worth recording (x86 and ARM names); the full flag list is hundreds of entries.
    static let relevantISA: Set<String> = [
        "sse4_1", "sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512dq",
        "avx512_vnni", "avx512_bf16", "avx512_fp16", "avx_vnni", "amx_tile", "amx_bf16", "amx_int8",
        "neon", "asimd", "asimdhp", "asimddp", "fphp", "sve", "sve2", "i8mm", "bf16", "sme",
    ]

    /// The fingerprint of the machine this runs on.
    public static func current() -> DeviceFingerprint {
        var name = utsname()
        uname(&name)
        let machine = withUnsafeBytes(of: &name.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let release = withUnsafeBytes(of: &name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let flags = SystemFiles.cpuInfo(["flags", "Features"])?.split(separator: " ").map(String.init) ?? []
        let model = SystemFiles.cpuInfo(["model name", "Hardware", "CPU part"]) ?? "unknown"
        let cores = ProcessInfo.processInfo.processorCount
        let allowed = Affinity.allowedCPUs()
        let isa = Set(flags).intersection(relevantISA).sorted()
        let stable = [machine, model, isa.joined(separator: ","), String(cores)].joined(separator: "|")
        return DeviceFingerprint(
            id: "dev-" + SHA256.hex(stable).prefix(16),
            architecture: machine, cpuModel: model, isa: isa, cores: cores, allowedCPUs: allowed,
            governor: SystemFiles.governors(allowed.isEmpty ? Array(0..<cores) : allowed).first,
            osKernel: release,
            openblasCoreType: openblas_get_corename().map { String(cString: $0) } ?? "unknown",
            openblasConfig: openblas_get_config().map { String(cString: $0) } ?? "unknown",
            kernelVersion: KernelVersion.current)
    }
}
