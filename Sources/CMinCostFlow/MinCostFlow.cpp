// The one C++ file of toksleuth: a C entry point over LEMON's minimum-cost flow, so that the
// Swift code never sees C++ types.
#include "MinCostFlow.h"

#include <lemon/network_simplex.h>
#include <lemon/static_graph.h>

#include <new>
#include <utility>
#include <vector>

int toksleuth_min_cost_flow(int32_t nodes, int64_t arcs, const int32_t *tail, const int32_t *head,
                            const int64_t *capacity, const int64_t *cost, const int64_t *supply,
                            int64_t *flow, int64_t *potential) {
    using Graph = lemon::StaticDigraph;
    using Solver = lemon::NetworkSimplex<Graph, int64_t, int64_t>;
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
        Graph::ArcMap<int64_t> upper(graph), unitCost(graph);
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
        // networks of full-T solves (README, "Solving the LP").
        Solver::ProblemType outcome = solver.run(Solver::CANDIDATE_LIST);
        if (outcome == Solver::INFEASIBLE) return 1;
        if (outcome == Solver::UNBOUNDED) return 2;
        for (int64_t j = 0; j < arcs; ++j) flow[order[j]] = solver.flow(graph.arc(static_cast<int>(j)));
        for (int32_t i = 0; i < nodes; ++i) potential[i] = solver.potential(graph.node(i));
        return 0;
    } catch (const std::bad_alloc &) {
        return 3;
    }
}
