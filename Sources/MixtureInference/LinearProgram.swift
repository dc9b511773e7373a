import Foundation
import CGLPK

/// A minimisation LP in GLPK, kept alive across rounds so that each re-solve starts warm
/// from the previous basis. Arguments are validated here: GLPK aborts the whole process on
/// an invalid call.
final class LinearProgram {
    private let problem: OpaquePointer
    private(set) var columnCount = 0
    private(set) var rowCount = 0

    init() {
        glp_term_out(GLP_OFF)
        problem = glp_create_prob()
        glp_set_obj_dir(problem, GLP_MIN)
    }

    deinit { glp_delete_prob(problem) }

    /// Adds columns `x >= lower` (or `lower <= x <= upper`, or free when `lower` is
    /// `-infinity`) with objective coefficients; returns the index of the first (0-based).
    func addColumns(objective: [Double], lower: Double = 0, upper: Double? = nil) -> Int {
        precondition(objective.allSatisfy(\.isFinite))
        let first = columnCount
        guard !objective.isEmpty else { return first }
        glp_add_cols(problem, Int32(objective.count))
        for (offset, coefficient) in objective.enumerated() {
            let column = Int32(first + offset + 1)
            if lower == -.infinity {
                glp_set_col_bnds(problem, column, GLP_FR, 0, 0)
            } else if let upper { glp_set_col_bnds(problem, column, GLP_DB, lower, upper) } else {
                glp_set_col_bnds(problem, column, GLP_LO, lower, 0)
            }
            glp_set_obj_coef(problem, column, coefficient)
        }
        columnCount += objective.count
        return first
    }

    /// Fixes column `column` (0-based) at `value`.
    func fix(column: Int, at value: Double) {
        precondition(column < columnCount && value.isFinite)
        glp_set_col_bnds(problem, Int32(column + 1), GLP_FX, value, value)
    }

    /// A row `sum(coefficients[k] * x[columns[k]]) (>= or ==) bound`.
    struct Row {
        var columns: [Int32]
        var coefficients: [Double]
        var bound: Double
        var isEquality = false

        /// Stops on a row GLPK would abort the process on: mismatched arrays, a repeated or
        /// missing column (of `columnCount`), a non-finite number.
        func check(columnCount: Int) {
            precondition(columns.count == coefficients.count)
            precondition(Set(columns).count == columns.count, "duplicate column in an LP row")
            precondition(columns.allSatisfy { $0 >= 0 && Int($0) < columnCount }, "LP row names a missing column")
            precondition(coefficients.allSatisfy(\.isFinite) && bound.isFinite)
        }
    }

    /// Adds rows; columns must exist and be distinct within a row.
    func addRows(_ rows: [Row]) {
        guard !rows.isEmpty else { return }
        let first = glp_add_rows(problem, Int32(rows.count))
        var indices: [Int32] = []
        var values: [Double] = []
        for (offset, row) in rows.enumerated() {
            row.check(columnCount: columnCount)
            let index = first + Int32(offset)
            // GLPK arrays are 1-based: element 0 is ignored.
            indices = [0] + row.columns.map { $0 + 1 }
            values = [0] + row.coefficients
            glp_set_mat_row(problem, index, Int32(row.columns.count), indices, values)
            glp_set_row_bnds(problem, index, row.isEquality ? GLP_FX : GLP_LO, row.bound, row.bound)
        }
        rowCount += rows.count
    }

    /// Outcome of a solve.
    enum Outcome: Equatable {
        case optimal
        case infeasible
        case unbounded
        case failed(String)
    }

    /// Which simplex method GLPK runs.
    enum Method { case primal, dual }

    /// Solves warm from the last basis (the dual simplex falls back to primal when it fails).
    func solve(method: Method = .dual) -> Outcome { LinearProgram.simplex(problem, method: method, scaling: scaling) }
    private let scaling = ScaleTracker()

    /// How large a problem was when it was last scaled (see ``simplex(_:method:scaling:)``).
    final class ScaleTracker {
        var scaledSize = 0
        init() {}
    }

    /// Runs GLPK's simplex on any problem and reads its status.
    ///
    /// `scaling` remembers how large the problem was when it was last scaled: a problem that
    /// grows by cuts is rescaled only once it has grown by a quarter (new rows and columns
    /// keep scale 1 until then). Rescaling every solve cost a third of GLPK's time on large
    /// restricted LPs, for no fewer pivots.
    static func simplex(_ problem: OpaquePointer, method: Method, scaling: ScaleTracker? = nil) -> Outcome {
        var parameters = glp_smcp()
        glp_init_smcp(&parameters)
        parameters.msg_lev = GLP_MSG_OFF
        parameters.meth = method == .dual ? GLP_DUALP : GLP_PRIMAL
        parameters.presolve = GLP_OFF
        // Counts of dozens of categories span many orders of magnitude; unscaled, GLPK stalls
        // for minutes in degenerate pivots (seen with 57 categories), scaled it takes a second.
        let size = Int(glp_get_num_nz(problem))
        if let scaling {
            if scaling.scaledSize == 0 || size > scaling.scaledSize + scaling.scaledSize / 4 {
                glp_scale_prob(problem, GLP_SF_AUTO)
                scaling.scaledSize = max(1, size)
            }
        } else {
            glp_scale_prob(problem, GLP_SF_AUTO)
        }
        var code = glp_simplex(problem, &parameters)
        // Numerical trouble (a singular or ill-conditioned basis, or a failed search): retry
        // from a fresh advanced basis with the problem rescaled, then with the other method.
        let retryable = [GLP_ESING, GLP_ECOND, GLP_EBADB, GLP_EFAIL]
        for attempt in 0..<2 where retryable.contains(code) {
            glp_scale_prob(problem, GLP_SF_AUTO)
            glp_adv_basis(problem, 0)
            if attempt == 1 { parameters.meth = parameters.meth == GLP_PRIMAL ? GLP_DUALP : GLP_PRIMAL }
            code = glp_simplex(problem, &parameters)
        }
        if code != 0 { return .failed("GLPK simplex returned code \(code)") }
        switch glp_get_status(problem) {
        case GLP_OPT: return .optimal
        case GLP_NOFEAS: return .infeasible
        case GLP_UNBND: return .unbounded
        default: return .failed("GLPK status \(glp_get_status(problem))")
        }
    }

    /// For each `>=` row at or after `from` (0-based): whether it is not binding, its slack
    /// variable basic and strictly above the bound. Deleting such rows keeps the basis valid,
    /// so the next solve still starts warm.
    func nonBindingRows(from: Int, margin: Double) -> [Bool] {
        (from..<rowCount).map { row in
            let index = Int32(row + 1)
            return glp_get_row_stat(problem, index) == GLP_BS && glp_get_row_prim(problem, index) > margin
        }
    }

    /// Deletes rows by 0-based index (ascending).
    func deleteRows(_ rows: [Int]) {
        guard !rows.isEmpty else { return }
        glp_del_rows(problem, Int32(rows.count), [Int32(0)] + rows.map { Int32($0 + 1) })
        rowCount -= rows.count
    }

    /// Writes the LP in free MPS format.
    func write(mps path: String) throws { try LinearProgram.write(problem, mps: path) }

    /// Writes any GLPK problem in free MPS format.
    static func write(_ problem: OpaquePointer, mps path: String) throws {
        guard glp_write_mps(problem, GLP_MPS_FILE, nil, path) == 0 else {
            throw InferenceError("\(path): cannot write the LP as MPS")
        }
    }

    func value(ofColumn column: Int) -> Double { glp_get_col_prim(problem, Int32(column + 1)) }
    var objective: Double { glp_get_obj_val(problem) }
    /// Simplex iterations so far (cumulative over solves).
    var iterations: Int { Int(glp_get_it_cnt(problem)) }
}
