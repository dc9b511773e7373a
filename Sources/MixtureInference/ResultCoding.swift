import Foundation
import Support

extension InferenceResult {
    /// A result as `infer` makes it.
    public init(categories: [CategoryShare], method: String, mergesUsed: Int, mergesMissing: Int, solver: SolverReport? = nil,
                fit: FitQuality? = nil, bootstrapResampling: BootstrapResampling? = nil, seconds: [String: Double] = [:]) {
        self.categories = categories
        self.method = method
        self.mergesUsed = mergesUsed
        self.mergesMissing = mergesMissing
        self.solver = solver
        self.fit = fit
        self.bootstrapResampling = bootstrapResampling
        self.seconds = seconds
    }

    enum CodingKeys: String, CodingKey {
        case categories, method, solver, fit, seconds, command, families
        case mergesUsed = "merges_used", mergesMissing = "merges_missing", bootstrapResampling = "bootstrap_resampling"
        case bootstrapSolves = "bootstrap_solves"
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        categories = try container.decode([CategoryShare].self, forKey: .categories)
        method = try container.decodeIfPresent(String.self, forKey: .method) ?? ""
        mergesUsed = try container.decodeIfPresent(Int.self, forKey: .mergesUsed) ?? 0
        mergesMissing = try container.decodeIfPresent(Int.self, forKey: .mergesMissing) ?? 0
        solver = try container.decodeIfPresent(SolverReport.self, forKey: .solver)
        fit = try container.decodeIfPresent(FitQuality.self, forKey: .fit)
        bootstrapResampling = try container.decodeIfPresent(BootstrapResampling.self, forKey: .bootstrapResampling)
        bootstrapSolves = try container.decodeIfPresent(BootstrapSolves.self, forKey: .bootstrapSolves)
        seconds = try container.decodeIfPresent([String: Double].self, forKey: .seconds) ?? [:]
        command = try container.decodeIfPresent(String.self, forKey: .command)
        families = try container.decodeIfPresent([String: [String]].self, forKey: .families)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(categories, forKey: .categories)
        try container.encode(method, forKey: .method)
        try container.encode(mergesUsed, forKey: .mergesUsed)
        try container.encode(mergesMissing, forKey: .mergesMissing)
        try container.encodeIfPresent(solver, forKey: .solver)
        try container.encodeIfPresent(fit, forKey: .fit)
        try container.encodeIfPresent(bootstrapResampling, forKey: .bootstrapResampling)
        try container.encodeIfPresent(bootstrapSolves, forKey: .bootstrapSolves)
        if encoder.includesTimings { try container.encode(seconds, forKey: .seconds) }
        try container.encodeIfPresent(command, forKey: .command)
        try container.encodeIfPresent(families, forKey: .families)
    }
}

extension SolverReport {
    enum CodingKeys: String, CodingKey {
        case rounds, objective, converged, optimal, method, gap
        case constraints = "constraints_added", pairSlackColumns = "pair_slack_columns", stepSlackColumns = "step_slack_columns"
        case simplexIterations = "simplex_iterations", stopReason = "stop_reason", relaxationViolatedSteps = "relaxation_violated_steps"
        /// The name `relaxation_violated_steps` had before it said what it counts; read from older results.
        case legacyRemainingViolations = "remaining_violations"
        case separationSeconds = "separation_seconds", lpSeconds = "lp_seconds", largestViolation = "largest_violation"
        case largestViolationAbsolute = "largest_violation_absolute", lowerBound = "lower_bound"
        case flowEvaluations = "flow_evaluations", flowSeconds = "flow_seconds"
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        rounds = try container.decodeIfPresent(Int.self, forKey: .rounds) ?? 0
        constraints = try container.decodeIfPresent(Int.self, forKey: .constraints) ?? 0
        pairSlackColumns = try container.decodeIfPresent(Int.self, forKey: .pairSlackColumns) ?? 0
        stepSlackColumns = try container.decodeIfPresent(Int.self, forKey: .stepSlackColumns) ?? 0
        objective = try container.decodeIfPresent(Double.self, forKey: .objective) ?? 0
        simplexIterations = try container.decodeIfPresent(Int.self, forKey: .simplexIterations) ?? 0
        converged = try container.decodeIfPresent(Bool.self, forKey: .optimal)
            ?? container.decodeIfPresent(Bool.self, forKey: .converged) ?? false
        stopReason = try container.decodeIfPresent(String.self, forKey: .stopReason) ?? ""
        relaxationViolatedSteps = try container.decodeIfPresent(Int.self, forKey: .relaxationViolatedSteps)
            ?? container.decodeIfPresent(Int.self, forKey: .legacyRemainingViolations) ?? 0
        separationSeconds = try container.decodeIfPresent(Double.self, forKey: .separationSeconds) ?? 0
        lpSeconds = try container.decodeIfPresent(Double.self, forKey: .lpSeconds) ?? 0
        largestViolation = try container.decodeIfPresent(Double.self, forKey: .largestViolation) ?? 0
        largestViolationAbsolute = try container.decodeIfPresent(Double.self, forKey: .largestViolationAbsolute) ?? 0
        // null: no bound was proven (-infinity) / no gap (+infinity).
        lowerBound = try container.decodeIfPresent(Double.self, forKey: .lowerBound) ?? -.infinity
        gap = try container.decodeIfPresent(Double.self, forKey: .gap) ?? .infinity
        method = try container.decodeIfPresent(String.self, forKey: .method) ?? ""
        flowEvaluations = try container.decodeIfPresent(Int.self, forKey: .flowEvaluations) ?? 0
        flowSeconds = try container.decodeIfPresent(Double.self, forKey: .flowSeconds) ?? 0
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(rounds, forKey: .rounds)
        try container.encode(constraints, forKey: .constraints)
        try container.encode(pairSlackColumns, forKey: .pairSlackColumns)
        try container.encode(stepSlackColumns, forKey: .stepSlackColumns)
        try container.encode(objective, forKey: .objective)
        try container.encode(simplexIterations, forKey: .simplexIterations)
        try container.encode(converged, forKey: .optimal)
        try container.encode(converged, forKey: .converged)
        try container.encode(stopReason, forKey: .stopReason)
        try container.encode(relaxationViolatedSteps, forKey: .relaxationViolatedSteps)
        try container.encode(largestViolation, forKey: .largestViolation)
        try container.encode(largestViolationAbsolute, forKey: .largestViolationAbsolute)
        if lowerBound.isFinite { try container.encode(lowerBound, forKey: .lowerBound) } else { try container.encodeNil(forKey: .lowerBound) }
        if gap.isFinite { try container.encode(gap, forKey: .gap) } else { try container.encodeNil(forKey: .gap) }
        try container.encode(method, forKey: .method)
        try container.encode(flowEvaluations, forKey: .flowEvaluations)
        if encoder.includesTimings {
            try container.encode(separationSeconds, forKey: .separationSeconds)
            try container.encode(lpSeconds, forKey: .lpSeconds)
            try container.encode(flowSeconds, forKey: .flowSeconds)
        }
    }
}

extension FitQuality {
    enum CodingKeys: String, CodingKey {
        case steps, histogram, profile, reliable
        case meanShortfall = "mean_shortfall", unexplainedShare = "unexplained_share"
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(steps: try container.decode(Int.self, forKey: .steps),
                  meanShortfall: try container.decode(Double.self, forKey: .meanShortfall),
                  unexplainedShare: try container.decode(Double.self, forKey: .unexplainedShare),
                  histogram: try container.decodeIfPresent([Int].self, forKey: .histogram) ?? [],
                  profile: try container.decodeIfPresent([Double].self, forKey: .profile) ?? [])
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(steps, forKey: .steps)
        try container.encode(meanShortfall, forKey: .meanShortfall)
        try container.encode(unexplainedShare, forKey: .unexplainedShare)
        try container.encode(isReliable, forKey: .reliable)
        try container.encode(histogram, forKey: .histogram)
        try container.encode(profile, forKey: .profile)
    }
}
