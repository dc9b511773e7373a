import CGLPK

/// The LP of the slacks for fixed category weights, over a working set of (step, pair) edges:
///
///     minimise   sum_t c_t v_t + sum_p v_p
///     subject to v_t + v_p >= w_tp(alpha) = sum_i alpha_i d_i(t, p)   for the edges in the set
///                v >= 0
///
/// It is a weighted bipartite vertex cover between steps and pairs; its LP dual is a fractional
/// maximum-weight matching. Each row has two non-zeros, so GLPK pivots on it cheaply however many
/// categories there are (the dense weight columns of the full LP made every pivot cost the whole
/// matrix). New weights change only the right-hand sides, and new edges only add rows: both keep
/// the last basis dual feasible, so the dual simplex restarts warm.
final class SlackLP {
    private let problem: OpaquePointer
    private let categories: Int
    /// GLPK column (1-based) of each step's and pair's slack, 0 while it has none.
    private var stepColumn: [Int32]
    private var pairColumn: [Int32]
    private var columns = 0
    /// Per row (in LP order): its step, its pair, its coefficients `d_i` (row-major, `categories`
    /// per row) and the rounds it has been idle in a row.
    private(set) var rowStep: [Int32] = []
    private(set) var rowPair: [Int32] = []
    private(set) var rowCoefficients: [Double] = []
    private var rowIdle: [Int32] = []
    /// Keys of the edges in the set.
    private(set) var keys = Set<UInt64>()
    private let stepCost: (Int) -> Double

    init(categories: Int, steps: Int, pairs: Int, stepCost: @escaping (Int) -> Double) {
        self.categories = categories
        self.stepCost = stepCost
        stepColumn = [Int32](repeating: 0, count: steps)
        pairColumn = [Int32](repeating: 0, count: pairs)
        glp_term_out(GLP_OFF)
        problem = glp_create_prob()
        glp_set_obj_dir(problem, GLP_MIN)
    }

    deinit { glp_delete_prob(problem) }

    var rowCount: Int { rowStep.count }

    static func key(step: Int, pair: Int32) -> UInt64 { UInt64(step) << 32 | UInt64(UInt32(pair)) }

    private func column(step: Int) -> Int32 {
        if stepColumn[step] == 0 {
            columns += 1
            glp_add_cols(problem, 1)
            glp_set_col_bnds(problem, Int32(columns), GLP_LO, 0, 0)
            glp_set_obj_coef(problem, Int32(columns), stepCost(step))
            stepColumn[step] = Int32(columns)
        }
        return stepColumn[step]
    }

    private func column(pair: Int32) -> Int32 {
        if pairColumn[Int(pair)] == 0 {
            columns += 1
            glp_add_cols(problem, 1)
            glp_set_col_bnds(problem, Int32(columns), GLP_LO, 0, 0)
            glp_set_obj_coef(problem, Int32(columns), 1)
            pairColumn[Int(pair)] = Int32(columns)
        }
        return pairColumn[Int(pair)]
    }

    /// Adds edges (with their coefficients `d`) at the weights `alpha`.
    func add(_ edges: [SeparatedEdge], alpha: [Double]) {
        guard !edges.isEmpty else { return }
        let first = glp_add_rows(problem, Int32(edges.count))
        for (offset, edge) in edges.enumerated() {
            precondition(edge.coefficients.count == categories && edge.coefficients.allSatisfy(\.isFinite))
            let row = first + Int32(offset)
            let indices: [Int32] = [0, column(step: edge.step), column(pair: edge.pair)]
            glp_set_mat_row(problem, row, 2, indices, [0, 1, 1])
            var rhs = 0.0
            for i in 0..<categories { rhs += alpha[i] * edge.coefficients[i] }
            glp_set_row_bnds(problem, row, GLP_LO, rhs, 0)
            rowStep.append(Int32(edge.step))
            rowPair.append(edge.pair)
            rowCoefficients.append(contentsOf: edge.coefficients)
            rowIdle.append(0)
            keys.insert(SlackLP.key(step: edge.step, pair: edge.pair))
        }
    }

    /// Sets every row's right-hand side for the weights `alpha`.
    func setWeights(_ alpha: [Double]) {
        rowCoefficients.withUnsafeBufferPointer { d in
            for row in 0..<rowCount {
                var rhs = 0.0
                let base = row * categories
                for i in 0..<categories { rhs += alpha[i] * d[base + i] }
                glp_set_row_bnds(problem, Int32(row + 1), GLP_LO, rhs, 0)
            }
        }
    }

    /// Solves warm (dual simplex; an empty set has the optimum 0).
    func solve() -> LinearProgram.Outcome {
        guard rowCount > 0 else { return .optimal }
        return LinearProgram.simplex(problem, method: .dual)
    }

    var objective: Double { rowCount > 0 ? glp_get_obj_val(problem) : 0 }

    func stepSlack(_ step: Int) -> Double { stepColumn[step] == 0 ? 0 : max(0, glp_get_col_prim(problem, stepColumn[step])) }
    func pairSlack(_ pair: Int) -> Double { pairColumn[pair] == 0 ? 0 : max(0, glp_get_col_prim(problem, pairColumn[pair])) }

    /// Slack columns created so far: (steps, pairs).
    var slackColumns: (steps: Int, pairs: Int) {
        (stepColumn.lazy.filter { $0 != 0 }.count, pairColumn.lazy.filter { $0 != 0 }.count)
    }

    /// The row duals as a fractional matching that is feasible for the dual of the *full* slack
    /// LP: negatives (round-off) set to 0, then scaled down so that no step carries more than
    /// its cost and no pair more than 1. Any such matching `x` bounds the optimal slack sum from
    /// below at every weight vector: `F(alpha') >= sum_r x_r w_r(alpha')`.
    func matching() -> [Double] {
        var x = (0..<rowCount).map { max(0, glp_get_row_dual(problem, Int32($0 + 1))) }
        var stepLoad: [Int32: Double] = [:]
        var pairLoad: [Int32: Double] = [:]
        for row in 0..<rowCount where x[row] > 0 {
            stepLoad[rowStep[row], default: 0] += x[row]
            pairLoad[rowPair[row], default: 0] += x[row]
        }
        var excess = 1.0
        for (step, load) in stepLoad {
            let cost = stepCost(Int(step))
            excess = max(excess, cost > 0 ? load / cost : (load > 0 ? .infinity : 1))
        }
        for (_, load) in pairLoad { excess = max(excess, load) }
        if excess > 1 {
            if excess.isInfinite { return [Double](repeating: 0, count: rowCount) }
            x = x.map { $0 / excess }
        }
        return x
    }

    /// `sum_r x_r d(r)`: the gradient of the lower bound `alpha -> sum_r x_r w_r(alpha)`.
    func gradient(of x: [Double]) -> [Double] {
        var g = [Double](repeating: 0, count: categories)
        rowCoefficients.withUnsafeBufferPointer { d in
            for row in 0..<rowCount where x[row] != 0 {
                let base = row * categories
                for i in 0..<categories { g[i] += x[row] * d[base + i] }
            }
        }
        return g
    }

    /// Deletes rows that have not bound (basic, strictly slack) for more than `age` solves in a
    /// row; returns how many. Deleting basic rows keeps the basis valid.
    @discardableResult
    func deleteIdleRows(age: Int, margin: Double) -> Int {
        var remove: [Int32] = [0]
        for row in 0..<rowCount {
            let index = Int32(row + 1)
            let idle = glp_get_row_stat(problem, index) == GLP_BS && glp_get_row_prim(problem, index) - glp_get_row_lb(problem, index) > margin
            rowIdle[row] = idle ? rowIdle[row] + 1 : 0
            if rowIdle[row] > Int32(age) { remove.append(index) }
        }
        let count = remove.count - 1
        guard count > 0 else { return 0 }
        glp_del_rows(problem, Int32(count), remove)
        var keep = [Bool](repeating: true, count: rowCount)
        for index in remove.dropFirst() { keep[Int(index) - 1] = false }
        var step: [Int32] = [], pair: [Int32] = [], idle: [Int32] = [], d: [Double] = []
        step.reserveCapacity(rowCount - count); pair.reserveCapacity(rowCount - count)
        idle.reserveCapacity(rowCount - count); d.reserveCapacity((rowCount - count) * categories)
        for row in 0..<rowCount {
            if keep[row] {
                step.append(rowStep[row]); pair.append(rowPair[row]); idle.append(rowIdle[row])
                d.append(contentsOf: rowCoefficients[(row * categories)..<((row + 1) * categories)])
            } else {
                keys.remove(SlackLP.key(step: Int(rowStep[row]), pair: rowPair[row]))
            }
        }
        rowStep = step; rowPair = pair; rowIdle = idle; rowCoefficients = d
        return count
    }
}

/// A violated (step, pair) edge found by a replay, with its coefficients
/// `d_i = c[i,t](p) - c[i,t](m_t)` (normalised counts).
struct SeparatedEdge {
    var step: Int
    var pair: Int32
    var violation: Double
    var coefficients: [Double]
}

/// The master problem over the weights alone: `min z` subject to `z >= g_k . alpha` for every
/// lower bound found (one per fractional matching), `sum_i alpha_i = 1`, `alpha >= 0`. Its
/// optimum is a lower bound of the full LP's.
final class WeightMaster {
    private let problem: OpaquePointer
    private let categories: Int
    private(set) var cuts = 0

    init(categories: Int) {
        self.categories = categories
        glp_term_out(GLP_OFF)
        problem = glp_create_prob()
        glp_set_obj_dir(problem, GLP_MIN)
        glp_add_cols(problem, Int32(categories + 1))
        for column in 1...Int32(categories) { glp_set_col_bnds(problem, column, GLP_LO, 0, 0) }
        glp_set_col_bnds(problem, Int32(categories + 1), GLP_FR, 0, 0)
        glp_set_obj_coef(problem, Int32(categories + 1), 1)
        glp_add_rows(problem, 1)
        glp_set_row_bnds(problem, 1, GLP_FX, 1, 1)
        glp_set_mat_row(problem, 1, Int32(categories), [0] + (1...Int32(categories)).map { $0 },
                        [0] + [Double](repeating: 1, count: categories))
    }

    deinit { glp_delete_prob(problem) }

    /// Adds `z >= g . alpha` and returns the `g` used (round-off dust below 1e-12 of the largest
    /// entry set to 0).
    @discardableResult
    func add(gradient g: [Double]) -> [Double] {
        precondition(g.count == categories && g.allSatisfy(\.isFinite))
        // Round-off dust (a category no matched edge involves sums to ~1e-11, not 0) would give
        // GLPK's scaling coefficients twelve orders apart.
        let largest = g.map(abs).max() ?? 0
        let g = g.map { abs($0) <= 1e-12 * largest ? 0 : $0 }
        let row = glp_add_rows(problem, 1)
        glp_set_mat_row(problem, row, Int32(categories + 1), [0] + (1...Int32(categories + 1)).map { $0 },
                        [0] + g.map { -$0 } + [1])
        glp_set_row_bnds(problem, row, GLP_LO, 0, 0)
        cuts += 1
        return g
    }

    /// Solves; returns the minimiser and a rigorous lower bound: for the convex combination
    /// `lambda` of the cuts given by the row duals, `min_alpha max_k g_k . alpha >= min_i
    /// (sum_k lambda_k g_k)_i`, whatever GLPK's tolerances.
    func solve(gradients: [[Double]]) -> (alpha: [Double], lowerBound: Double)? {
        // A few hundred rows at most: solved from the standard basis each time, which is robust
        // where a warm dual simplex on cuts of very different magnitudes was not.
        glp_std_basis(problem)
        let outcome = LinearProgram.simplex(problem, method: .primal)
        guard outcome == .optimal else { return nil }
        var alpha = (1...Int32(categories)).map { max(0, glp_get_col_prim(problem, $0)) }
        let total = alpha.reduce(0, +)
        alpha = total > 0 ? alpha.map { $0 / total } : [Double](repeating: 1 / Double(categories), count: categories)
        var lambda = (0..<cuts).map { max(0, glp_get_row_dual(problem, Int32($0 + 2))) }
        let sum = lambda.reduce(0, +)
        guard sum > 0 else { return (alpha, -.infinity) }
        lambda = lambda.map { $0 / sum }
        var combined = [Double](repeating: 0, count: categories)
        for (k, g) in gradients.enumerated() where lambda[k] > 0 {
            for i in 0..<categories { combined[i] += lambda[k] * g[i] }
        }
        return (alpha, combined.min() ?? -.infinity)
    }
}
