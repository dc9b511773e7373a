// swift-tools-version:6.0
import PackageDescription

// Support (parallel map, fingerprints, seeded random, statistics, ordered JSON, atomic writes,
// the input error) sits under everything. Data flows one way: Pretokenization -> BPE (train,
// encode, pair-count traces) -> TokenizerFormats (read / write every format); with Corpora (text)
// -> MixtureInference (counts -> LP -> result) -> Reports; beside it LanguageModel -> Membership,
// and ProxyRuns (retrain on a mixture). `toksleuth` is the command line over these libraries.
let package = Package(
    name: "toksleuth",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "toksleuth", targets: ["toksleuth"]),
        .library(name: "Support", targets: ["Support"]),
        .library(name: "Pretokenization", targets: ["Pretokenization"]),
        .library(name: "BPE", targets: ["BPE"]),
        .library(name: "TokenizerFormats", targets: ["TokenizerFormats"]),
        .library(name: "Corpora", targets: ["Corpora"]),
        .library(name: "MixtureInference", targets: ["MixtureInference"]),
        .library(name: "LanguageModel", targets: ["LanguageModel"]),
        .library(name: "Membership", targets: ["Membership"]),
        .library(name: "CausalLM", targets: ["CausalLM"]),
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
        // LEMON's minimum-cost flow (header-only, liblemon-dev) behind a C entry point.
        .target(name: "CMinCostFlow"),
        .target(name: "Support"),
        .target(name: "Pretokenization", dependencies: ["Support", "CICUShim"]),
        .target(
            name: "BPE",
            dependencies: ["Support", "Pretokenization", .product(name: "Collections", package: "swift-collections")]
        ),
        .target(name: "Corpora", dependencies: ["Support", "CZlib"]),
        .target(
            name: "TokenizerFormats",
            dependencies: ["Support", "BPE", "Pretokenization", .product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),
        .target(
            name: "MixtureInference",
            dependencies: [
                "Support", "BPE", "Pretokenization", "Corpora", "TokenizerFormats", "CGLPK", "CMinCostFlow",
                .product(name: "Collections", package: "swift-collections"),
            ]
        ),
        // Membership detection: a proxy n-gram model over token ids, the detectors and their metrics.
        .target(name: "LanguageModel", dependencies: ["Support"]),
        .target(name: "Membership", dependencies: ["Support", "LanguageModel", "TokenizerFormats", "Corpora", "CZlib"]),
        // Real language models: GGUF causal LMs scored through llama.cpp, loaded at run time
        // (scripts/build-llama-cpp builds it once per machine; without it everything else works).
        .target(name: "CausalLM", dependencies: ["Support", "BPE", "TokenizerFormats", "Membership"]),
        // Proxy runs: retrain tokenizers and proxy models on a mixture to test it (validate, regmix).
        .target(
            name: "ProxyRuns",
            dependencies: ["Support", "BPE", "Pretokenization", "TokenizerFormats", "Corpora", "MixtureInference", "LanguageModel"]
        ),
        // Work units: a job cut into units for a cluster's scheduler (Slurm arrays, Kubernetes indexed jobs).
        .target(name: "WorkUnits", dependencies: ["Support", "Corpora", "Pretokenization", "TokenizerFormats", "MixtureInference"]),
        // Reports: self-contained HTML (inline SVG) and Markdown from results.
        .target(name: "Reports", dependencies: ["Support", "TokenizerFormats", "MixtureInference", "Membership", "ProxyRuns"]),
        .executableTarget(
            name: "toksleuth",
            dependencies: [
                "Support", "BPE", "Pretokenization", "TokenizerFormats", "Corpora", "MixtureInference", "LanguageModel", "Membership", "CausalLM", "ProxyRuns", "Reports", "WorkUnits",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Fuzz targets over every reader (scripts/fuzz builds them with libFuzzer and ASan; a
        // normal build replays files through them).
        .executableTarget(
            name: "toksleuth-fuzz",
            dependencies: ["Support", "TokenizerFormats", "Corpora", "LanguageModel", "Membership", "MixtureInference", "WorkUnits"],
            path: "Fuzz/ToksleuthFuzz"
        ),
        .executableTarget(
            name: "toksleuth-bench",
            dependencies: ["Support", "BPE", "Pretokenization", "TokenizerFormats"],
            path: "Benchmarks/ToksleuthBench"
        ),
        .target(name: "TestSupport", dependencies: ["Support", "MixtureInference", "Corpora"], path: "Tests/TestSupport"),
        .testTarget(name: "PretokenizationTests", dependencies: ["Support", "Pretokenization", "TestSupport"]),
        .testTarget(name: "BPETests", dependencies: ["Support", "BPE", "Pretokenization", "TokenizerFormats", "Corpora", "TestSupport"]),
        .testTarget(name: "TokenizerFormatsTests", dependencies: ["Support", "TokenizerFormats", "BPE", "Pretokenization", "Corpora", "TestSupport"]),
        .testTarget(name: "CorporaTests", dependencies: ["Support", "Corpora", "TestSupport"]),
        .testTarget(name: "MixtureInferenceTests", dependencies: ["Support", "MixtureInference", "BPE", "Corpora", "Pretokenization", "TokenizerFormats", "TestSupport"]),
        .testTarget(name: "MembershipTests", dependencies: ["Support", "Membership", "LanguageModel", "TokenizerFormats", "Corpora", "TestSupport"]),
        .testTarget(name: "CausalLMTests", dependencies: ["Support", "CausalLM", "Membership", "TestSupport"]),
        .testTarget(name: "ProxyRunsTests", dependencies: ["Support", "ProxyRuns", "MixtureInference", "TokenizerFormats", "Corpora", "TestSupport"]),
        .testTarget(name: "ReportsTests", dependencies: ["Support", "Reports", "MixtureInference", "Membership", "ProxyRuns", "TokenizerFormats", "Corpora", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["toksleuth", "Support", "Pretokenization", "TestSupport"]),
    ]
)
