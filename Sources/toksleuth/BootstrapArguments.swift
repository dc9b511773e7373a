import ArgumentParser
import MixtureInference

/// The bootstrap options of `infer` and `plan infer`.
struct BootstrapArguments: ParsableArguments {
    @Option(name: .long, help: "Bootstrap replicates (resampled, pairs counted and the LP solved again) for an interval per category.")
    var bootstrap = 0

    @Option(name: .long, help: "What the bootstrap resamples: documents (of each category sample), steps (of the merge list) or both.")
    var bootstrapResampling = BootstrapResampling.both

    @Option(name: .long, help: "Variance of the tokenizer's training draw relative to the samples': the intervals widen by sqrt(1 + this) about the estimate (1: trained on as much text per category as the samples hold; 0: on far more).")
    var bootstrapTrainingNoise = 1.0

    @Option(name: .long, help: "Central probability of the bootstrap intervals.")
    var bootstrapLevel = 0.9

    func validate() throws {
        guard bootstrap >= 0 else { throw ValidationError("--bootstrap must not be negative") }
        guard bootstrapTrainingNoise >= 0 else { throw ValidationError("--bootstrap-training-noise must not be negative") }
        guard bootstrapLevel > 0, bootstrapLevel < 1 else { throw ValidationError("--bootstrap-level must be between 0 and 1") }
    }
}
