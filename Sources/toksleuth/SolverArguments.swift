import ArgumentParser
import MixtureInference

/// Options of the LP solve shared by `infer` and `experiment`.
struct SolverArguments: ParsableArguments {
    @Option(name: .long, help: "Heuristic early stop (opt-in, labelled in the output): stop when no proportion moved more than this over the last 5 LP rounds (0: solve to proven optimality).")
    var lpStability: Double = 0

    @Option(name: .long, help: "LP algorithm: row-generation (the whole LP, the paper's method), decomposition (in the weights, an exact matching per query, finished by row generation) or intervals (row generation on the interval form: one row per run of a pair over a segment-tree node).")
    var lpMethod: String = SolverOptions().method.rawValue

    @Option(name: .long, help: "Optimal when the relative gap between the best feasible point and the proven lower bound is at most this.")
    var lpGap: Double = SolverOptions().gapTolerance

    @Option(name: .long, help: "Violated constraints taken per merge step and round (the most violated pairs).")
    var lpPairsPerStep: Int = SolverOptions().pairsPerStep

    @Option(name: .long, help: "Constraints of one pair taken per round at most (its most violated steps).")
    var lpCutsPerPair: Int = SolverOptions().maxCutsPerPair

    @Option(name: .long, help: "Delete a constraint after it has not bound for more than this many rounds in a row (-1: never).")
    var lpCutAge: Int = SolverOptions().cutAge ?? -1

    @Option(name: .long, help: "In-out stabilisation: look for violated constraints at this share of the best feasible point plus the rest of the relaxation's solution (0: at the solution itself).")
    var lpStabilization: Double = SolverOptions().stabilization

    @Flag(name: .long, help: "Print one line per LP round on standard error (diagnosis).")
    var lpTrace = false

    @Option(name: .long, help: "Write the restricted LP of round --lp-write-mps-round to this MPS file (diagnosis: solve it with another solver).")
    var lpWriteMps: String?

    @Option(name: .long, help: "The round whose restricted LP --lp-write-mps writes.")
    var lpWriteMpsRound = 10

    @Option(name: .long, help: "At most this many LP rounds (a solve stopped here is labelled, not optimal).")
    var lpMaxRounds: Int = SolverOptions().maxRounds

    @Option(name: .long, help: "LP form GLPK solves: primal (dual simplex) or dual (primal simplex).")
    var lpForm: String = "dual"

    @Option(name: .long, help: "Stop the LP after the round that passes this many seconds (default: no limit).")
    var lpTimeLimit: Double?

    @Option(name: .long, help: "At most this many violated constraints (the most violated) join the LP per round.")
    var lpRowsPerRound: Int = SolverOptions().maxRowsPerRound

    @Option(name: .long, help: "Interval form: most links from one node to the levels of its range added per round.")
    var lpLinksPerNode: Int = SolverOptions().linksPerNode

    @Flag(name: .long, help: "Interval form: put the whole segment tree in the LP from the start.")
    var lpFullTree = false

    @Option(name: .long, help: "Row generation: solve the slack problem whole (a minimum-cost flow, where --lp-flow-at says) every this many rounds, from round 5 (0: never): its cover is a feasible point, its matched edges join the LP.")
    var lpFlowEvery: Int = SolverOptions().flowInterval

    @Option(name: .long, help: "Row generation: once the relative gap is below this, every round solves the slack flow at the restricted LP's own weights, whose cover closes the gap as soon as those weights are optimal (0: never).")
    var lpTailGap: Double = SolverOptions().tailGap

    @Option(name: .long, help: "Row generation: the tail (a slack flow every round) also starts after this many flow rounds, whatever the gap (0: only --lp-tail-gap starts it).")
    var lpTailAfterFlows: Int = SolverOptions().tailAfterFlows

    @Option(name: .long, help: "Row generation: which of the slack flow's optimal matchings joins the LP: held (one using as many constraints the LP already holds as any does, so fewer new ones) or any.")
    var lpFlowMatching: String = SolverOptions().flowPrefersHeldEdges ? "held" : "any"

    @Option(name: .long, help: "Row generation: where the slack flow runs before the tail: query (the in-out point between the restricted LP's solution and the best feasible point) or solution (the restricted LP's own weights).")
    var lpFlowAt: String = SolverOptions().flowAtSolution ? "solution" : "query"

    var options: SolverOptions {
        var options = SolverOptions()
        options.form = LPForm(rawValue: lpForm) ?? .dual
        options.stabilityTolerance = lpStability
        options.maxRounds = lpMaxRounds
        options.maxRowsPerRound = lpRowsPerRound
        options.timeLimit = lpTimeLimit
        options.method = SolverOptions.Method(rawValue: lpMethod) ?? .rowGeneration
        options.mps = lpWriteMps.map { SolverOptions.MPSDump(path: $0, round: lpWriteMpsRound) }
        options.gapTolerance = lpGap
        options.pairsPerStep = lpPairsPerStep
        options.maxCutsPerPair = lpCutsPerPair
        options.cutAge = lpCutAge < 0 ? nil : lpCutAge
        options.stabilization = lpStabilization
        options.linksPerNode = lpLinksPerNode
        options.fullTree = lpFullTree
        options.flowInterval = lpFlowEvery
        options.tailGap = lpTailGap
        options.tailAfterFlows = lpTailAfterFlows
        options.flowPrefersHeldEdges = lpFlowMatching == "held"
        options.flowAtSolution = lpFlowAt == "solution"
        return options
    }

    /// Refuses `--lp-trace` and `--lp-write-mps` where they cannot be honoured: only `infer`
    /// solves one LP here. `reason` says why, after the colon.
    func refuseSingleSolveDiagnostics(_ reason: String) throws {
        guard !lpTrace, lpWriteMps == nil else { throw ValidationError("--lp-trace and --lp-write-mps are for infer: \(reason)") }
    }

    func validate() throws {
        guard lpStability >= 0 else { throw ValidationError("--lp-stability must not be negative") }
        guard lpMaxRounds >= 1 else { throw ValidationError("--lp-max-rounds must be at least 1") }
        guard lpTailGap >= 0, lpTailGap.isFinite else { throw ValidationError("--lp-tail-gap must be a non-negative number") }
        guard lpTailAfterFlows >= 0 else { throw ValidationError("--lp-tail-after-flows must not be negative") }
        guard ["held", "any"].contains(lpFlowMatching) else { throw ValidationError("--lp-flow-matching is held or any") }
        guard ["query", "solution"].contains(lpFlowAt) else { throw ValidationError("--lp-flow-at is query or solution") }
        guard SolverOptions.Method(rawValue: lpMethod) != nil else { throw ValidationError("--lp-method is intervals, row-generation or decomposition") }
        guard lpGap >= 0 else { throw ValidationError("--lp-gap must not be negative") }
        guard lpPairsPerStep >= 1 else { throw ValidationError("--lp-pairs-per-step must be at least 1") }
        guard lpCutsPerPair >= 1 else { throw ValidationError("--lp-cuts-per-pair must be at least 1") }
        guard lpLinksPerNode >= 1 else { throw ValidationError("--lp-links-per-node must be at least 1") }
        guard lpFlowEvery >= 0 else { throw ValidationError("--lp-flow-every must not be negative") }
        guard lpRowsPerRound >= 1 else { throw ValidationError("--lp-rows-per-round must be at least 1") }
        guard (0..<1).contains(lpStabilization) else { throw ValidationError("--lp-stabilization must be in [0, 1)") }
        guard LPForm(rawValue: lpForm) != nil else { throw ValidationError("--lp-form is primal or dual") }
    }
}
