import Foundation

/// Solver options travel in work plans (`plan infer` writes them, every unit and `gather`
/// solve with them), in the snake_case keys of the rest of the JSON. The diagnostic MPS dump
/// stays out: it names a file on the planning machine.
extension SolverOptions: Codable {
    enum CodingKeys: String, CodingKey {
        case method, form, scale, tolerance
        case pairsPerStep = "pairs_per_step", linksPerNode = "links_per_node", fullTree = "full_tree"
        case maxCutsPerPair = "max_cuts_per_pair", maxRowsPerRound = "max_rows_per_round", cutAge = "cut_age"
        case gapTolerance = "gap_tolerance", oracleRepeats = "oracle_repeats", crossoverGap = "crossover_gap"
        case stabilization, flowInterval = "flow_interval", flowStart = "flow_start", tailGap = "tail_gap", tailAfterFlows = "tail_after_flows"
        case flowPrefersHeldEdges = "flow_prefers_held_edges", flowAtSolution = "flow_at_solution"
        case maxRounds = "max_rounds", timeLimit = "time_limit"
        case stabilityTolerance = "stability_tolerance", stabilityWindow = "stability_window"
    }

    /// Missing keys keep their defaults, so a plan written before an option existed still reads.
    public init(from decoder: Decoder) throws {
        self.init()
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func read<T: Decodable>(_ key: CodingKeys, into value: inout T) throws {
            if let found = try container.decodeIfPresent(T.self, forKey: key) { value = found }
        }
        try read(.method, into: &method)
        try read(.form, into: &form)
        try read(.scale, into: &scale)
        try read(.tolerance, into: &tolerance)
        try read(.pairsPerStep, into: &pairsPerStep)
        try read(.linksPerNode, into: &linksPerNode)
        try read(.fullTree, into: &fullTree)
        try read(.maxCutsPerPair, into: &maxCutsPerPair)
        try read(.maxRowsPerRound, into: &maxRowsPerRound)
        cutAge = try container.decodeIfPresent(Int.self, forKey: .cutAge) ?? cutAge
        if cutAge.map({ $0 < 0 }) ?? false { cutAge = nil }
        try read(.gapTolerance, into: &gapTolerance)
        try read(.oracleRepeats, into: &oracleRepeats)
        try read(.crossoverGap, into: &crossoverGap)
        try read(.stabilization, into: &stabilization)
        try read(.flowInterval, into: &flowInterval)
        try read(.flowStart, into: &flowStart)
        try read(.tailGap, into: &tailGap)
        try read(.tailAfterFlows, into: &tailAfterFlows)
        try read(.flowPrefersHeldEdges, into: &flowPrefersHeldEdges)
        try read(.flowAtSolution, into: &flowAtSolution)
        try read(.maxRounds, into: &maxRounds)
        timeLimit = try container.decodeIfPresent(Double.self, forKey: .timeLimit)
        try read(.stabilityTolerance, into: &stabilityTolerance)
        try read(.stabilityWindow, into: &stabilityWindow)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(method, forKey: .method)
        try container.encode(form, forKey: .form)
        try container.encode(scale, forKey: .scale)
        try container.encode(tolerance, forKey: .tolerance)
        try container.encode(pairsPerStep, forKey: .pairsPerStep)
        try container.encode(linksPerNode, forKey: .linksPerNode)
        try container.encode(fullTree, forKey: .fullTree)
        try container.encode(maxCutsPerPair, forKey: .maxCutsPerPair)
        try container.encode(maxRowsPerRound, forKey: .maxRowsPerRound)
        try container.encode(cutAge ?? -1, forKey: .cutAge)
        try container.encode(gapTolerance, forKey: .gapTolerance)
        try container.encode(oracleRepeats, forKey: .oracleRepeats)
        try container.encode(crossoverGap, forKey: .crossoverGap)
        try container.encode(stabilization, forKey: .stabilization)
        try container.encode(flowInterval, forKey: .flowInterval)
        try container.encode(flowStart, forKey: .flowStart)
        try container.encode(tailGap, forKey: .tailGap)
        try container.encode(tailAfterFlows, forKey: .tailAfterFlows)
        try container.encode(flowPrefersHeldEdges, forKey: .flowPrefersHeldEdges)
        try container.encode(flowAtSolution, forKey: .flowAtSolution)
        try container.encode(maxRounds, forKey: .maxRounds)
        try container.encodeIfPresent(timeLimit, forKey: .timeLimit)
        try container.encode(stabilityTolerance, forKey: .stabilityTolerance)
        try container.encode(stabilityWindow, forKey: .stabilityWindow)
    }
}

extension SolverOptions.Method: Codable {}
extension LPForm: Codable {}
