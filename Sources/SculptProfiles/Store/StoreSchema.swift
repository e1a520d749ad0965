import GRDB

/// The profile store's tables, as named migrations: a store written by an older version is
/// brought up to date when it is opened, and never migrated twice.
enum StoreSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: devices, workloads, measurements") { db in
            try db.execute(sql: """
                CREATE TABLE devices (
                    id TEXT PRIMARY KEY NOT NULL,
                    fingerprint TEXT NOT NULL,   -- DeviceFingerprint as JSON
                    updated_at REAL NOT NULL     -- seconds since 1970
                );
                CREATE TABLE workloads (
                    hash TEXT PRIMARY KEY NOT NULL,  -- SHA-256 of the canonical spec and kernel version
                    kernel_version TEXT NOT NULL,
                    spec TEXT NOT NULL,              -- canonical KernelSpec JSON
                    op TEXT NOT NULL,
                    family TEXT NOT NULL,
                    in_channels INTEGER NOT NULL, out_channels INTEGER NOT NULL,
                    height INTEGER NOT NULL, width INTEGER NOT NULL,
                    kernel INTEGER NOT NULL, stride INTEGER NOT NULL, groups INTEGER NOT NULL,
                    threads INTEGER NOT NULL, batch INTEGER NOT NULL
                );
                CREATE INDEX workloads_shape ON workloads (op, in_channels, out_channels, height, width);
                CREATE INDEX workloads_family ON workloads (family);
                CREATE TABLE measurements (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    device_id TEXT NOT NULL REFERENCES devices(id),
                    workload_hash TEXT NOT NULL REFERENCES workloads(hash),
                    protocol TEXT NOT NULL,          -- MeasurementProtocol JSON (cache hits need the same)
                    kernel TEXT NOT NULL,
                    median_ms REAL NOT NULL, p90_ms REAL NOT NULL, min_ms REAL NOT NULL,
                    mean_ms REAL NOT NULL, std_ms REAL NOT NULL,
                    samples_ms TEXT NOT NULL,        -- JSON array
                    runs_per_sample INTEGER NOT NULL,
                    conditions TEXT NOT NULL,        -- MeasurementConditions JSON
                    measured_at INTEGER NOT NULL     -- milliseconds since 1970 (what exports keep)
                );
                CREATE UNIQUE INDEX measurements_identity ON measurements (device_id, workload_hash, measured_at);
                CREATE INDEX measurements_lookup ON measurements (device_id, workload_hash, protocol, measured_at);
                """)
        }
        return migrator
    }
}
