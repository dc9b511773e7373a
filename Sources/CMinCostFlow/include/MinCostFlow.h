#ifndef TOKSLEUTH_MIN_COST_FLOW_H
#define TOKSLEUTH_MIN_COST_FLOW_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A minimum-cost flow by LEMON's network simplex (`lemon::NetworkSimplex`, candidate-list pivots).
///
/// Nodes are 0..<nodes; arc k runs from tail[k] to head[k] with capacity [0, capacity[k]] and
/// integer unit cost cost[k]; supply[i] > 0 is a source, < 0 a sink, and supplies must sum to
/// 0 (every supply is shipped). On success writes the flow of every arc and a potential per
/// node, relative to node `reference`, such that the reduced cost `cost[k] + potential[tail] -
/// potential[head]` is >= 0 on arcs below capacity and <= 0 on arcs with flow (the dual
/// solution), and returns 0; returns 1 when no feasible flow exists, 2 when the cost is
/// unbounded, 3 on any other failure (allocation, or a potential beyond 64 bits). `wide` != 0
/// sums costs in 128 bits (fine cost grids), else in 64.
int toksleuth_min_cost_flow(int32_t nodes, int64_t arcs, const int32_t *tail, const int32_t *head,
                            const int64_t *capacity, const int64_t *cost, const int64_t *supply,
                            int32_t reference, int32_t wide, int64_t *flow, int64_t *potential);

#ifdef __cplusplus
}
#endif

#endif
