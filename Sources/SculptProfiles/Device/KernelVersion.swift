/// The version of our kernels that a measurement was made with.
///
/// Part of every workload key: when a kernel changes what it does or how fast it runs, raise
/// this, and measurements of the old kernels stop answering for the new ones (they stay in the
/// store, under the old version).
public enum KernelVersion {
    public static let current = "2026.12.4"
}
