// swift-tools-version:6.0
import PackageDescription

/// Hot numeric code is compiled for the CPU that builds it: without `-target-cpu native`,
/// Swift SIMD lowers fused multiply-adds to library calls and kernels run 2–8x slower.
/// `-Ounchecked` drops overflow traps from index arithmetic in the kernels' inner loops;
/// every kernel validates its shapes before it enters them.
let hostCPU: [SwiftSetting] = [
    .unsafeFlags(["-target-cpu", "native"]),
    .unsafeFlags(["-Ounchecked"], .when(configuration: .release)),
]

/// The kernels, their C shims and their tests, which depend on nothing else: all that Swift 6.0
/// builds (the other targets' dependencies declare tools 6.1 and later). `scripts/check-arm64.sh`
/// builds them alone for aarch64, with Debian's Swift 6.0.3, by setting EDGESCULPT_KERNELS_ONLY.
let kernelTargets: [Target] = [
    // C shims: the only C/C++ in the package.
    .systemLibrary(
        name: "COpenBLAS",
        pkgConfig: "openblas",
        providers: [.apt(["libopenblas-dev"])]
    ),
    .target(name: "CThreadAffinity"),
    .target(name: "CPrefetch"),
    .target(
        name: "CArmadillo",
        linkerSettings: [.linkedLibrary("armadillo"), .linkedLibrary("m")]
    ),
    .target(
        name: "SculptKernels",
        dependencies: ["COpenBLAS", "CArmadillo", "CThreadAffinity", "CPrefetch"],
        swiftSettings: hostCPU
    ),
    .testTarget(name: "SculptKernelsTests", dependencies: ["SculptKernels", "SculptTestNumerics"], swiftSettings: hostCPU),
    // What the kernel tests need of the test support: seeded inputs and the error measure.
    .target(name: "SculptTestNumerics", dependencies: ["SculptKernels"], path: "Tests/SculptTestNumerics"),
]

let kernelsOnly = Context.environment["EDGESCULPT_KERNELS_ONLY"] != nil

let package = Package(
    name: "EdgeSculpt",
    platforms: [.macOS(.v15)],
    products: kernelsOnly ? [] : [
        .executable(name: "sculpt", targets: ["sculpt"]),
        .executable(name: "sculptd", targets: ["sculptd"]),
    ],
    dependencies: kernelsOnly ? [] : [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: kernelTargets + (kernelsOnly ? [] : [
        .target(
            name: "SculptGraph",
            dependencies: [
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "OrderedCollections", package: "swift-collections"),
            ],
            exclude: ["ONNX/onnx.proto"]
        ),
        .target(
            name: "SculptData",
            dependencies: ["ZIPFoundation"]
        ),
        .target(
            name: "SculptRuntime",
            dependencies: ["SculptGraph", "SculptKernels"],
            swiftSettings: hostCPU
        ),
        .target(
            name: "SculptPatterns",
            dependencies: ["SculptGraph", "SculptKernels", "SculptRuntime", "SculptData"],
            swiftSettings: hostCPU
        ),
        .target(
            name: "SculptSearch",
            dependencies: ["SculptGraph", "SculptKernels", "SculptRuntime", "SculptPatterns", "SculptData", "SculptProfiles"]
        ),
        .target(
            name: "SculptProfiles",
            dependencies: [
                "SculptKernels", "SculptPatterns", "SculptRuntime", "COpenBLAS",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // The client of a remote daemon, apart so that the daemon does not link FoundationNetworking.
        .target(name: "SculptProfilesClient", dependencies: ["SculptProfiles"]),
        // The daemon: the only module that links Hummingbird (its build is slow).
        .executableTarget(
            name: "sculptd",
            dependencies: [
                "SculptProfiles",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "sculpt",
            dependencies: [
                "SculptGraph", "SculptData", "SculptRuntime", "SculptPatterns", "SculptProfiles", "SculptProfilesClient",
                "SculptSearch",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .executableTarget(
            name: "LoweringBenchmarks",
            dependencies: ["SculptGraph", "SculptPatterns"],
            path: "Benchmarks/LoweringBenchmarks"
        ),

        .executableTarget(
            name: "KernelBenchmarks",
            dependencies: ["SculptKernels"],
            path: "Benchmarks/KernelBenchmarks",
            swiftSettings: hostCPU
        ),

        .executableTarget(
            name: "PatternBenchmarks",
            dependencies: ["SculptKernels", "SculptPatterns", "SculptProfiles"],
            path: "Benchmarks/PatternBenchmarks",
            swiftSettings: hostCPU
        ),

        .testTarget(name: "SculptGraphTests", dependencies: ["SculptGraph", "SculptTestSupport"]),
        .testTarget(name: "SculptDataTests", dependencies: ["SculptData", "SculptTestSupport"]),
        .testTarget(
            name: "SculptRuntimeTests",
            dependencies: ["SculptRuntime", "SculptData", "SculptTestSupport"]
        ),
        .testTarget(
            name: "SculptPatternsTests",
            dependencies: ["SculptPatterns", "SculptRuntime", "SculptKernels", "SculptGraph", "SculptData", "SculptTestSupport"]
        ),
        .testTarget(
            name: "SculptSearchTests",
            dependencies: ["SculptSearch", "SculptProfiles", "SculptRuntime", "SculptKernels", "SculptPatterns", "SculptGraph", "SculptData", "SculptTestSupport"]
        ),
        .testTarget(
            name: "SculptProfilesTests",
            dependencies: ["SculptProfiles", "SculptTestSupport", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(name: "sculptdTests", dependencies: ["SculptProfiles", "SculptTestSupport"]),
        .testTarget(name: "sculptTests", dependencies: ["SculptTestSupport"]),
        .target(name: "SculptTestSupport", dependencies: ["SculptGraph", "SculptData", "SculptTestNumerics"],
                path: "Tests/SculptTestSupport"),
    ])
)
