import Foundation

/// The plain-text forms of inference results (what `infer` prints without `--json`).
extension InferenceResult {
    /// One row per category (byte share, LP weight, interval and a bar), then the fit and the
    /// solver's certificate.
    public var table: String {
        let width = max(8, categories.map(\.name.count).max() ?? 8)
        var lines = ["method \(method), \(mergesUsed) merges (\(mergesMissing) absent from every sample)", ""]
        let hasWeights = categories.contains { $0.weight != nil }
        lines.append("category".padding(toLength: width, withPad: " ", startingAt: 0) + "    bytes" + (hasWeights ? "     pairs" : ""))
        for share in categories {
            let bar = String(repeating: "█", count: Int((share.proportion * 50).rounded()))
            let interval = share.interval.map { String(format: " [%6.2f, %6.2f]", $0[0] * 100, $0[1] * 100) } ?? ""
            let weight = share.weight.map { String(format: " %8.3f%%", $0 * 100) } ?? ""
            lines.append(share.name.padding(toLength: width, withPad: " ", startingAt: 0)
                         + String(format: " %7.3f%%", share.proportion * 100) + weight + interval + "  " + bar)
        }
        if hasWeights {
            lines.append("(bytes: share of training bytes; pairs: the LP weight in pair units, as the paper's table of published tokenizers)")
        }
        if let fit { lines += ["", fit.summary] }
        if let solver { lines += ["", solver.summary] }
        if let bootstrapSolves { lines.append("bootstrap: " + bootstrapSolves.description) }
        return lines.joined(separator: "\n")
    }
}

extension InferenceResult {
    /// The warnings a result carries for the user: an LP not solved to optimality, bootstrap
    /// replicates cut off before it.
    public var warnings: [String] {
        var warnings: [String] = []
        if let warning = solver?.notOptimalWarning { warnings.append(warning) }
        if let bootstrapSolves, !bootstrapSolves.allOptimal { warnings.append("warning: bootstrap: " + bootstrapSolves.description) }
        return warnings
    }
}

extension FitQuality {
    /// The fit in a line (two when it is not reliable).
    public var summary: String {
        var text = String(format: "fit: mean relative shortfall %.4f over %d steps; unexplained share (merges no category explains) %.1f%%",
                          meanShortfall, steps, unexplainedShare * 100)
        if !isReliable {
            text += String(format: "\nwarning: mean shortfall above %.1f: the samples cannot judge most merges (too small for this many merges, or unlike the training text); the unexplained share is not an estimate",
                           FitQuality.reliableMeanShortfall)
        }
        return text
    }
}

extension SolverReport {
    /// The solve and its certificate in a line.
    public var summary: String {
        String(format: "LP (%@): %d rounds, %d constraints added, objective %.10g, lower bound %.10g, gap %.2g, largest violation %.2g; %@ (separation %.2fs, GLPK %.2fs)",
               method, rounds, constraints, objective, lowerBound, gap, largestViolation,
               converged ? "OPTIMAL (proven)" : "NOT OPTIMAL: stopped by \(stopReason)", separationSeconds, lpSeconds)
    }

    /// The warning a solve that is not proven optimal carries (nil when it is).
    public var notOptimalWarning: String? {
        converged ? nil : String(format: "warning: the LP is NOT solved to optimality: stopped by %@ after %d rounds, relative gap %.3g to the proven lower bound; the proportions are those of the best feasible point found",
                                 stopReason, rounds, gap)
    }
}

extension RoundTrace {
    /// One line per round, as `--lp-trace` prints it.
    public var line: String {
        String(format: "round %d violated-steps %d max-violation %.3g added %d new-pairs %d deleted %d in-LP %d lp %.2fs iterations %d objective %.10g lower %.10g elapsed %.1fs",
               round, violatedSteps, largestViolation, added, newPairColumns, deleted, cutsInLP, lpSeconds, simplexIterations,
               objective, lowerBound, elapsed) + (flowValue.map { String(format: " flow %.10g", $0) } ?? "")
            + (flowSeconds.map { String(format: " flow-seconds %.2f/%.2f/%.2f", $0.network, $0.solver, $0.coverReplay) } ?? "")
    }
}
