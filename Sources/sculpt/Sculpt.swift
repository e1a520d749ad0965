import ArgumentParser
import SculptKernels

/// The `sculpt` command: prunes neural networks for the board they will run on.
@main
struct Sculpt: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sculpt",
        abstract: "Hardware-aware, pattern-based pruning of ONNX models.",
        discussion: """
            Layers are named by their ONNX node names, as `sculpt inspect` prints them. \
            With --format json a command prints one JSON object on stdout; logs and progress go to stderr.
            """,
        subcommands: [Inspect.self, Eval.self, Bench.self, Run.self, Apply.self, Prune.self, Measure.self, Profiles.self])

    static func main() {
        OpenBLASGEMM.oneThreadUnlessConfigured()
        main(nil)
    }
}
