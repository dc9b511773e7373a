import Corpora

/// Training text drawn from categories in given proportions.
public enum MixtureCorpus {
    /// About `totalBytes` of text, `weights[i]` of it from `sources[i]` (whole lines or
    /// records, from the start, the text repeated when it is too short).
    /// - Returns: the corpus and, per category, the exact portion it contributed.
    public static func build(sources: [Corpus], weights: [Double], totalBytes: Int) -> (corpus: Corpus, portions: [Corpus]) {
        precondition(sources.count == weights.count)
        let total = weights.reduce(0, +)
        var corpus = Corpus()
        var portions: [Corpus] = []
        for (source, weight) in zip(sources, weights) {
            let target = total > 0 ? Int((Double(totalBytes) * weight / total).rounded()) : 0
            var portion = Corpus()
            let sizes = (0..<source.sequenceCount).map { source.sequenceRange($0).count }
            let plan = MixtureCorpus.portion(sizes: sizes, target: target)
            for _ in 0..<plan.copies { portion.append(sequences: 0..<source.sequenceCount, of: source) }
            portion.append(sequences: 0..<plan.prefix, of: source)
            corpus.append(sequences: 0..<portion.sequenceCount, of: portion)
            portions.append(portion)
        }
        return (corpus, portions)
    }

    /// How a source whose units (lines, records, documents) have `sizes` bytes makes up
    /// `target` bytes: whole copies of it first, then its units from the first while they fit.
    ///
    /// Units of 3, 4 and 5 bytes (12 in all) for a target of 30: 2 copies and a prefix of
    /// 1 unit (24 + 3 = 27 bytes; the next unit would pass 30).
    public static func portion(sizes: [Int], target: Int) -> (copies: Int, prefix: Int) {
        let total = sizes.reduce(0, +)
        let copies = total > 0 ? target / total : 0
        var size = copies * total
        var prefix = 0
        while prefix < sizes.count && size + sizes[prefix] <= target {
            size += sizes[prefix]
            prefix += 1
        }
        return (copies, prefix)
    }
}
