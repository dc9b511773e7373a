import Foundation
import Support

/// An error of the inference, worded for the user.
public struct InferenceError: UserFacingError {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Settings of the LP solve. The defaults solve to proven optimality; every early stop is
/// opt-in and labelled in the result (``SolverReport/stopReason``).
public struct SolverOptions: Sendable, Equatable {
    /// How the LP is solved.
    public enum Method: String, Sendable, CaseIterable {
        /// Row and column generation on the whole LP (the paper's method), with an upper bound
        /// from every replay.
        case rowGeneration = "row-generation"
        /// Decomposition in the weights: a master over the weights, a slack LP per query.
        case decomposition
        /// Row generation on the interval form: one row per run of a pair over a segment-tree
        /// node instead of one per (step, pair).
        case intervals
    }
    /// The algorithm (chosen by measurement: docs/lp-history.md).
    public var method = Method.rowGeneration
    /// Most violated pairs taken per merge step and round (the reference code takes 10).
    public var pairsPerStep = 10
    /// Interval form: most links from one node to the levels of its range added per round
    /// (the lowest).
    public var linksPerNode = 200
    /// Interval form: the whole segment tree in the LP from the start (else nodes and links join lazily).
    public var fullTree = false
    /// Most constraints of one pair per round (its most violated steps): the pairs that top
    /// every late step would otherwise fill a round alone.
    public var maxCutsPerPair = 5
    /// At most this many constraints join per round (the most violated first).
    public var maxRowsPerRound = 30_000
    /// A constraint that has not bound for more than this many rounds in a row is deleted (nil:
    /// never); one that is deleted at once tends to come back.
    public var cutAge: Int? = 5
    /// Counts are per `scale` pairs of the category's sample, so LP coefficients are O(1).
    public var scale = 1e6
    /// A constraint counts as violated when it is off by more than this (relative).
    public var tolerance = 1e-7
    /// Optimal when the relative gap between the best feasible point and the proven lower bound
    /// is at most this (or, in row generation, when a replay finds nothing violated).
    public var gapTolerance = 1e-9
    /// The form of the LP GLPK solves (row generation).
    public var form: LPForm = .dual
    /// Decomposition: slack solves and replays per query before the master moves (the cut of
    /// an unfinished matching is valid, only weaker); a fixed mixture repeats until exact.
    public var oracleRepeats = 2
    /// Decomposition: hand over to row generation, seeded with the matched edges, once the
    /// relative gap is this small.
    public var crossoverGap = 1e-4
    /// In-out stabilisation: each query (where the replay looks for violated constraints) is
    /// this share of the best feasible point plus the rest of the relaxation's minimiser (the
    /// restricted LP's solution, or the master's); 0: query the minimiser itself.
    public var stabilization = 0.5
    /// Row generation: solve the slack problem whole (``SlackFlow``, a minimum-cost flow, at the
    /// point ``flowAtSolution`` names) in round `flowStart` and every `flowInterval` rounds after (0: never; with fixed
    /// weights, once, in the first round). Its optimal cover bounds the optimum from above and
    /// its matched edges join the LP. Every 5 rather than every 10: between flow rounds the
    /// replays' cuts move the lower bound by tenths of a percent a round, a flow round by percents
    /// (measured: docs/lp-history.md).
    public var flowInterval = 5
    public var flowStart = 5
    /// Row generation: once the relative gap is below this, every round solves the slack flow
    /// at the restricted LP's own weights (0: never). Near the optimum the restricted LP sits
    /// at the optimal value on a degenerate face whose vertices each violate a few of the
    /// billions of constraints it lacks, so its replays alone close the gap slowly; the flow's
    /// cover at its weights is a feasible point worth `F(alpha)`, which meets the LP's bound as
    /// soon as those weights are optimal. Started early, the flows' matched edges every round
    /// also move the lower bound, which the replays' cuts between flow rounds barely do. 0.35
    /// starts it right after the second flow round on most paths, where the gap drops sharply
    /// (``tailAfterFlows`` starts it there on the others); later starts
    /// leave rounds that barely move the lower bound, and a start before the weights are
    /// near the optimum pays for flows that bring many constraints for little (measured:
    /// docs/lp-history.md).
    public var tailGap = 0.35
    /// Row generation: the tail also starts after this many flow rounds, whatever the gap (0:
    /// only ``tailGap`` starts it). The gap after the second flow round differs from tokenizer
    /// to tokenizer and from one LP path to another (one on either side of ``tailGap`` is the
    /// same stage of the solve), and the rounds between flow rounds after it barely move the
    /// lower bound (measured: docs/lp-history.md).
    public var tailAfterFlows = 2
    /// Row generation: of the flow's optimal matchings take one using as many constraints the
    /// LP holds as any does (fewer new constraints, cheaper re-solves), instead of any.
    public var flowPrefersHeldEdges = true
    /// Row generation: every slack flow runs at the restricted LP's own weights (its minimiser)
    /// instead of at the in-out query between it and the best feasible point. The query is
    /// pulled towards the best point so far, which early on is poor, and so are the covers of
    /// flows there; the minimiser's flow gives a better point and brings the edges the LP lacks
    /// (measured: docs/lp-history.md).
    public var flowAtSolution = true

    /// Whether the tail has started before the `round`-th round of a row generation (counted
    /// from 1) at this relative gap.
    func isInTail(_ round: Int, gap: Double, fixedWeights: Bool) -> Bool {
        guard round > 1 else { return false }
        if tailGap > 0 && gap < tailGap { return true }
        guard tailAfterFlows > 0 else { return false }
        let flowsBefore = (1..<round).filter { isFlowRound($0, fixedWeights: fixedWeights) }.count
        return flowsBefore >= tailAfterFlows
    }

    /// Whether the `round`-th round of a row generation (counted from 1) solves the slack flow.
    func isFlowRound(_ round: Int, fixedWeights: Bool) -> Bool {
        guard flowInterval > 0 else { return false }
        if fixedWeights { return round == 1 }
        return round >= flowStart && (round - flowStart) % flowInterval == 0
    }
    /// Stop after this many rounds at the latest (the result is then labelled "round limit").
    public var maxRounds = 1_000_000
    /// Stop after the round that passes this many seconds of solving (nil: no limit). The
    /// result is the best feasible point at that point, labelled "time limit", never cached.
    public var timeLimit: Double?
    /// Opt-in heuristic stop, labelled "stable": when no byte proportion moved by more than
    /// this over the last `stabilityWindow` rounds (0: off).
    public var stabilityTolerance = 0.0
    public var stabilityWindow = 5
    /// Diagnosis: write the restricted LP of this round to this MPS file (row generation).
    public var mps: MPSDump?
    public init() {}

    /// Where and when the restricted LP is written out (``SolverOptions/mps``).
    public struct MPSDump: Sendable, Equatable {
        public var path: String
        public var round: Int
        public init(path: String, round: Int) { (self.path, self.round) = (path, round) }
    }
}

/// Facts about one solve, for the user and for reports.
public struct SolverReport: Sendable, Codable {
    public var rounds = 0
    public var constraints = 0
    public var pairSlackColumns = 0
    public var stepSlackColumns = 0
    public var objective = 0.0
    public var simplexIterations = 0
    /// True when the final replay found no violated constraint: the solution is optimal for
    /// the full LP.
    public var converged = false
    /// Why the rounds ended: "optimal", "stable" (proportions stopped moving) or "round limit".
    public var stopReason = ""
    /// Steps at which the last replay found the restricted LP's own solution violating a
    /// constraint of the full LP. Not a flaw of the result: the returned point takes the
    /// tightest step slacks that cover every pair, so it is feasible by construction
    /// (``largestViolation``), and optimality is proven by the gap. When the gap closes, the
    /// relaxation's minimiser is often another optimum of the relaxation, outside the full
    /// LP's feasible set at many steps. `--lp-method intervals` counts violated runs here.
    public var relaxationViolatedSteps = 0
    /// Seconds spent replaying counts to find violated constraints.
    public var separationSeconds = 0.0
    /// Seconds spent in GLPK.
    public var lpSeconds = 0.0
    /// Slack flows solved (``SolverOptions/flowInterval``) and the seconds they took.
    public var flowEvaluations = 0
    public var flowSeconds = 0.0
    /// Steps whose merge occurs in no category sample at that point (skipped).
    public var missingSteps: [Int] = []
    /// The largest violation of any constraint (t, p) by the returned point, found by a final
    /// replay of every step against every pair: relative to `1 + |w_t(m_t) + v_t|`, and in count
    /// units (`largestViolationAbsolute`). At most round-off when optimal.
    public var largestViolation = 0.0
    public var largestViolationAbsolute = 0.0
    /// A proven lower bound of the LP optimum (decomposition), and the relative gap
    /// `(objective - lowerBound) / max(1, objective)`: optimal when it is within tolerance.
    public var lowerBound = -Double.infinity
    public var gap = Double.infinity
    /// The algorithm: "decomposition" or "row generation".
    public var method = ""
    public init() {}
}

/// What one round of the row generation did (for diagnosis and benchmarks).
public struct RoundTrace: Sendable, Codable {
    public var round: Int
    public var violatedSteps: Int
    public var largestViolation: Double
    public var added: Int
    public var newPairColumns: Int
    public var deleted: Int
    public var cutsInLP: Int
    public var lpSeconds: Double
    public var simplexIterations: Int
    public var objective: Double
    public var elapsed: Double
    /// The lower bound of the LP optimum so far (decomposition; -infinity before the first).
    public var lowerBound: Double = -.infinity
    /// The slack optimum at the query when the round solved the slack flow.
    public var flowValue: Double? = nil
    /// Where a flow round's seconds went (nil in other rounds).
    public var flowSeconds: FlowSeconds? = nil
}

/// A slack-flow round's seconds by stage.
public struct FlowSeconds: Sendable, Codable {
    /// Building the network over the constrained steps and the pairs.
    public var network: Double
    /// The minimum-cost flow solver.
    public var solver: Double
    /// The replay that reads the cover's step slacks and the matched edges' coefficients.
    public var coverReplay: Double

    enum CodingKeys: String, CodingKey {
        case network, solver
        case coverReplay = "cover_replay"
    }
}

/// The solution: category weights in pair units and proportions in bytes.
public struct MixtureSolution: Sendable {
    public var names: [String]
    /// LP weights on the per-pair-normalised counts.
    public var alpha: [Double]
    /// Proportions of training bytes: alpha_i x bytes_i / pairs_i, renormalised.
    public var proportions: [Double]
    /// The pair slacks v_p of the solution, by global pair index (0 for pairs never in a cut):
    /// how much more frequent than the merges each pair may be without counting against the
    /// mixture (pairs the tokenizer never merges although the samples have them often).
    public var pairSlack: [Double]
    /// The step slacks v_t of the solution (0 for steps that give no constraint).
    public var stepSlack: [Double]
    public var report: SolverReport
}
