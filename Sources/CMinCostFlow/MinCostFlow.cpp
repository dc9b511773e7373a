// The one C++ file of toksleuth: a C entry point over LEMON's minimum-cost flow, so that the
// Swift code never sees C++ types.
#include "MinCostFlow.h"

#include <lemon/network_simplex.h>
#include <lemon/static_graph.h>

#include <cstdint>
#include <new>
#include <utility>
#include <vector>

namespace {

template <typename Cost>
int minCostFlow(int32_t nodes, int64_t arcs, const int32_t *tail, const int32_t *head, const int64_t *capacity,
                const int64_t *cost, const int64_t *supply, int32_t reference, int64_t *flow, int64_t *potential) {
    using Graph = lemon::StaticDigraph;
    using Solver = lemon::NetworkSimplex<Graph, int64_t, Cost>;
    try {
        // StaticDigraph wants its arcs sorted by tail: build an order, keep the caller's indices.
        std::vector<int64_t> order(arcs);
        std::vector<int64_t> start(static_cast<size_t>(nodes) + 1, 0);
        for (int64_t k = 0; k < arcs; ++k) start[tail[k] + 1] += 1;
        for (int32_t i = 0; i < nodes; ++i) start[i + 1] += start[i];
        std::vector<int64_t> next(start.begin(), start.end() - 1);
        for (int64_t k = 0; k < arcs; ++k) order[next[tail[k]]++] = k;
        std::vector<std::pair<int, int>> list(arcs);
        for (int64_t j = 0; j < arcs; ++j) list[j] = {tail[order[j]], head[order[j]]};

        Graph graph;
        graph.build(nodes, list.begin(), list.end());
        Graph::ArcMap<int64_t> upper(graph);
        Graph::ArcMap<Cost> unitCost(graph);
        Graph::NodeMap<int64_t> nodeSupply(graph);
        for (int64_t j = 0; j < arcs; ++j) {
            Graph::Arc arc = graph.arc(static_cast<int>(j));
            upper[arc] = capacity[order[j]];
            unitCost[arc] = cost[order[j]];
        }
        for (int32_t i = 0; i < nodes; ++i) nodeSupply[graph.node(i)] = supply[i];

        Solver solver(graph);
        solver.upperMap(upper).costMap(unitCost).supplyMap(nodeSupply);
        // The network simplex with a candidate-list pivot rule: chosen by measurement on the
        // networks of full-T solves (docs/lp-history.md).
        typename Solver::ProblemType outcome = solver.run(Solver::CANDIDATE_LIST);
        if (outcome == Solver::INFEASIBLE) return 1;
        if (outcome == Solver::UNBOUNDED) return 2;
        for (int64_t j = 0; j < arcs; ++j) flow[order[j]] = solver.flow(graph.arc(static_cast<int>(j)));
        const Cost origin = solver.potential(graph.node(reference));
        for (int32_t i = 0; i < nodes; ++i) {
            const Cost relative = solver.potential(graph.node(i)) - origin;
            if (relative > INT64_MAX || relative < -INT64_MAX) return 3;
            potential[i] = static_cast<int64_t>(relative);
        }
        return 0;
    } catch (const std::bad_alloc &) {
        return 3;
    }
}

}  // namespace

int toksleuth_min_cost_flow(int32_t nodes, int64_t arcs, const int32_t *tail, const int32_t *head,
                            const int64_t *capacity, const int64_t *cost, const int64_t *supply,
                            int32_t reference, int32_t wide, int64_t *flow, int64_t *potential) {
    // 128-bit costs for fine cost grids: the network simplex's artificial cost is half the
    // type's range and its potentials are sums along tree paths, which 64 bits would not hold
    // there. They cost time (measured: docs/lp-history.md), so coarse grids keep 64 bits.
    if (wide) return minCostFlow<__int128>(nodes, arcs, tail, head, capacity, cost, supply, reference, flow, potential);
    return minCostFlow<int64_t>(nodes, arcs, tail, head, capacity, cost, supply, reference, flow, potential);
}
