import Foundation
import Support

/// What an experiment measured (`experiment --json`): per method the mean and standard
/// deviation of log10 MSE over the trials, the bootstrap intervals' coverage, the withhold
/// summary, and every trial.
public struct ExperimentReport: Codable, Sendable {
    /// One method's accuracy over the trials.
    public struct MethodRow: Codable, Sendable {
        public var method: String
        public var mean: Double
        public var sd: Double
        public var failed: Int
    }

    /// How often the attack's bootstrap intervals of one resampling contain the truth.
    public struct Coverage: Codable, Sendable {
        public var resampling: String
        public var inside: Int
        public var total: Int
        public var width: Double
    }

    public var rows: [MethodRow] = []
    public var coverage: [Coverage] = []
    public var withhold: WithholdSummary?
    /// How the LPs of every trial's bootstrap replicates ended (nil without a bootstrap).
    public var bootstrapSolves: BootstrapSolves?
    public var trials: [TrialResult]

    /// Summarises `results` for `methods`.
    public init(results: [TrialResult], methods: [InferenceMethod]) {
        trials = results
        for method in methods {
            let logs = results.compactMap { $0.mse[method.rawValue] }.map { log10(max($0, 1e-300)) }
            guard !logs.isEmpty else { continue }
            let mean = logs.reduce(0, +) / Double(logs.count)
            let variance = logs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(logs.count)
            rows.append(MethodRow(method: method.rawValue, mean: mean, sd: variance.squareRoot(),
                                  failed: results.filter { $0.failures[method.rawValue] != nil }.count))
        }
        coverage = ExperimentReport.coverages(results).map { Coverage(resampling: $0.resampling, inside: $0.inside, total: $0.total, width: $0.width) }
        withhold = WithholdSummary(results)
        let perTrial = results.compactMap(\.bootstrapSolves)
        bootstrapSolves = perTrial.isEmpty ? nil : BootstrapSolves(merging: perTrial)
    }

    /// Per resampling, how many true proportions fall inside the attack's bootstrap intervals,
    /// of how many, and the intervals' mean width.
    static func coverages(_ results: [TrialResult]) -> [(resampling: String, inside: Int, total: Int, width: Double)] {
        let names = Set(results.flatMap { $0.intervalsByResampling?.keys.map { $0 } ?? [] })
        return BootstrapResampling.allCases.map(\.rawValue).filter(names.contains).compactMap { name in
            coverage(results.map { $0.intervalsByResampling?[name] }, truths: results.map(\.truth)).map { (name, $0.0, $0.1, $0.2) }
        }
    }

    static func coverage(_ intervalSets: [[[Double]]?], truths: [[Double]]) -> (Int, Int, Double)? {
        var inside = 0, total = 0, width = 0.0
        for (intervals, truth) in zip(intervalSets, truths) {
            guard let intervals else { continue }
            for (truth, interval) in zip(truth, intervals) {
                total += 1
                if truth >= interval[0] && truth <= interval[1] { inside += 1 }
                width += interval[1] - interval[0]
            }
        }
        return total > 0 ? (inside, total, width / Double(total)) : nil
    }

    /// The plain-text table `experiment` prints.
    public func table(config: ExperimentConfig) -> String {
        let results = trials
        var out = "\(results.count) trials, n = \(config.categoriesPerTrial), T = \(config.merges), \(config.trainBytes) training bytes"
        out += config.sameData ? ", counted on the training text\n\n" : ", samples of \(config.sampleBytes) bytes\n\n"
        out += "method   mean log10 MSE   sd\n"
        for row in rows {
            out += row.method.padding(toLength: 9, withPad: " ", startingAt: 0)
            out += String(format: "%14.2f %6.2f", row.mean, row.sd)
            out += row.failed > 0 ? "   (\(row.failed) trials failed: see --json)\n" : "\n"
        }
        var stages: [String: Double] = [:]
        for result in results { for (stage, seconds) in result.seconds { stages[stage, default: 0] += seconds } }
        out += "\nseconds per trial: " + stages.sorted { $0.key < $1.key }
            .map { String(format: "%@ %.2f", $0.key, $0.value / Double(max(results.count, 1))) }.joined(separator: ", ")
        for row in coverage {
            out += String(format: "\nbootstrap %.0f%% intervals of the attack, resampling %@: %d of %d true proportions inside (%.0f%%), mean width %.4f",
                          100 * config.bootstrapLevel, row.resampling, row.inside, row.total, 100 * Double(row.inside) / Double(row.total), row.width)
        }
        if let bootstrapSolves {
            out += "\nbootstrap LPs: " + bootstrapSolves.description
            if !bootstrapSolves.allOptimal { out += "\nwarning: some bootstrap replicates were cut off before optimality: their intervals and coverage are not those of optima" }
        }
        if let withhold { out += "\n\n" + withhold.table(results) }
        let solves = results.compactMap(\.solver)
        if !solves.isEmpty {
            let optimal = solves.filter(\.converged).count
            let reasons = Dictionary(grouping: solves, by: \.stopReason).map { "\($0.key) \($0.value.count)" }.sorted().joined(separator: ", ")
            out += String(format: "\nLP: %.1f rounds, %.0f constraints per trial on average; %d of %d solved to proven optimality (stop reasons: %@; largest gap %.2g, largest violation %.2g)",
                          Double(solves.map(\.rounds).reduce(0, +)) / Double(solves.count),
                          Double(solves.map(\.constraints).reduce(0, +)) / Double(solves.count), optimal, solves.count,
                          reasons, solves.map(\.gap).max() ?? 0, solves.map(\.largestViolation).max() ?? 0)
            if optimal < solves.count {
                let reasons = Set(solves.filter { !$0.converged }.map(\.stopReason)).sorted().joined(separator: ", ")
                out += "\nwarning: \(solves.count - optimal) LP solves stopped before optimality (\(reasons)): their estimates are not optima"
            }
        }
        return out
    }
}

/// What `experiment --withhold` measures: how the fit figure and the unexplained-share estimate
/// move with the withheld share.
public struct WithholdSummary: Codable, Sendable {
    public var runs: Int
    /// Mean absolute error of the unexplained-share estimate on the withheld runs, and on the
    /// complete runs (where the truth is 0).
    public var estimateError: Double
    public var completeEstimateError: Double
    /// AUC of the mean shortfall (and of the unexplained-share estimate) at telling withheld runs
    /// from complete ones.
    public var fitAUC: Double
    public var shareAUC: Double
    /// Mean log10 MSE of the kept categories' estimates against their renormalised truth.
    public var keptLogMSE: Double

    enum CodingKeys: String, CodingKey {
        case runs
        case estimateError = "unexplained_share_mae", completeEstimateError = "unexplained_share_mae_complete"
        case fitAUC = "fit_auc", shareAUC = "unexplained_share_auc", keptLogMSE = "mean_log10_mse_kept"
    }

    init?(_ results: [TrialResult]) {
        let pairs = results.compactMap { result in result.fit.flatMap { fit in result.withheld.map { (fit, $0) } } }
        guard !pairs.isEmpty else { return nil }
        runs = pairs.count
        estimateError = pairs.map { abs($0.1.fit.unexplainedShare - $0.1.share) }.reduce(0, +) / Double(runs)
        completeEstimateError = pairs.map { $0.0.unexplainedShare }.reduce(0, +) / Double(runs)
        let labels = pairs.map { _ in false } + pairs.map { _ in true }
        fitAUC = Statistics.auc(scores: pairs.map(\.0.meanShortfall) + pairs.map(\.1.fit.meanShortfall), labels: labels)
        shareAUC = Statistics.auc(scores: pairs.map(\.0.unexplainedShare) + pairs.map(\.1.fit.unexplainedShare), labels: labels)
        keptLogMSE = pairs.map { log10(max($0.1.mse, 1e-300)) }.reduce(0, +) / Double(runs)
    }

    /// The withhold part of the plain-text table.
    func table(_ results: [TrialResult]) -> String {
        var out = "withheld categories: per trial, complete run | withheld run\n"
        out += "trial  withheld             share  | shortfall  unexplained | shortfall  unexplained\n"
        for result in results {
            guard let fit = result.fit, let withheld = result.withheld else { continue }
            out += String(format: "%5d  %@ %6.3f  | %9.4f  %11.3f | %9.4f  %11.3f\n", result.trial,
                          withheld.categories.joined(separator: ",").padding(toLength: 20, withPad: " ", startingAt: 0),
                          withheld.share, fit.meanShortfall, fit.unexplainedShare, withheld.fit.meanShortfall, withheld.fit.unexplainedShare)
        }
        out += String(format: "unexplained-share estimate: mean absolute error %.3f on withheld runs, %.3f on complete runs (truth 0)\n",
                      estimateError, completeEstimateError)
        out += String(format: "AUC at telling withheld runs from complete ones: mean shortfall %.3f, unexplained share %.3f\n",
                      fitAUC, shareAUC)
        out += String(format: "kept categories (renormalised truth): mean log10 MSE %.2f", keptLogMSE)
        return out
    }
}


extension ExperimentReport {
    /// The summary object's keys: a method's name, or one of these.
    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
    private struct MethodFigures: Codable {
        var mean: Double, sd: Double, failed: Int
        enum CodingKeys: String, CodingKey { case mean = "mean_log10_mse", sd, failed = "failed_trials" }
    }
    private struct CoverageFigures: Codable {
        var inside: Int, total: Int, fraction: Double, width: Double
        enum CodingKeys: String, CodingKey { case inside, total, fraction, width = "mean_width" }
    }
    enum CodingKeys: String, CodingKey { case summary, trials }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        var summary = container.nestedContainer(keyedBy: Key.self, forKey: .summary)
        for row in rows { try summary.encode(MethodFigures(mean: row.mean, sd: row.sd, failed: row.failed), forKey: Key(row.method)) }
        if !coverage.isEmpty {
            var nested = summary.nestedContainer(keyedBy: Key.self, forKey: Key("bootstrap_coverage"))
            for row in coverage {
                try nested.encode(CoverageFigures(inside: row.inside, total: row.total, fraction: Double(row.inside) / Double(row.total), width: row.width),
                                  forKey: Key(row.resampling))
            }
        }
        try summary.encodeIfPresent(withhold, forKey: Key("withhold"))
        try summary.encodeIfPresent(bootstrapSolves, forKey: Key("bootstrap_solves"))
        try container.encode(trials, forKey: .trials)
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        trials = try container.decode([TrialResult].self, forKey: .trials)
        let summary = try container.nestedContainer(keyedBy: Key.self, forKey: .summary)
        for key in summary.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) {
            switch key.stringValue {
            case "withhold": withhold = try summary.decode(WithholdSummary.self, forKey: key)
            case "bootstrap_solves": bootstrapSolves = try summary.decode(BootstrapSolves.self, forKey: key)
            case "bootstrap_coverage":
                let nested = try summary.nestedContainer(keyedBy: Key.self, forKey: key)
                coverage = try nested.allKeys.sorted { $0.stringValue < $1.stringValue }.map { name in
                    let figures = try nested.decode(CoverageFigures.self, forKey: name)
                    return Coverage(resampling: name.stringValue, inside: figures.inside, total: figures.total, width: figures.width)
                }
            default:
                let figures = try summary.decode(MethodFigures.self, forKey: key)
                rows.append(MethodRow(method: key.stringValue, mean: figures.mean, sd: figures.sd, failed: figures.failed))
            }
        }
    }
}

/// `demo --json`: the hidden mixture, every method's estimate and its log10 MSE.
public struct DemoSummary: Codable, Sendable {
    public var categories: [String]
    public var truth: [Double]
    public var estimates: [String: [Double]]
    public var log10MSE: [String: Double]
    /// Wall-clock seconds: nil unless asked for (`--timings`).
    public var seconds: Double?

    /// The summary of the demo's trial.
    public init(_ trial: TrialResult, seconds: Double?) {
        categories = trial.categories
        truth = trial.truth
        estimates = trial.estimates
        log10MSE = trial.mse.mapValues { log10($0) }
        self.seconds = seconds
    }

    enum CodingKeys: String, CodingKey { case categories, truth, estimates, seconds, log10MSE = "log10_mse" }
}

extension DemoSummary {
    /// The methods in the order the demo shows them.
    static let methods = ["attack", "tee", "tc", "random"]

    /// The table `demo` prints: truth and every method's estimate per category, each method's
    /// log10 MSE, and whether the LP (`solver`) was proven optimal.
    public func table(solver: SolverReport?) -> String {
        let methods = DemoSummary.methods
        var lines = ["category      true   " + methods.map { $0.padding(toLength: 9, withPad: " ", startingAt: 0) }.joined()]
        for (index, name) in categories.enumerated() {
            var line = name.padding(toLength: 9, withPad: " ", startingAt: 0) + String(format: "%8.1f%%  ", truth[index] * 100)
            for method in methods { line += String(format: "%6.1f%%  ", (estimates[method]?[index] ?? .nan) * 100) }
            lines.append(line)
        }
        lines.append("\nlog10 MSE  " + methods.map { String(format: "%@ %.2f", $0, log10MSE[$0] ?? .nan) }.joined(separator: "   "))
        if let solver {
            lines.append(solver.converged ? String(format: "LP: proven optimal (%d rounds, gap %.1g)", solver.rounds, solver.gap)
                                          : "LP: NOT optimal (stopped by \(solver.stopReason))")
        }
        return lines.joined(separator: "\n")
    }
}
