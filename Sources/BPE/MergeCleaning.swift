/// Removes redundant merges: those whose result token an earlier merge already forms.
///
/// Conversions of SentencePiece models to HF's format list every split of a piece into two
/// vocabulary tokens as a merge (Llama's 32,000 pieces carry 61,249 merges), but a trainer
/// chose each piece once. For each token the cleaned list keeps one merge, at the position of
/// the token's first merge: the split that applying the kept merges before it to the token's
/// start symbols leaves (its earliest merge path), or the first listed merge when that split
/// is not among the token's merges.
public enum MergeCleaning {
    /// The cleaned merge list and the number of merges dropped.
    public static func clean(_ model: BPEModel) -> (merges: [MergeRule], dropped: Int) {
        let merges = model.merges
        var groups: [UInt32: [Int]] = [:]
        for (rank, merge) in merges.enumerated() { groups[merge.result, default: []].append(rank) }
        if groups.count == merges.count { return (merges, 0) }
        let alphabet = model.alphabet
        var kept: [MergeRule] = []
        var keptRanks: [UInt64: RankedJoin.Rank] = [:]
        var done = Set<UInt32>()
        var symbols: [UInt32] = []
        for merge in merges where !done.contains(merge.result) {
            done.insert(merge.result)
            let group = groups[merge.result]!
            var chosen = merge
            if group.count > 1 {
                symbols.removeAll(keepingCapacity: true)
                model.tokens[Int(merge.result)].bytes.withUnsafeBufferPointer { alphabet.appendSymbols(of: $0, to: &symbols) }
                if let (left, right) = MergeRecovery.lastPair(of: symbols, rankOf: { keptRanks[packPair($0, $1)] }),
                   let match = group.first(where: { merges[$0].left == left && merges[$0].right == right }) {
                    chosen = merges[match]
                }
            }
            keptRanks[chosen.pairKey] = (UInt64(kept.count), chosen.result)
            kept.append(chosen)
        }
        return (kept, merges.count - kept.count)
    }
}
