import Foundation
import GRDB

/// Measurements per device and workload in SQLite (WAL, so readers never wait for the writer).
///
/// One file serves the daemon and the CLI alike; every write is its own transaction, committed
/// with `synchronous = FULL` before it is acknowledged, so a crash loses nothing a client saw.
public final class ProfileStore: Sendable {
    public let path: String
    let database: DatabasePool

    /// Opens (creating when needed) the store at `path` and migrates it.
    public init(path: String) throws {
        self.path = path
        try FileManager.default.createDirectory(at: URL(fileURLWithPath: path).deletingLastPathComponent(),
                                                withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        database = try DatabasePool(path: path, configuration: configuration)
        try StoreSchema.migrator.migrate(database)
    }

    /// Records `device` (or refreshes its fingerprint).
    public func register(_ device: DeviceFingerprint) throws {
        let json = try StoreJSON.string(device)
        try database.write { db in
            try db.execute(sql: """
                INSERT INTO devices (id, fingerprint, updated_at) VALUES (?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET fingerprint = excluded.fingerprint, updated_at = excluded.updated_at
                """, arguments: [device.id, json, Date().timeIntervalSince1970])
        }
    }

    /// Every device the store knows.
    public func devices() throws -> [DeviceFingerprint] {
        try database.read { db in
            try String.fetchAll(db, sql: "SELECT fingerprint FROM devices ORDER BY id").map { try StoreJSON.decode(DeviceFingerprint.self, $0) }
        }
    }

    /// The latest measurement of each workload (by hash) on `device` with `measurement`
    /// (workloads never measured are missing); answered with `cached` set.
    public func cached(device: String, workloads: some Collection<String>, measurement: MeasurementProtocol) throws -> [String: ProfileEntry] {
        let protocolJSON = try StoreJSON.string(measurement)
        let hashes = Array(Set(workloads))
        return try database.read { db in
            var found = [String: ProfileEntry]()
            // Chunked: SQLite limits the number of bound parameters.
            for start in stride(from: 0, to: hashes.count, by: 500) {
                let chunk = Array(hashes[start..<min(start + 500, hashes.count)])
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                let rows = try Row.fetchAll(db, sql: StoreRows.select + """
                     WHERE m.device_id = ? AND m.protocol = ? AND m.workload_hash IN (\(marks))
                    ORDER BY m.measured_at
                    """, arguments: StatementArguments([device, protocolJSON] + chunk))
                for row in rows {
                    var entry = try StoreRows.entry(row)
                    entry.cached = true
                    found[entry.workload] = entry
                }
            }
            return found
        }
    }

    /// Stores one measurement (and its workload and device rows when new).
    public func record(_ entry: ProfileEntry) throws {
        _ = try database.write { db in try StoreRows.insert(entry, in: db) }
    }

    /// Measurements matching `query`, newest first.
    public func query(_ query: ProfileQuery) throws -> [ProfileEntry] {
        var conditions = [String](), arguments = [any DatabaseValueConvertible]()
        for field in ProfileQuery.textFields {
            if let value = query[keyPath: field.path] { conditions.append("\(field.column) = ?"); arguments.append(value) }
        }
        for field in ProfileQuery.integerFields {
            if let value = query[keyPath: field.path] { conditions.append("w.\(field.name) = ?"); arguments.append(value) }
        }
        if !query.all {
            conditions.append("""
                m.measured_at = (SELECT max(l.measured_at) FROM measurements l
                                 WHERE l.device_id = m.device_id AND l.workload_hash = m.workload_hash)
                """)
        }
        var sql = StoreRows.select
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY m.measured_at DESC, m.id DESC"
        if let limit = query.limit { sql += " LIMIT \(limit)" }
        let statement = sql, bound = StatementArguments(arguments.map(\.databaseValue))
        return try database.read { db in try Row.fetchAll(db, sql: statement, arguments: bound).map(StoreRows.entry) }
    }

    /// `PRAGMA integrity_check`: "ok" for a sound file.
    public func integrityCheck() throws -> String {
        try database.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "\n") }
    }

    /// Runs `body` in one write transaction (imports).
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        try database.write(body)
    }

    /// Measurements per device and in all, for metrics.
    public func counts() throws -> (devices: Int, workloads: Int, measurements: Int) {
        try database.read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM devices") ?? 0,
             try Int.fetchOne(db, sql: "SELECT count(*) FROM workloads") ?? 0,
             try Int.fetchOne(db, sql: "SELECT count(*) FROM measurements") ?? 0)
        }
    }
}
