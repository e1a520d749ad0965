import Foundation

/// Reads of the small text files Linux exposes under /proc and /sys (absent ones are nil).
enum SystemFiles {
    /// The file's contents without surrounding whitespace, or nil when it cannot be read.
    static func read(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The value of the first `key : value` line of /proc/cpuinfo with one of `keys`.
    static func cpuInfo(_ keys: [String]) -> String? {
        guard let text = read("/proc/cpuinfo") else { return nil }
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            if keys.contains(parts[0].trimmingCharacters(in: .whitespaces)) {
                return parts[1].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }

    /// `scaling_governor` of each CPU in `cpus` that exposes one, deduplicated (usually one value).
    static func governors(_ cpus: [Int]) -> [String] {
        var seen = [String]()
        for cpu in cpus {
            if let value = read("/sys/devices/system/cpu/cpu\(cpu)/cpufreq/scaling_governor"), !seen.contains(value) {
                seen.append(value)
            }
        }
        return seen
    }

    /// Current frequency of each CPU in `cpus`, in MHz, or nil when the board exposes none.
    static func frequenciesMHz(_ cpus: [Int]) -> [Double]? {
        let values = cpus.compactMap { read("/sys/devices/system/cpu/cpu\($0)/cpufreq/scaling_cur_freq").flatMap(Double.init) }
        return values.isEmpty ? nil : values.map { $0 / 1000 }
    }

    /// The hottest thermal zone, in °C, or nil when the board exposes none.
    static func temperatureCelsius() -> Double? {
        guard let zones = try? FileManager.default.contentsOfDirectory(atPath: "/sys/class/thermal") else { return nil }
        let values = zones.filter { $0.hasPrefix("thermal_zone") }
            .compactMap { read("/sys/class/thermal/\($0)/temp").flatMap(Double.init) }
        return values.max().map { $0 / 1000 }
    }
}
