import CGLPK

/// A violated (step, pair) edge found by a replay, with its coefficients
/// `d_i = c[i,t](p) - c[i,t](m_t)` (normalised counts).
struct SeparatedEdge {
    var step: Int
    var pair: Int32
    var violation: Double
    var coefficients: [Double]

    /// The (step, pair) key of an edge, for sets of edges.
    static func key(step: Int, pair: Int32) -> UInt64 { UInt64(step) << 32 | UInt64(UInt32(pair)) }
    /// The step and the pair of a ``key(step:pair:)``.
    static func step(of key: UInt64) -> Int { Int(key >> 32) }
    static func pair(of key: UInt64) -> Int32 { Int32(truncatingIfNeeded: key & 0xFFFF_FFFF) }
}

/// The master problem over the weights alone: `min z` subject to `z >= g_k . alpha` for every
/// lower bound found (one per fractional matching), `sum_i alpha_i = 1`, `alpha >= 0`. Its
/// optimum is a lower bound of the full LP's.
final class WeightMaster {
    private let problem: OpaquePointer
    private let categories: Int
    /// The gradient of each cut (row k + 2), as added.
    private var gradients: [[Double]] = []

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

    /// Adds `z >= g . alpha` (round-off dust below 1e-12 of the largest entry set to 0).
    func add(gradient g: [Double]) {
        precondition(g.count == categories && g.allSatisfy(\.isFinite))
        // Round-off dust (a category no matched edge involves sums to ~1e-11, not 0) would give
        // GLPK's scaling coefficients twelve orders apart.
        let largest = g.map(abs).max() ?? 0
        let g = g.map { abs($0) <= 1e-12 * largest ? 0 : $0 }
        let row = glp_add_rows(problem, 1)
        glp_set_mat_row(problem, row, Int32(categories + 1), [0] + (1...Int32(categories + 1)).map { $0 },
                        [0] + g.map { -$0 } + [1])
        glp_set_row_bnds(problem, row, GLP_LO, 0, 0)
        gradients.append(g)
    }

    /// Solves; returns the minimiser and a rigorous lower bound: for the convex combination
    /// `lambda` of the cuts given by the row duals, `min_alpha max_k g_k . alpha >= min_i
    /// (sum_k lambda_k g_k)_i`, whatever GLPK's tolerances.
    func solve() -> (alpha: [Double], lowerBound: Double)? {
        // A few hundred rows at most: solved from the standard basis each time, which is robust
        // where a warm dual simplex on cuts of very different magnitudes was not.
        glp_std_basis(problem)
        let outcome = LinearProgram.simplex(problem, method: .primal)
        guard outcome == .optimal else { return nil }
        var alpha = (1...Int32(categories)).map { max(0, glp_get_col_prim(problem, $0)) }
        let total = alpha.reduce(0, +)
        alpha = total > 0 ? alpha.map { $0 / total } : [Double](repeating: 1 / Double(categories), count: categories)
        var lambda = gradients.indices.map { max(0, glp_get_row_dual(problem, Int32($0 + 2))) }
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
