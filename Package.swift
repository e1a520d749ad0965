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

let package = Package(
    name: "EdgeSculpt",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "sculpt", targets: ["sculpt"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        // C shims: the only C/C++ in the package.
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .target(name: "CThreadAffinity"),
        .target(
            name: "CArmadillo",
            linkerSettings: [.linkedLibrary("armadillo"), .linkedLibrary("m")]
        ),

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
            name: "SculptKernels",
            dependencies: ["COpenBLAS", "CArmadillo", "CThreadAffinity"],
            swiftSettings: hostCPU
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
            name: "SculptProfiles",
            dependencies: ["SculptKernels", "SculptPatterns"]
        ),
        .executableTarget(
            name: "sculpt",
            dependencies: [
                "SculptGraph", "SculptData", "SculptRuntime", "SculptPatterns", "SculptProfiles",
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

        .testTarget(name: "SculptGraphTests", dependencies: ["SculptGraph", "SculptTestSupport"]),
        .testTarget(name: "SculptDataTests", dependencies: ["SculptData"]),
        .testTarget(name: "SculptKernelsTests", dependencies: ["SculptKernels", "SculptTestSupport"], swiftSettings: hostCPU),
        .testTarget(
            name: "SculptRuntimeTests",
            dependencies: ["SculptRuntime", "SculptData", "SculptTestSupport"]
        ),
        .testTarget(name: "SculptPatternsTests", dependencies: ["SculptPatterns", "SculptTestSupport"], swiftSettings: hostCPU),
        .testTarget(name: "SculptProfilesTests", dependencies: ["SculptProfiles"]),
        .testTarget(name: "sculptTests", dependencies: ["SculptTestSupport"]),
        .target(name: "SculptTestSupport", dependencies: ["SculptGraph", "SculptData"], path: "Tests/SculptTestSupport"),
    ]
)
