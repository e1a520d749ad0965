extension Collection where Element == Double {
    /// The middle value once sorted (the upper one of an even count): the summary of repeated
    /// measurements on a noisy host, where a turn or two can be far off.
    public var median: Double { sorted()[count / 2] }
}
