import Foundation

/// The JSON Lines form of a store, for moving profiles between boards, workstations and the
/// repository's `device-profiles/`.
///
/// Each line is one JSON object with `schemaVersion` and `type`: first a `"device"` line per
/// device (`{"schemaVersion": 1, "type": "device", "device": {fingerprint}}`), then one
/// `"measurement"` line per measurement (a `ProfileEntry`'s keys beside `schemaVersion` and
/// `type`). Importing skips measurements already stored (same device, workload and time).
public enum ProfileExport {
    public static let schemaVersion = 1

    /// What an import added.
    public struct Summary: Codable, Sendable, Equatable {
        public var devices: Int
        public var measurements: Int
        public var duplicates: Int
    }

    struct Header: Codable {
        var schemaVersion: Int
        var type: String
    }

    struct DeviceLine: Decodable {
        var device: DeviceFingerprint
    }

    /// The export of the measurements matching `query` and of their devices.
    public static func lines(from store: ProfileStore, query: ProfileQuery) throws -> String {
        let entries = try store.query(query).sorted { ($0.measuredAt, $0.workload) < ($1.measuredAt, $1.workload) }
        let deviceIDs = Set(entries.map(\.deviceID))
        // Every line starts with the two header keys, then the object's own (sorted) keys.
        var lines = try store.devices().filter { deviceIDs.contains($0.id) }.map { device in
            #"{"schemaVersion":\#(schemaVersion),"type":"device","device":"# + (try StoreJSON.string(device)) + "}"
        }
        for var entry in entries {
            entry.cached = false
            lines.append(#"{"schemaVersion":\#(schemaVersion),"type":"measurement","# + (try StoreJSON.string(entry)).dropFirst())
        }
        return lines.map { $0 + "\n" }.joined()
    }

    /// Imports an export into `store`, all or nothing; errors name the line.
    public static func importLines(_ text: String, into store: ProfileStore) throws -> Summary {
        var devices = [DeviceFingerprint](), entries = [ProfileEntry]()
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { continue }
            do {
                let header = try StoreJSON.decode(Header.self, trimmed)
                guard header.schemaVersion == schemaVersion else {
                    throw StoreError("schemaVersion \(header.schemaVersion) is not supported (this version reads \(schemaVersion))")
                }
                switch header.type {
                case "device": devices.append(try StoreJSON.decode(DeviceLine.self, trimmed).device)
                case "measurement": entries.append(try StoreJSON.decode(ProfileEntry.self, trimmed))
                default: throw StoreError("unknown line type '\(header.type)'")
                }
            } catch let error as StoreError {
                throw StoreError("line \(index + 1): \(error.description)")
            } catch {
                throw StoreError("line \(index + 1): not a profile line (\(DecodingFailure.describe(error)))")
            }
        }
        let known = Set(devices.map(\.id))
        if let orphan = entries.first(where: { !known.contains($0.deviceID) }) {
            let existing = Set(try store.devices().map(\.id))
            if !existing.contains(orphan.deviceID) {
                throw StoreError("measurement of device \(orphan.deviceID) comes without a device line")
            }
        }
        return try store.write { db in
            for device in devices {
                try db.execute(sql: """
                    INSERT INTO devices (id, fingerprint, updated_at) VALUES (?, ?, ?)
                    ON CONFLICT(id) DO UPDATE SET fingerprint = excluded.fingerprint
                    """, arguments: [device.id, try StoreJSON.string(device), Date().timeIntervalSince1970])
            }
            var added = 0
            for entry in entries {
                if try StoreRows.insert(entry, in: db) { added += 1 }
            }
            return Summary(devices: devices.count, measurements: added, duplicates: entries.count - added)
        }
    }
}
