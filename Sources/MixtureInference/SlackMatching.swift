import Collections

/// The slack problem for fixed category weights, over a working set of (step, pair) edges,
/// solved exactly by a combinatorial algorithm:
///
///     minimise   sum_t c_t v_t + sum_p v_p
///     subject to v_t + v_p >= w_tp(alpha) = sum_i alpha_i d_i(t, p)   for the edges in the set
///                v >= 0
///
/// is a weighted bipartite vertex cover between merge steps and pairs; its LP dual is a
/// maximum-weight b-matching (each step `c_t` times, each pair once), which is integral. The
/// matching is found by successive shortest augmenting paths (Hungarian method with
/// Dijkstra on reduced costs), one search per copy of a step; a step may stay unmatched, which
/// is modelled by a private zero-weight "dummy" pair per step that is never stored.
///
/// It replaces a GLPK LP of the same cover (row duals as the matching), whose dual simplex
/// spent most of a round on a few hundred thousand 2-non-zero rows; the matching is integral,
/// so the cut of the master it gives is exact at the query once the working set holds every
/// edge its cover misses.
///
/// Step costs `c_t` must be non-negative integers (the bootstrap's step multiplicities are);
/// a step of cost 0 gives no constraint.
final class SlackMatching {
    private let categories: Int
    private let steps: Int
    private let pairs: Int
    private let stepCost: [Int]
    /// The working set: edge `e` joins step `edgeStep[e]` and pair `edgePair[e]`, with
    /// coefficients `d_i` at `edgeCoefficients[e * categories ..< (e + 1) * categories]` and
    /// its weight `w_e` at the current weights.
    private(set) var edgeStep: [Int32] = []
    private(set) var edgePair: [Int32] = []
    private var edgeCoefficients: [Double] = []
    private var edgeWeight: [Double] = []
    private var edgeIdle: [Int32] = []
    /// Keys of the edges in the set (``SeparatedEdge/key(step:pair:)``).
    private(set) var keys = Set<UInt64>()
    private var alpha: [Double]

    /// The solution of the last ``solve()``: the pair slacks (duals of the pairs), the step
    /// slacks of the set (`max(0, max_e (w_e - v_p))` over the step's edges), and per row (copy
    /// of a step) the edge it is matched to, or -1.
    private(set) var pairSlack: [Double]
    private(set) var stepSlack: [Double]
    private var rowEdge: [Int32] = []
    /// The value of the matching, `sum` of its edges' weights (equal to the cover's objective).
    private(set) var objective = 0.0

    init(categories: Int, steps: Int, pairs: Int, stepCost: [Int]) {
        self.categories = categories
        self.steps = steps
        self.pairs = pairs
        self.stepCost = stepCost
        alpha = [Double](repeating: 1 / Double(categories), count: categories)
        pairSlack = [Double](repeating: 0, count: pairs)
        stepSlack = [Double](repeating: 0, count: steps)
    }

    var edgeCount: Int { edgeStep.count }

    /// Adds edges (with their coefficients `d`); their weights are those of the current weights.
    func add(_ edges: [SeparatedEdge]) {
        for edge in edges {
            precondition(edge.coefficients.count == categories && edge.coefficients.allSatisfy(\.isFinite))
            guard keys.insert(SeparatedEdge.key(step: edge.step, pair: edge.pair)).inserted else { continue }
            edgeStep.append(Int32(edge.step))
            edgePair.append(edge.pair)
            edgeCoefficients.append(contentsOf: edge.coefficients)
            var w = 0.0
            for i in 0..<categories { w += alpha[i] * edge.coefficients[i] }
            edgeWeight.append(w)
            edgeIdle.append(0)
        }
    }

    /// Sets every edge's weight for the weights `alpha`.
    func setWeights(_ alpha: [Double]) {
        self.alpha = alpha
        let n = categories
        edgeCoefficients.withUnsafeBufferPointer { d in
            for e in 0..<edgeCount {
                var w = 0.0
                let base = e * n
                for i in 0..<n { w += alpha[i] * d[base + i] }
                edgeWeight[e] = w
            }
        }
    }

    /// `sum` of the coefficients of the matched edges: the gradient of the lower bound
    /// `alpha' -> sum_(matched e) w_e(alpha') <= F(alpha')`, exact at the weights solved for.
    func matchingGradient() -> [Double] {
        var g = [Double](repeating: 0, count: categories)
        edgeCoefficients.withUnsafeBufferPointer { d in
            for e in rowEdge where e >= 0 {
                let base = Int(e) * categories
                for i in 0..<categories { g[i] += d[base + i] }
            }
        }
        return g
    }

    /// The matched edges of the last solve, with their coefficients: the constraints that
    /// carry the slacks (one per step at most, each pair once).
    func matchedEdges() -> [SeparatedEdge] {
        rowEdge.filter { $0 >= 0 }.map { e32 in
            let e = Int(e32)
            return SeparatedEdge(step: Int(edgeStep[e]), pair: edgePair[e], violation: 0,
                                 coefficients: Array(edgeCoefficients[(e * categories)..<((e + 1) * categories)]))
        }
    }

    /// Steps and pairs with a positive slack.
    var slackColumns: (steps: Int, pairs: Int) {
        (stepSlack.lazy.filter { $0 > 0 }.count, pairSlack.lazy.filter { $0 > 0 }.count)
    }

    /// Deletes edges that have not been tight (`w_e < v_t + v_p - margin`) for more than `age`
    /// solves in a row; returns how many. Tight edges carry the matching and its alternatives.
    @discardableResult
    func deleteIdleEdges(age: Int, margin: Double) -> Int {
        var keep = [Bool](repeating: true, count: edgeCount)
        var removed = 0
        for e in 0..<edgeCount {
            let idle = edgeWeight[e] < stepSlack[Int(edgeStep[e])] + pairSlack[Int(edgePair[e])] - margin
            edgeIdle[e] = idle ? edgeIdle[e] + 1 : 0
            if edgeIdle[e] > Int32(age) {
                keep[e] = false
                removed += 1
                keys.remove(SeparatedEdge.key(step: Int(edgeStep[e]), pair: edgePair[e]))
            }
        }
        guard removed > 0 else { return 0 }
        var step: [Int32] = [], pair: [Int32] = [], idle: [Int32] = [], weight: [Double] = [], d: [Double] = []
        let kept = edgeCount - removed
        step.reserveCapacity(kept); pair.reserveCapacity(kept); idle.reserveCapacity(kept); weight.reserveCapacity(kept)
        d.reserveCapacity(kept * categories)
        var newIndex = [Int32](repeating: -1, count: edgeCount)
        for e in 0..<edgeCount where keep[e] {
            newIndex[e] = Int32(step.count)
            step.append(edgeStep[e]); pair.append(edgePair[e]); idle.append(edgeIdle[e]); weight.append(edgeWeight[e])
            d.append(contentsOf: edgeCoefficients[(e * categories)..<((e + 1) * categories)])
        }
        edgeStep = step; edgePair = pair; edgeIdle = idle; edgeWeight = weight; edgeCoefficients = d
        // Matched edges are tight, so never deleted: the matching keeps its edges.
        rowEdge = rowEdge.map { $0 >= 0 ? newIndex[Int($0)] : -1 }
        return removed
    }

    /// A search node: a pair (column) `>= 0`, or the dummy of row `r` as `-(r + 1)`.
    private struct Label: Comparable {
        var distance: Double
        var node: Int32
        static func < (a: Label, b: Label) -> Bool { a.distance != b.distance ? a.distance < b.distance : a.node < b.node }
    }

    /// Solves the matching over the working set from scratch and sets ``pairSlack``,
    /// ``stepSlack`` and ``objective``.
    ///
    /// - Complexity: one shortest-path search per copy of a step, each `O(k log k)` in the
    ///   edges `k` it reaches; most steps match their heaviest edge at once.
    func solve() {
        // Edges of each step, heaviest first, positive weights only (an edge of weight <= 0 is
        // covered by zero slacks and never helps a matching).
        var order = (0..<Int32(edgeCount)).filter { edgeWeight[Int($0)] > 0 }
        order.sort { a, b in
            edgeStep[Int(a)] != edgeStep[Int(b)] ? edgeStep[Int(a)] < edgeStep[Int(b)]
                : (edgeWeight[Int(a)] != edgeWeight[Int(b)] ? edgeWeight[Int(a)] > edgeWeight[Int(b)] : edgePair[Int(a)] < edgePair[Int(b)])
        }
        var start = [Int](repeating: 0, count: steps + 1)
        for e in order { start[Int(edgeStep[Int(e)]) + 1] += 1 }
        for t in 0..<steps { start[t + 1] += start[t] }
        let column = order.map { edgePair[Int($0)] }
        let weight = order.map { edgeWeight[Int($0)] }

        // Rows: every copy of a step with edges.
        var rowStep: [Int32] = []
        for t in 0..<steps where start[t + 1] > start[t] && stepCost[t] > 0 {
            for _ in 0..<stepCost[t] { rowStep.append(Int32(t)) }
        }
        let rows = rowStep.count
        var y = rowStep.map { weight[start[Int($0)]] }
        var z = [Double](repeating: 0, count: pairs)
        var rowMatch = [Int32](repeating: -1, count: rows)  // position in `column`, or -1
        var columnMatch = [Int32](repeating: -1, count: pairs)

        var rowDistance = [Double](repeating: 0, count: rows)
        var columnDistance = [Double](repeating: .infinity, count: pairs)
        var columnDone = [Bool](repeating: false, count: pairs)
        var columnPredecessor = [Int32](repeating: -1, count: pairs)  // row
        var columnVia = [Int32](repeating: -1, count: pairs)  // position in `column`
        var treeRows: [Int32] = []
        var touched: [Int32] = []
        var heap = Heap<Label>()

        for root in 0..<rows {
            let t = Int(rowStep[root])
            // Its heaviest edge to a free pair is tight: take it without a search.
            let first = start[t]
            if columnMatch[Int(column[first])] < 0 && z[Int(column[first])] == 0 && y[root] == weight[first] {
                rowMatch[root] = Int32(first)
                columnMatch[Int(column[first])] = Int32(root)
                continue
            }
            treeRows.removeAll(keepingCapacity: true)
            touched.removeAll(keepingCapacity: true)
            heap = Heap()
            rowDistance[root] = 0
            treeRows.append(Int32(root))
            var end: Int32 = 0
            var delta = 0.0
            func relax(_ r: Int) {
                let base = rowDistance[r] + y[r]
                let s = Int(rowStep[r])
                for k in start[s]..<start[s + 1] {
                    let j = Int(column[k])
                    if columnDone[j] { continue }
                    let d = max(rowDistance[r], base + z[j] - weight[k])
                    if d < columnDistance[j] {
                        if columnDistance[j] == .infinity { touched.append(Int32(j)) }
                        columnDistance[j] = d
                        columnPredecessor[j] = Int32(r)
                        columnVia[j] = Int32(k)
                        heap.insert(Label(distance: d, node: Int32(j)))
                    }
                }
                heap.insert(Label(distance: base, node: -Int32(r) - 1))
            }
            relax(root)
            while let label = heap.popMin() {
                if label.node < 0 {
                    end = label.node
                    delta = label.distance
                    break
                }
                let j = Int(label.node)
                if columnDone[j] || label.distance > columnDistance[j] { continue }
                columnDone[j] = true
                let owner = columnMatch[j]
                if owner < 0 {
                    end = label.node
                    delta = label.distance
                    break
                }
                rowDistance[Int(owner)] = label.distance
                treeRows.append(owner)
                relax(Int(owner))
            }
            // Potentials: reduced costs stay non-negative and the tree's matched edges tight.
            for r in treeRows { y[Int(r)] = max(0, y[Int(r)] - (delta - rowDistance[Int(r)])) }
            for j32 in touched where columnDone[Int(j32)] {
                let j = Int(j32)
                if columnDistance[j] < delta { z[j] += delta - columnDistance[j] }
            }
            // Augment along the path back to the root.
            var j: Int32
            if end < 0 {
                let last = Int(-end - 1)
                y[last] = 0
                guard last != root else {
                    for j in touched { columnDistance[Int(j)] = .infinity; columnDone[Int(j)] = false }
                    continue
                }
                j = column[Int(rowMatch[last])]
                rowMatch[last] = -1
                columnMatch[Int(j)] = -1
            } else {
                j = end
            }
            while true {
                let r = Int(columnPredecessor[Int(j)])
                let previous = rowMatch[r] >= 0 ? column[Int(rowMatch[r])] : -1
                rowMatch[r] = columnVia[Int(j)]
                columnMatch[Int(j)] = Int32(r)
                if r == root { break }
                j = previous
            }
            for j in touched { columnDistance[Int(j)] = .infinity; columnDone[Int(j)] = false }
        }

        pairSlack = z
        objective = 0
        rowEdge = rowMatch.map { $0 >= 0 ? order[Int($0)] : -1 }
        for k in rowMatch where k >= 0 { objective += weight[Int(k)] }
        stepSlack = [Double](repeating: 0, count: steps)
        for t in 0..<steps {
            for k in start[t]..<start[t + 1] { stepSlack[t] = max(stepSlack[t], weight[k] - z[Int(column[k])]) }
        }
    }
}
