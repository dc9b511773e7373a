// swift-tools-version:6.0
import PackageDescription

// Data flows one way: Corpora (text) -> Pretokenization -> BPE (train, encode, pair-count traces)
// -> TokenizerFormats (read / write every format) -> MixtureInference (counts -> LP -> result)
// -> Reports; beside it LanguageModel -> Membership, and ProxyRuns (retrain on a mixture).
// `toksleuth` is the command line over these libraries.
let package = Package(
    name: "toksleuth",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "toksleuth", targets: ["toksleuth"]),
        .library(name: "Pretokenization", targets: ["Pretokenization"]),
        .library(name: "BPE", targets: ["BPE"]),
        .library(name: "TokenizerFormats", targets: ["TokenizerFormats"]),
        .library(name: "Corpora", targets: ["Corpora"]),
        .library(name: "MixtureInference", targets: ["MixtureInference"]),
        .library(name: "LanguageModel", targets: ["LanguageModel"]),
        .library(name: "Membership", targets: ["Membership"]),
        .library(name: "ProxyRuns", targets: ["ProxyRuns"]),
        .library(name: "Reports", targets: ["Reports"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        // SentencePiece model files are protobuf; the generated code is committed
        // (scripts/generate-protobuf.sh), so the plugin is never built here.
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        // ICU stays behind a C target whose header exposes only <stdint.h> types: Foundation
        // bundles its own ICU with the same C type names (see PLATFORM-NOTES).
        .target(
            name: "CICUShim",
            linkerSettings: [.linkedLibrary("icui18n"), .linkedLibrary("icuuc"), .linkedLibrary("icudata")]
        ),
        .systemLibrary(name: "CGLPK", providers: [.apt(["libglpk-dev"])]),
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "Pretokenization", dependencies: ["CICUShim"]),
        .target(
            name: "BPE",
            dependencies: ["Pretokenization", .product(name: "Collections", package: "swift-collections")]
        ),
        .target(name: "Corpora", dependencies: ["CZlib"]),
        .target(
            name: "TokenizerFormats",
            dependencies: ["BPE", "Pretokenization", "Corpora", .product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),
        .target(
            name: "MixtureInference",
            dependencies: [
                "BPE", "Pretokenization", "Corpora", "TokenizerFormats", "CGLPK",
                .product(name: "Collections", package: "swift-collections"),
            ]
        ),
        // Membership detection: a proxy n-gram model over token ids, the detectors and their metrics.
        .target(name: "LanguageModel", dependencies: ["Corpora"]),
        .target(name: "Membership", dependencies: ["LanguageModel", "TokenizerFormats", "BPE", "Corpora", "CZlib"]),
        // Proxy runs: retrain tokenizers and proxy models on a mixture to test it (validate, regmix).
        .target(
            name: "ProxyRuns",
            dependencies: ["BPE", "Pretokenization", "TokenizerFormats", "Corpora", "MixtureInference", "LanguageModel", "Membership"]
        ),
        // Reports: self-contained HTML (inline SVG) and Markdown from results.
        .target(name: "Reports", dependencies: ["Corpora", "MixtureInference", "ProxyRuns"]),
        .executableTarget(
            name: "toksleuth",
            dependencies: [
                "BPE", "Pretokenization", "TokenizerFormats", "Corpora", "MixtureInference", "LanguageModel", "Membership", "ProxyRuns", "Reports",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "toksleuth-bench",
            dependencies: ["BPE", "Pretokenization", "TokenizerFormats"],
            path: "Benchmarks/ToksleuthBench"
        ),
        .target(name: "TestSupport", dependencies: ["MixtureInference", "Corpora"], path: "Tests/TestSupport"),
        .testTarget(name: "PretokenizationTests", dependencies: ["Pretokenization", "TestSupport"]),
        .testTarget(name: "BPETests", dependencies: ["BPE", "Pretokenization", "TokenizerFormats", "Corpora", "TestSupport"]),
        .testTarget(name: "TokenizerFormatsTests", dependencies: ["TokenizerFormats", "BPE", "Pretokenization", "Corpora", "TestSupport"]),
        .testTarget(name: "CorporaTests", dependencies: ["Corpora", "TestSupport"]),
        .testTarget(name: "MixtureInferenceTests", dependencies: ["MixtureInference", "BPE", "Corpora", "Pretokenization", "TokenizerFormats", "TestSupport"]),
        .testTarget(name: "MembershipTests", dependencies: ["Membership", "LanguageModel", "TokenizerFormats", "Corpora", "TestSupport"]),
        .testTarget(name: "ProxyRunsTests", dependencies: ["ProxyRuns", "MixtureInference", "TokenizerFormats", "Corpora", "TestSupport"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "MixtureInference", "Corpora", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["toksleuth", "TestSupport"]),
    ]
)
