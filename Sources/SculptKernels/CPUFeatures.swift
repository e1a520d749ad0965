import Foundation

/// The instruction-set features the CPU reports (Linux `/proc/cpuinfo`: x86 `flags`, ARM `Features`).
public enum CPUFeatures {
    /// Feature names of the first CPU listed, empty where the file is missing.
    public static let current: Set<String> = {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return [] }
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let key = parts[0].trimmingCharacters(in: .whitespaces)
            if key == "flags" || key == "Features" { return Set(parts[1].split(separator: " ").map(String.init)) }
        }
        return []
    }()
}
