import BPE
@testable import MixtureInference
import Support
import XCTest

final class SolverTests: XCTestCase {
    /// Builds a category whose traces are given as pair -> count tables per step.
    private func category(_ name: String, pairs: [UInt64], initial: [Int64], deltas: [[(Int32, Int64)]]) -> CategoryCounts {
        var starts = [0]
        var deltaPairs: [Int32] = []
        var deltaValues: [Int64] = []
        for step in deltas {
            for (pair, value) in step { deltaPairs.append(pair); deltaValues.append(value) }
            starts.append(deltaPairs.count)
        }
        let trace = PairCountTrace(pairs: pairs, initialCounts: initial, deltaStarts: starts,
                                   deltaPairs: deltaPairs, deltaValues: deltaValues)
        return CategoryCounts(name: name, sampleBytes: Int(trace.totalInitialPairs), trace: trace, merges: [])
    }

    /// Every way to solve: decomposition, and row generation in both LP forms.
    static let allOptions: [SolverOptions] = {
        var decomposition = SolverOptions()
        decomposition.method = .decomposition
        var unstabilised = SolverOptions()
        unstabilised.stabilization = 0
        var intervals = SolverOptions()
        intervals.method = .intervals
        // One run and one link a round: many rounds, every link and run path taken.
        var narrowIntervals = intervals
        narrowIntervals.linksPerNode = 1
        narrowIntervals.maxRowsPerRound = 8
        var treeIntervals = intervals
        treeIntervals.fullTree = true
        // The slack flow in every round (the default waits for round 5, which small LPs never
        // reach), and row generation without it.
        var flowEveryRound = SolverOptions()
        flowEveryRound.flowStart = 1
        flowEveryRound.flowInterval = 1
        var withoutFlow = SolverOptions()
        withoutFlow.flowInterval = 0
        // The flow returning any of its optimal matchings; the precise flow at the LP's own
        // weights in every round after the first (the tail from the start), and never.
        var anyMatching = flowEveryRound
        anyMatching.flowPrefersHeldEdges = false
        var tailAlways = SolverOptions()
        tailAlways.tailGap = .infinity
        var withoutTail = flowEveryRound
        withoutTail.tailGap = 0
        withoutTail.tailAfterFlows = 0
        // The tail from the third round on, after two flow rounds (whatever the gap).
        var tailAfterFlows = flowEveryRound
        tailAfterFlows.tailGap = 0
        // Every flow at the in-out query instead of at the restricted LP's own weights.
        var flowAtQuery = withoutTail
        flowAtQuery.flowAtSolution = false
        return [decomposition, unstabilised, intervals, narrowIntervals, treeIntervals, flowEveryRound, withoutFlow,
                anyMatching, tailAlways, withoutTail, tailAfterFlows, flowAtQuery] + LPForm.allCases.map { form in
            var options = SolverOptions()
            options.method = .rowGeneration
            options.form = form
            return options
        }
    }()

    /// Solves every way; every assertion must hold for each.
    private func solveBoth(_ categories: [CategoryCounts], _ merges: ArraySlice<MergeRule>) throws -> [MixtureSolution] {
        try SolverTests.allOptions.map { try MixtureSolver(categories: categories, merges: merges).solve(options: $0) }
    }

    private let x: UInt64 = 1 << 32 | 2, y: UInt64 = 3 << 32 | 4, z: UInt64 = 5 << 32 | 6, w: UInt64 = 7 << 32 | 8
    private func merges(_ keys: [UInt64]) -> ArraySlice<MergeRule> {
        keys.enumerated().map { MergeRule(left: UInt32($0.element >> 32), right: UInt32($0.element & 0xFFFF_FFFF), result: UInt32(100 + $0.offset)) }[...]
    }

    /// Step 0 forces a_A >= 3 a_B, step 2 forces a_A <= 3 a_B: the only solution with zero
    /// slack is (0.75, 0.25).
    func testTwoConstraintsPinTheMixture() throws {
        let a = category("A", pairs: [x, y, z, w], initial: [6, 4, 1, 2], deltas: [[(0, -6)], [(1, -4)], [(2, -1)]])
        let b = category("B", pairs: [x, y, z, w], initial: [2, 8, 3, 0], deltas: [[(0, -2)], [(1, -8)], [(2, -3)]])
        for solution in try solveBoth([a, b], merges([x, y, z])) {
        XCTAssertTrue(solution.report.converged)
        XCTAssertEqual(solution.report.stopReason, "optimal")
        XCTAssertEqual(solution.report.objective, 0, accuracy: 1e-9)
        XCTAssertEqual(solution.proportions[0], 0.75, accuracy: 1e-9)
        XCTAssertEqual(solution.proportions[1], 0.25, accuracy: 1e-9)
        XCTAssertEqual(solution.report.missingSteps, [])
        }
    }

    /// With the first two merges skipped, they are still applied to the counts (x and y are
    /// gone at step 2), so only z against w constrains the mixture, and the uniform start
    /// already satisfies it. Without the replay, x would wrongly force a_A <= 1/6.
    func testSkippedMergesAreReplayedButNotConstrained() throws {
        let a = category("A", pairs: [x, y, z, w], initial: [6, 4, 1, 2], deltas: [[(0, -6)], [(1, -4)], [(2, -1)]])
        let b = category("B", pairs: [x, y, z, w], initial: [2, 8, 3, 0], deltas: [[(0, -2)], [(1, -8)], [(2, -3)]])
        for options in SolverTests.allOptions {
            let solution = try MixtureSolver(categories: [a, b], merges: merges([x, y, z]), firstStep: 2).solve(options: options)
            XCTAssertTrue(solution.report.converged)
            XCTAssertEqual(solution.proportions[0], 0.5, accuracy: 1e-12)
            XCTAssertEqual(solution.report.constraints, 0)
        }
        XCTAssertThrowsError(try MixtureSolver(categories: [a, b], merges: merges([x, y, z]), firstStep: 3))
    }

    /// Byte proportions convert the pair-unit weights by bytes per pair of each sample.
    func testProportionsAreConvertedToBytes() throws {
        var a = category("A", pairs: [x, y, z, w], initial: [6, 4, 1, 2], deltas: [[(0, -6)], [(1, -4)], [(2, -1)]])
        let b = category("B", pairs: [x, y, z, w], initial: [2, 8, 3, 0], deltas: [[(0, -2)], [(1, -8)], [(2, -3)]])
        a.sampleBytes *= 3  // A's text has three bytes per pair where B's has one
        for solution in try solveBoth([a, b], merges([x, y, z])) {
            XCTAssertEqual(solution.alpha[0], 0.75, accuracy: 1e-9)
            XCTAssertEqual(solution.proportions[0], 0.75 * 3 / (0.75 * 3 + 0.25), accuracy: 1e-9)
        }
    }

    /// Ties satisfy a constraint: equal counts leave every mixture optimal with zero slack.
    func testTiesNeedNoSlack() throws {
        let a = category("A", pairs: [x, y], initial: [5, 5], deltas: [[(0, -5)]])
        let b = category("B", pairs: [x, y], initial: [3, 3], deltas: [[(0, -3)]])
        for solution in try solveBoth([a, b], merges([x])) {
            XCTAssertTrue(solution.report.converged)
            XCTAssertEqual(solution.report.objective, 0, accuracy: 1e-12)
            XCTAssertEqual(solution.proportions.reduce(0, +), 1, accuracy: 1e-12)
        }
    }

    /// A merge that every sample contradicts needs slack; a merge absent from every sample
    /// is skipped and reported. Neither crashes GLPK.
    func testContradictedAndMissingMerges() throws {
        let absent: UInt64 = 9 << 32 | 9
        let a = category("A", pairs: [x, y], initial: [1, 9], deltas: [[(0, -1)], []])
        let b = category("B", pairs: [x, y], initial: [2, 7], deltas: [[(0, -2)], []])
        for solution in try solveBoth([a, b], merges([x, absent])) {
        XCTAssertTrue(solution.report.converged)
        XCTAssertGreaterThan(solution.report.objective, 0)
        XCTAssertEqual(solution.report.missingSteps, [1])
        XCTAssertTrue(solution.proportions.allSatisfy { $0 >= 0 && $0 <= 1 })
        XCTAssertEqual(solution.proportions.reduce(0, +), 1, accuracy: 1e-12)
        // The slack is smallest where the merge is least contradicted: all weight on B.
        XCTAssertEqual(solution.proportions[1], 1, accuracy: 1e-9)
        }
    }

    /// Step weights of 1 are the paper's LP; weights of 0 before step k are the same LP as
    /// `firstStep: k` (the bootstrap's dropped steps give no constraint); bad weights are errors.
    func testStepWeights() throws {
        let a = category("A", pairs: [x, y, z, w], initial: [6, 4, 1, 2], deltas: [[(0, -6)], [(1, -4)], [(2, -1)]])
        let b = category("B", pairs: [x, y, z, w], initial: [2, 8, 3, 0], deltas: [[(0, -2)], [(1, -8)], [(2, -3)]])
        let contradicting = category("C", pairs: [x, y, z, w], initial: [1, 9, 0, 5], deltas: [[(0, -1)], [(1, -9)], []])
        for options in SolverTests.allOptions {
            let solver = try MixtureSolver(categories: [a, b, contradicting], merges: merges([x, y, z]))
            let plain = try solver.solve(options: options)
            XCTAssertEqual(try solver.solve(options: options, stepWeights: [1, 1, 1]).proportions, plain.proportions)
            let dropped = try solver.solve(options: options, stepWeights: [0, 0, 1])
            let skipped = try MixtureSolver(categories: [a, b, contradicting], merges: merges([x, y, z]), firstStep: 2).solve(options: options)
            XCTAssertEqual(dropped.proportions, skipped.proportions)
            XCTAssertEqual(dropped.report.constraints, skipped.report.constraints)
            for bad in [[1.0, 1], [0, 0, 0], [1, -1, 1], [1, .nan, 1]] {
                XCTAssertThrowsError(try solver.solve(options: options, stepWeights: bad))
            }
        }
        var generator = SeededGenerator(seed: 3)
        let weights = Bootstrap.stepWeights(steps: 10, firstStep: 4, using: &generator)
        XCTAssertEqual(weights.reduce(0, +), 6)
        XCTAssertEqual(weights.prefix(4), [0, 0, 0, 0])
    }

    /// The shortfall of each merge below the most frequent other pair, relative to it, worked
    /// by hand: at (0.75, 0.25) every merge ties or tops its step; at (0.5, 0.5) step 0's x
    /// (0.5 x 6 + 0.5 x 2 = 4) falls short of y (0.5 x 4 + 0.5 x 8 = 6) by a third. A merge
    /// that no category has falls short by 1.
    func testRelativeShortfalls() throws {
        let a = category("A", pairs: [x, y, z, w], initial: [6, 4, 1, 2], deltas: [[(0, -6)], [(1, -4)], [(2, -1)]])
        let b = category("B", pairs: [x, y, z, w], initial: [2, 8, 3, 0], deltas: [[(0, -2)], [(1, -8)], [(2, -3)]])
        let solver = try MixtureSolver(categories: [a, b], merges: merges([x, y, z]))
        for value in solver.relativeShortfalls(alpha: [0.75, 0.25]) { XCTAssertEqual(value, 0, accuracy: 1e-12) }
        let even = solver.relativeShortfalls(alpha: [0.5, 0.5])
        XCTAssertEqual(even[0], 1.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(Array(even.dropFirst()), [0, 0])
        let absent: UInt64 = 9 << 32 | 9
        let withAbsent = try MixtureSolver(categories: [category("A", pairs: [x, y], initial: [1, 9], deltas: [[(0, -1)], []]),
                                                        category("B", pairs: [x, y], initial: [2, 7], deltas: [[(0, -2)], []])],
                                           merges: merges([x, absent]))
        let shortfalls = withAbsent.relativeShortfalls(alpha: [0.5, 0.5])
        XCTAssertEqual(shortfalls[1], 1)
        // Counts per pair of each sample (A has 10 pairs, B 9): x = 0.5/10 + 2(0.5)/9, y = 9(0.5)/10 + 7(0.5)/9.
        let mergeShare = 0.5 / 10 + 1.0 / 9, topShare = 4.5 / 10 + 3.5 / 9
        XCTAssertEqual(shortfalls[0], (topShare - mergeShare) / topShare, accuracy: 1e-12)
        let fit = FitQuality(shortfalls: shortfalls)
        XCTAssertEqual(fit.unexplainedShare, 1, "both steps fall short by more than 0.75")
        XCTAssertEqual(FitQuality(shortfalls: [0.74, 0.75, 0.2, 1]).unexplainedShare, 0.5)
        XCTAssertEqual(fit.meanShortfall, (1 + (topShare - mergeShare) / topShare) / 2, accuracy: 1e-12)
        XCTAssertEqual(fit.histogram.reduce(0, +), 2)
        XCTAssertEqual(fit.histogram[19], 1)
    }

    /// With the weights fixed only the slacks are solved: the pinned mixture costs nothing,
    /// another one costs its violations, and the weights come back unchanged.
    func testFixedWeightsSolveOnlyTheSlacks() throws {
        let a = category("A", pairs: [x, y, z, w], initial: [6, 4, 1, 2], deltas: [[(0, -6)], [(1, -4)], [(2, -1)]])
        let b = category("B", pairs: [x, y, z, w], initial: [2, 8, 3, 0], deltas: [[(0, -2)], [(1, -8)], [(2, -3)]])
        let solver = try MixtureSolver(categories: [a, b], merges: merges([x, y, z]))
        let pinned = try solver.solve(fixedAlpha: [0.75, 0.25])
        XCTAssertEqual(pinned.report.objective, 0, accuracy: 1e-9)
        XCTAssertEqual(pinned.alpha, [0.75, 0.25])
        let even = try solver.solve(fixedAlpha: [0.5, 0.5])
        XCTAssertEqual(even.alpha, [0.5, 0.5])
        XCTAssertTrue(even.report.converged)
        // Step 0: x (0.5 x 6 + 0.5 x 2 = 4 per 13 pairs) against y (6 per 13): 2/13 per pair, scaled by 1e6.
        XCTAssertEqual(even.report.objective, 2.0 / 13 * 1e6, accuracy: 1e-3)
        XCTAssertThrowsError(try solver.solve(fixedAlpha: [0.5, 0.6]))
        XCTAssertEqual(solver.alpha(fromProportions: solver.byteProportions([0.3, 0.7]))[0], 0.3, accuracy: 1e-12)
    }

    func testDegenerateInputsAreErrors() {
        let empty = category("E", pairs: [], initial: [], deltas: [[]])
        XCTAssertThrowsError(try MixtureSolver(categories: [empty], merges: merges([x]))) {
            XCTAssertTrue("\($0)".contains("no adjacent byte pairs"))
        }
        XCTAssertThrowsError(try MixtureSolver(categories: [], merges: merges([x])))
        let a = category("A", pairs: [x], initial: [1], deltas: [[(0, -1)]])
        XCTAssertThrowsError(try MixtureSolver(categories: [a], merges: merges([]))) { XCTAssertTrue("\($0)".contains("positive")) }
        XCTAssertThrowsError(try MixtureSolver(categories: [a], merges: merges([x, y]))) { XCTAssertTrue("\($0)".contains("counted for 1")) }
    }

    func testStabilitySpread() {
        XCTAssertEqual(MixtureSolver.spread(of: [[0.1, 0.9], [0.2, 0.8], [0.15, 0.85]][...]), 0.1, accuracy: 1e-12)
        XCTAssertEqual(MixtureSolver.spread(of: [][...]), 0)
    }

    /// Counts carry their merges: categories counted under different merge lists are refused.
    func testCategoriesCountedUnderOtherMergesAreRefused() throws {
        let a = category("A", pairs: [x], initial: [5], deltas: [[(0, -5)]])
        var b = category("B", pairs: [x], initial: [3], deltas: [[(0, -3)]])
        var a1 = a
        a1.merges = merges([x])
        b.merges = merges([y])
        XCTAssertThrowsError(try MixtureSolver(categories: [a1, b])) { XCTAssertTrue("\($0)".contains("other merges"), "\($0)") }
        b.merges = merges([x])
        XCTAssertNoThrow(try MixtureSolver(categories: [a1, b]))
    }
}

extension MixtureSolver {
    /// The tests build counts and merge lists apart: here the counts take the merges.
    convenience init(categories: [CategoryCounts], merges: ArraySlice<MergeRule>, firstStep: Int = 0) throws {
        try self.init(categories: categories.map { category in
            var category = category
            category.merges = merges
            return category
        }, firstStep: firstStep)
    }
}
