import CGLPK

/// The restricted LP of the row/column generation, in one of two equivalent forms.
///
/// Variables are numbered as in the primal: the category weights `0..<n`, then the slacks in
/// the order they are added. A cut is a primal row `sum coef * x >= 0`.
protocol RestrictedLP: AnyObject {
    /// Adds slack variables with the given costs; returns the number of the first.
    func addSlacks(costs: [Double]) -> Int
    /// Adds cuts (rows over variable numbers, `>= 0`).
    func addCuts(_ cuts: [LinearProgram.Row])
    func solve() -> LinearProgram.Outcome
    /// Value of a primal variable in the current solution.
    func value(of variable: Int) -> Double
    var objective: Double { get }
    var iterations: Int { get }
    /// Per cut in the LP: whether it is not binding (by more than `margin`).
    func nonBindingCuts(margin: Double) -> [Bool]
    /// Deletes the cuts of these indices (ascending, among the cuts in the LP).
    func deleteCuts(_ indices: [Int])
    /// Writes the LP in free MPS format (for another solver to time it).
    func write(mps path: String) throws
}

/// Which form GLPK solves.
public enum LPForm: String, Sendable, CaseIterable {
    /// The LP as stated, dual simplex: cuts are rows.
    case primal
    /// Its dual, primal simplex: cuts are columns, weights and slacks are rows.
    case dual
}

/// The primal form: weights and slacks are columns, the simplex row first, cuts after it.
final class PrimalRestrictedLP: RestrictedLP {
    private let lp = LinearProgram()
    private let categories: Int

    /// `fixedWeights`: the category weights are not variables but these values (only the
    /// slacks are solved for).
    init(categories: Int, fixedWeights: [Double]? = nil) {
        self.categories = categories
        _ = lp.addColumns(objective: [Double](repeating: 0, count: categories), lower: 0, upper: 1)
        if let fixedWeights {
            for (column, value) in fixedWeights.enumerated() { lp.fix(column: column, at: value) }
        }
        lp.addRows([LinearProgram.Row(columns: (0..<Int32(categories)).map { $0 },
                                      coefficients: [Double](repeating: 1, count: categories), bound: 1, isEquality: true)])
    }

    func addSlacks(costs: [Double]) -> Int { lp.addColumns(objective: costs) }
    func addCuts(_ cuts: [LinearProgram.Row]) { lp.addRows(cuts) }
    func solve() -> LinearProgram.Outcome { lp.solve(method: .dual) }
    func value(of variable: Int) -> Double { lp.value(ofColumn: variable) }
    var objective: Double { lp.objective }
    var iterations: Int { lp.iterations }
    func nonBindingCuts(margin: Double) -> [Bool] { lp.nonBindingRows(from: 1, margin: margin) }
    func write(mps path: String) throws { try lp.write(mps: path) }
    func deleteCuts(_ indices: [Int]) { lp.deleteRows(indices.map { $0 + 1 }) }
}

/// The dual form: maximise `y0` subject to, for each weight i, `y0 + sum_k coef[k,i] y_k <= 0`
/// and, for each slack s, `sum_{k using s} y_k <= cost_s`, with `y_k >= 0` per cut and `y0` free.
/// The primal values are the duals of these rows; adding a cut adds a column, which keeps the
/// basis primal feasible for a warm primal simplex.
///
/// A slack that only one cut uses gets no row while the cut has another slack, of coefficient 1
/// and no larger cost, that has one: its row `y_k <= cost_s` is implied by that other row, so
/// leaving it out changes neither the optimum nor the weights (in the primal the lone slack is 0
/// and the other slack takes its part, at no higher cost). Most pairs of a flow round's matching
/// are in one cut, and their rows would double the basis and make every tight cut degenerate
/// (measured: docs/lp-history.md). A slack's row appears when a second cut uses it, and
/// then stays.
///
/// - Complexity: adding a cut is O(its non-zeros), plus one rewrite of the column of the cut
///   that used a slack alone when that slack gets its row.
final class DualRestrictedLP: RestrictedLP {
    private let problem: OpaquePointer
    private let categories: Int
    /// Primal variables so far (the weights, then the slacks).
    private var variables: Int
    /// Per slack (variable - categories): its cost, its GLPK row (0: none yet), how many cuts in
    /// the LP use it, and the cut that uses it alone while it has no row (-1: none).
    private var slackCost: [Double] = []
    private var slackRow: [Int32] = []
    private var slackUsers: [Int32] = []
    private var soleUser: [Int32] = []
    /// Per cut, by a number that survives deletions: its slacks and its position among the cuts
    /// in the LP (-1 once deleted); `cutOrder` lists the numbers of the cuts in the LP in order.
    private var cutSlacks: [[Int32]] = []
    private var cutPosition: [Int32] = []
    private var cutOrder: [Int32] = []

    init(categories: Int) {
        self.categories = categories
        glp_term_out(GLP_OFF)
        problem = glp_create_prob()
        glp_set_obj_dir(problem, GLP_MAX)
        glp_add_rows(problem, Int32(categories))
        for row in 1...Int32(categories) { glp_set_row_bnds(problem, row, GLP_UP, 0, 0) }
        variables = categories
        glp_add_cols(problem, 1)
        glp_set_col_bnds(problem, 1, GLP_FR, 0, 0)
        glp_set_obj_coef(problem, 1, 1)
        let indices = [Int32(0)] + (1...Int32(categories)).map { $0 }
        let values = [0.0] + [Double](repeating: 1, count: categories)
        glp_set_mat_col(problem, 1, Int32(categories), indices, values)
    }

    deinit { glp_delete_prob(problem) }

    func addSlacks(costs: [Double]) -> Int {
        let first = variables
        slackCost += costs
        slackRow += [Int32](repeating: 0, count: costs.count)
        slackUsers += [Int32](repeating: 0, count: costs.count)
        soleUser += [Int32](repeating: -1, count: costs.count)
        variables += costs.count
        return first
    }

    func addCuts(_ newCuts: [LinearProgram.Row]) {
        guard !newCuts.isEmpty else { return }
        // Decide which slacks get a row, cut by cut, before anything reaches GLPK.
        var newRows: [Int] = []
        var rewritten: [Int32] = []
        let firstNew = Int32(cutSlacks.count)
        func giveRow(_ slack: Int) {
            guard slackRow[slack] == 0 else { return }
            newRows.append(slack)
            slackRow[slack] = -1
            if soleUser[slack] >= 0 {
                if soleUser[slack] < firstNew { rewritten.append(soleUser[slack]) }
                soleUser[slack] = -1
            }
        }
        for cut in newCuts {
            cut.check(columnCount: variables)
            let id = Int32(cutSlacks.count)
            var slacks: [Int] = []
            var unitSlacks: [Int] = []
            for (column, coefficient) in zip(cut.columns, cut.coefficients) where Int(column) >= categories {
                let slack = Int(column) - categories
                slacks.append(slack)
                if coefficient == 1 { unitSlacks.append(slack) }
                // A second cut uses it: the slack needs its row.
                if slackUsers[slack] > 0 { giveRow(slack) }
            }
            // The cheapest slack of coefficient 1 that has (or now gets) a row covers the others.
            let cheaper = { (a: Int, b: Int) in self.slackCost[a] < self.slackCost[b] }
            var cover = unitSlacks.filter { slackRow[$0] != 0 }.min(by: cheaper)
            if cover == nil, let cheapest = unitSlacks.min(by: cheaper) {
                giveRow(cheapest)
                cover = cheapest
            }
            for slack in slacks {
                if slackRow[slack] == 0 {
                    if let cover, unitSlacks.contains(slack), slackCost[cover] <= slackCost[slack] {
                        soleUser[slack] = id
                    } else {
                        giveRow(slack)
                    }
                }
                slackUsers[slack] += 1
            }
            cutSlacks.append(slacks.map(Int32.init))
            cutPosition.append(Int32(cutOrder.count))
            cutOrder.append(id)
        }

        if !newRows.isEmpty {
            let start = glp_add_rows(problem, Int32(newRows.count))
            for (offset, slack) in newRows.enumerated() {
                slackRow[slack] = start + Int32(offset)
                glp_set_row_bnds(problem, slackRow[slack], GLP_UP, slackCost[slack], slackCost[slack])
            }
        }
        // Cuts already in GLPK whose lone slack got its row: the column gains the entry (a
        // new row's auxiliary variable is basic, so the basis stays valid).
        let joined = Set(newRows)
        var indices = [Int32](repeating: 0, count: categories + 8)
        var values = [Double](repeating: 0, count: categories + 8)
        for id in Set(rewritten).sorted() where cutPosition[Int(id)] >= 0 {
            let column = cutPosition[Int(id)] + 2
            let length = Int(glp_get_mat_col(problem, column, nil, nil))
            let extra = cutSlacks[Int(id)].filter { joined.contains(Int($0)) }
            if indices.count < length + extra.count + 1 {
                indices = [Int32](repeating: 0, count: length + extra.count + 1)
                values = [Double](repeating: 0, count: length + extra.count + 1)
            }
            _ = glp_get_mat_col(problem, column, &indices, &values)
            for (k, slack) in extra.enumerated() {
                indices[length + 1 + k] = slackRow[Int(slack)]
                values[length + 1 + k] = 1
            }
            glp_set_mat_col(problem, column, Int32(length + extra.count), indices, values)
        }
        let start = glp_add_cols(problem, Int32(newCuts.count))
        for (offset, cut) in newCuts.enumerated() {
            let column = start + Int32(offset)
            glp_set_col_bnds(problem, column, GLP_LO, 0, 0)
            glp_set_obj_coef(problem, column, cut.bound)
            var rows: [Int32] = [0], entries: [Double] = [0]
            for (variable, coefficient) in zip(cut.columns, cut.coefficients) {
                let row = Int(variable) < categories ? variable + 1 : slackRow[Int(variable) - categories]
                guard row > 0 else { continue }
                rows.append(row)
                entries.append(coefficient)
            }
            glp_set_mat_col(problem, column, Int32(rows.count - 1), rows, entries)
        }
    }

    private let scaling = LinearProgram.ScaleTracker()
    func solve() -> LinearProgram.Outcome { LinearProgram.simplex(problem, method: .primal, scaling: scaling) }

    func value(of variable: Int) -> Double {
        let row = variable < categories ? Int32(variable + 1) : slackRow[variable - categories]
        return row > 0 ? abs(glp_get_row_dual(problem, row)) : 0
    }
    var objective: Double { glp_get_obj_val(problem) }
    var iterations: Int { Int(glp_get_it_cnt(problem)) }

    func nonBindingCuts(margin: Double) -> [Bool] {
        (0..<cutOrder.count).map { cut in
            let column = Int32(cut + 2)
            return glp_get_col_stat(problem, column) == GLP_NL && abs(glp_get_col_dual(problem, column)) > margin
        }
    }

    func write(mps path: String) throws { try LinearProgram.write(problem, mps: path) }

    func deleteCuts(_ indices: [Int]) {
        guard !indices.isEmpty else { return }
        glp_del_cols(problem, Int32(indices.count), [0] + indices.map { Int32($0 + 2) })
        for position in indices {
            let id = cutOrder[position]
            for slack in cutSlacks[Int(id)].map(Int.init) {
                slackUsers[slack] -= 1
                if soleUser[slack] == id { soleUser[slack] = -1 }
            }
            cutPosition[Int(id)] = -1
            cutOrder[position] = -1
        }
        cutOrder.removeAll { $0 < 0 }
        for (position, id) in cutOrder.enumerated() { cutPosition[Int(id)] = Int32(position) }
    }
}

/// A minimisation LP `min c.x, rows >= b (or == b), x >= 0 or free`, stored and solved as its
/// dual in GLPK: `max b.y` with a row per primal column (`<= c` for `x >= 0`, `== c` for a free
/// one) and a column per primal row (`y >= 0`, free for an equality). A new primal row is a new
/// column, so the last basis stays primal feasible and the primal simplex restarts warm; the
/// basis has one row per primal *column*, far fewer than the cuts. Primal values are the duals
/// of its rows.
final class TransposedLP {
    private let problem: OpaquePointer
    private let scaling = LinearProgram.ScaleTracker()
    private(set) var columnCount = 0

    init() {
        glp_term_out(GLP_OFF)
        problem = glp_create_prob()
        glp_set_obj_dir(problem, GLP_MAX)
    }

    deinit { glp_delete_prob(problem) }

    /// Adds primal columns `x >= 0` (or free when `lower` is `-infinity`) with these costs;
    /// returns the index of the first (0-based).
    func addColumns(objective: [Double], lower: Double = 0) -> Int {
        precondition(objective.allSatisfy(\.isFinite) && (lower == 0 || lower == -.infinity))
        let first = columnCount
        guard !objective.isEmpty else { return first }
        let start = glp_add_rows(problem, Int32(objective.count))
        for (offset, cost) in objective.enumerated() {
            glp_set_row_bnds(problem, start + Int32(offset), lower == 0 ? GLP_UP : GLP_FX, cost, cost)
        }
        columnCount += objective.count
        return first
    }

    /// Adds primal rows; columns must exist and be distinct within a row.
    func addRows(_ rows: [LinearProgram.Row]) {
        guard !rows.isEmpty else { return }
        let start = glp_add_cols(problem, Int32(rows.count))
        for (offset, row) in rows.enumerated() {
            row.check(columnCount: columnCount)
            let column = start + Int32(offset)
            if row.isEquality { glp_set_col_bnds(problem, column, GLP_FR, 0, 0) } else { glp_set_col_bnds(problem, column, GLP_LO, 0, 0) }
            glp_set_obj_coef(problem, column, row.bound)
            glp_set_mat_col(problem, column, Int32(row.columns.count), [0] + row.columns.map { $0 + 1 }, [0] + row.coefficients)
        }
    }

    func solve() -> LinearProgram.Outcome { LinearProgram.simplex(problem, method: .primal, scaling: scaling) }
    /// The value of primal column `column` (0-based): the dual of its row.
    func value(ofColumn column: Int) -> Double { glp_get_row_dual(problem, Int32(column + 1)) }
    var objective: Double { glp_get_obj_val(problem) }
    var iterations: Int { Int(glp_get_it_cnt(problem)) }
    func write(mps path: String) throws { try LinearProgram.write(problem, mps: path) }
}
