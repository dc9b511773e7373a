/// The restricted LP of the interval form (``MixtureSolver/solveByIntervals``), in GLPK, grown
/// lazily: nothing but the weights exists until a cut needs it (or ``addTree(_:)`` puts the
/// whole tree in at once).
///
/// Columns: the weights `alpha` (0..<n), then as cuts need them a step slack `v_k` with its
/// level `u_k` (free) per constrained step, a free level `z_N` per node of the ``StepTree``,
/// a slack `v_p` per pair and a free excess `e` per run. Rows (all `>= 0` but the simplex row):
/// `v_k + M_k(alpha) - u_k` per step and `e + v_p - W_I(p)(alpha)` per run (the only dense
/// rows), *links* `u_k - z_N` (step `k` in node `N`; or `z_child - z_N` in the whole tree), and
/// per (run, node) `z_N - e`. A node without links is unbounded above, so the separation links
/// each new node to its lowest levels, and adds links whenever a node's level exceeds a step's
/// of its range. GLPK holds the LP transposed (``TransposedLP``: rows join as columns, primal
/// simplex, warm), or as stated when the weights are fixed.
final class IntervalLP {
    private let lp: IntervalLPStorage
    private let categories: Int
    private let stepCosts: [Double]
    private let merges: [[(category: Int32, count: Double)]]
    private var stepColumn: [Int32]
    private var nodeColumn: [Int32]
    private var pairColumn: [Int32: Int32] = [:]
    /// Per run (pair, first position): the column of its excess `e = W(p)(alpha) - v_p`, bounded
    /// below by the run's one dense row, so that its node rows are `z_N - e >= 0`.
    private var runColumn: [UInt64: Int32] = [:]
    /// Nodes with a column, in the order they joined.
    private(set) var nodes: [Int32] = []
    private var rows = Set<UInt64>()
    private var links = Set<UInt64>()

    /// Pair rows in the LP.
    var pairRows: Int { rows.count }
    /// Link rows in the LP.
    var linkRows: Int { links.count }
    /// Pair slack columns in the LP.
    var pairColumns: Int { pairColumn.count }
    /// Step slack columns in the LP.
    var stepColumns: Int { stepColumn.lazy.filter { $0 >= 0 }.count }

    init(categories: Int, fixedWeights: [Double]?, nodeCount: Int, stepCosts: [Double],
         merges: [[(category: Int32, count: Double)]]) {
        self.categories = categories
        self.stepCosts = stepCosts
        self.merges = merges
        stepColumn = [Int32](repeating: -1, count: stepCosts.count)
        nodeColumn = [Int32](repeating: -1, count: nodeCount)
        if let fixedWeights {
            let primal = LinearProgram()
            _ = primal.addColumns(objective: [Double](repeating: 0, count: categories), lower: 0, upper: 1)
            for (column, value) in fixedWeights.enumerated() { primal.fix(column: column, at: value) }
            lp = .primal(primal)
        } else {
            let transposed = TransposedLP()
            _ = transposed.addColumns(objective: [Double](repeating: 0, count: categories))
            lp = .transposed(transposed)
        }
        lp.addRows([LinearProgram.Row(columns: (0..<Int32(categories)).map { $0 },
                                      coefficients: [Double](repeating: 1, count: categories), bound: 1, isEquality: true)])
    }

    private static func key(_ a: Int32, _ b: Int32) -> UInt64 { UInt64(UInt32(a)) << 32 | UInt64(UInt32(b)) }

    func contains(pair: Int32, node: Int32) -> Bool { rows.contains(IntervalLP.key(node, pair)) }
    func contains(node: Int32) -> Bool { nodeColumn[Int(node)] >= 0 }
    func contains(link node: Int32, position: Int32) -> Bool { links.contains(IntervalLP.key(node, position)) }

    /// Adds the whole tree at once: every step's level, every node, `z_N <= z_child` per tree
    /// edge and `z_leaf <= u_k` per step, so that no link ever needs separating.
    func addTree(_ tree: StepTree) {
        _ = add([], links: tree.leaf.enumerated().map { (node: $0.element, position: Int32($0.offset)) })
        let missing = (0..<Int32(tree.nodeCount)).filter { nodeColumn[Int($0)] < 0 }
        let first = lp.addColumns(objective: [Double](repeating: 0, count: missing.count), lower: -.infinity)
        for (offset, node) in missing.enumerated() { nodeColumn[Int(node)] = Int32(first + offset) }
        nodes += missing
        var edges: [LinearProgram.Row] = []
        for node in 0..<tree.nodeCount where tree.left[node] >= 0 {
            for child in [tree.left[node], tree.right[node]] {
                edges.append(LinearProgram.Row(columns: [nodeColumn[Int(child)], nodeColumn[node]], coefficients: [1, -1], bound: 0))
            }
        }
        lp.addRows(edges)
    }

    /// Adds pair rows and links (and the columns they need); returns the number of new pair columns.
    func add(_ newRows: [MixtureSolver.RunRow], links newLinks: [(node: Int32, position: Int32)]) -> Int {
        // Columns first: steps (with their level rows), nodes, pairs.
        var levelRows: [LinearProgram.Row] = []
        for link in newLinks where stepColumn[Int(link.position)] < 0 {
            let position = Int(link.position)
            let first = lp.addColumns(objective: [stepCosts[position]])
            _ = lp.addColumns(objective: [0], lower: -.infinity)
            stepColumn[position] = Int32(first)
            let merge = merges[position]
            levelRows.append(LinearProgram.Row(columns: merge.map(\.category) + [Int32(first), Int32(first + 1)],
                                               coefficients: merge.map(\.count) + [1, -1], bound: 0))
        }
        var newNodes: [Int32] = []
        for node in newRows.map(\.node) + newLinks.map(\.node) where nodeColumn[Int(node)] == -1 {
            nodeColumn[Int(node)] = -2
            newNodes.append(node)
        }
        if !newNodes.isEmpty {
            let first = lp.addColumns(objective: [Double](repeating: 0, count: newNodes.count), lower: -.infinity)
            for (offset, node) in newNodes.enumerated() { nodeColumn[Int(node)] = Int32(first + offset) }
            nodes += newNodes
        }
        var newPairs: [Int32] = []
        for row in newRows where pairColumn[row.pair] == nil {
            // Marked at once: a pair with several rows joins once.
            pairColumn[row.pair] = -1
            newPairs.append(row.pair)
        }
        if !newPairs.isEmpty {
            let first = lp.addColumns(objective: [Double](repeating: 1, count: newPairs.count))
            for (offset, pair) in newPairs.enumerated() { pairColumn[pair] = Int32(first + offset) }
        }
        var excessRows: [LinearProgram.Row] = []
        for row in newRows where runColumn[IntervalLP.key(row.pair, row.start)] == nil {
            let column = lp.addColumns(objective: [0], lower: -.infinity)
            runColumn[IntervalLP.key(row.pair, row.start)] = Int32(column)
            excessRows.append(LinearProgram.Row(columns: row.counts.map(\.category) + [pairColumn[row.pair]!, Int32(column)],
                                                coefficients: row.counts.map { -$0.count } + [1, 1], bound: 0))
        }
        var built = levelRows + excessRows
        for link in newLinks where links.insert(IntervalLP.key(link.node, link.position)).inserted {
            built.append(LinearProgram.Row(columns: [stepColumn[Int(link.position)] + 1, nodeColumn[Int(link.node)]],
                                           coefficients: [1, -1], bound: 0))
        }
        for row in newRows where rows.insert(IntervalLP.key(row.node, row.pair)).inserted {
            built.append(LinearProgram.Row(columns: [nodeColumn[Int(row.node)], runColumn[IntervalLP.key(row.pair, row.start)]!],
                                           coefficients: [1, -1], bound: 0))
        }
        lp.addRows(built)
        return newPairs.count
    }

    func solve() -> LinearProgram.Outcome { lp.solve() }
    var objective: Double { lp.objective }
    var iterations: Int { lp.iterations }
    func write(mps path: String) throws { try lp.write(mps: path) }

    /// The weights, clipped at 0 and renormalised.
    func weights() -> [Double] {
        var alpha = (0..<categories).map { max(0, lp.value(ofColumn: $0)) }
        let total = alpha.reduce(0, +)
        if total > 0 { alpha = alpha.map { $0 / total } }
        return alpha
    }

    /// The slack of the step at `position` (0 without a column).
    func stepSlack(_ position: Int) -> Double {
        stepColumn[position] < 0 ? 0 : max(0, lp.value(ofColumn: Int(stepColumn[position])))
    }

    /// The level of a node in the LP's solution.
    func level(of node: Int32) -> Double { lp.value(ofColumn: Int(nodeColumn[Int(node)])) }

    /// Every pair's slack (0 for pairs without a column).
    func pairSlacks(count: Int) -> [Double] {
        var slack = [Double](repeating: 0, count: count)
        for (pair, column) in pairColumn { slack[Int(pair)] = max(0, lp.value(ofColumn: Int(column))) }
        return slack
    }
}

/// The GLPK problem behind an ``IntervalLP``: transposed (primal simplex on the dual: the basis
/// has a row per variable, not per cut), or as stated when the weights are fixed.
enum IntervalLPStorage {
    case primal(LinearProgram)
    case transposed(TransposedLP)

    func addColumns(objective: [Double], lower: Double = 0) -> Int {
        switch self {
        case .primal(let lp): return lp.addColumns(objective: objective, lower: lower)
        case .transposed(let lp): return lp.addColumns(objective: objective, lower: lower)
        }
    }
    func addRows(_ rows: [LinearProgram.Row]) {
        switch self {
        case .primal(let lp): lp.addRows(rows)
        case .transposed(let lp): lp.addRows(rows)
        }
    }
    func solve() -> LinearProgram.Outcome {
        switch self {
        case .primal(let lp): return lp.solve(method: .dual)
        case .transposed(let lp): return lp.solve()
        }
    }
    func value(ofColumn column: Int) -> Double {
        switch self {
        case .primal(let lp): return lp.value(ofColumn: column)
        case .transposed(let lp): return lp.value(ofColumn: column)
        }
    }
    var objective: Double {
        switch self {
        case .primal(let lp): return lp.objective
        case .transposed(let lp): return lp.objective
        }
    }
    var iterations: Int {
        switch self {
        case .primal(let lp): return lp.iterations
        case .transposed(let lp): return lp.iterations
        }
    }
    func write(mps path: String) throws {
        switch self {
        case .primal(let lp): try lp.write(mps: path)
        case .transposed(let lp): try lp.write(mps: path)
        }
    }
}
