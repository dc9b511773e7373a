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
            if source.sequenceCount > 0 {
                // Whole copies first, then sequences from the start until the target is reached.
                let fullCopies = source.bytes.count > 0 ? target / source.bytes.count : 0
                for _ in 0..<fullCopies { portion.append(sequences: 0..<source.sequenceCount, of: source) }
                var taken = 0
                var size = portion.bytes.count
                while taken < source.sequenceCount && size + source.sequenceRange(taken).count <= target {
                    size += source.sequenceRange(taken).count
                    taken += 1
                }
                portion.append(sequences: 0..<taken, of: source)
            }
            corpus.append(sequences: 0..<portion.sequenceCount, of: portion)
            portions.append(portion)
        }
        return (corpus, portions)
    }
}
