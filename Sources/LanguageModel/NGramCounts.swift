/// An n-gram of up to ``NGramKey/maximumOrder`` token ids; unused lanes are zero, so keys of
/// one length sort lexicographically.
struct NGramKey: Comparable {
    static let maximumOrder = 8
    var lanes = SIMD8<UInt32>(repeating: 0)

    static func < (a: NGramKey, b: NGramKey) -> Bool {
        for lane in 0..<maximumOrder where a.lanes[lane] != b.lanes[lane] {
            return a.lanes[lane] < b.lanes[lane]
        }
        return false
    }

    /// The same n-gram without its first word (`length` words long).
    func droppingFirst(length: Int) -> NGramKey {
        var result = NGramKey()
        for lane in 1..<length { result.lanes[lane - 1] = lanes[lane] }
        return result
    }
}

/// Adjusted counts of every n-gram of a corpus, as interpolated modified Kneser-Ney needs
/// them (Chen & Goodman 1998; KenLM's `lmplz` computes the same):
/// - the highest order keeps raw counts;
/// - a lower-order n-gram counts its distinct left extensions (its continuation count),
///   except n-grams that start with the begin-of-text marker, which have no left extension
///   and keep their raw count.
///
/// Each text is preceded by one begin-of-text marker (id `vocabularySize`); no end marker is
/// modelled (a scorer asks for tokens of a text, never for its end).
///
/// Stored as a trie in sorted arrays: level 1 is dense (one entry per id, the marker last);
/// level `m > 1` lists its n-grams sorted, each with the index of its prefix at level `m - 1`.
struct NGramCounts {
    let order: Int
    let vocabularySize: Int
    /// `counts[0]` is dense over ids `0...vocabularySize`; `counts[m - 1]` for level `m`.
    var counts: [[UInt32]]
    /// Last word of each n-gram, per level (level 1: empty, the index is the word).
    var words: [[UInt32]]
    /// Prefix index at the level below, per level (level 1: empty).
    var parents: [[UInt32]]
    /// Number of texts and tokens counted.
    var textCount = 0
    var tokenCount = 0

    var beginMarker: UInt32 { UInt32(vocabularySize) }

    /// Counts `texts` (token ids below `vocabularySize`).
    init(texts: [[UInt32]], vocabularySize: Int, order: Int) {
        precondition((1...NGramKey.maximumOrder).contains(order))
        self.order = order
        self.vocabularySize = vocabularySize
        let marker = UInt32(vocabularySize)
        textCount = texts.count
        tokenCount = texts.reduce(0) { $0 + $1.count }

        // Raw counts: full-length n-grams at the top level, shorter ones that start at the marker
        // (the first order - 1 tokens of a text) at their own level.
        var raw = [[NGramKey]](repeating: [], count: order)
        raw[order - 1].reserveCapacity(tokenCount)
        for text in texts {
            let padded = [marker] + text
            for end in 1..<max(padded.count, 1) {
                let start = max(0, end - order + 1)
                var key = NGramKey()
                for lane in 0...(end - start) { key.lanes[lane] = padded[start + lane] }
                raw[end - start].append(key)
            }
        }

        var levelKeys = [[NGramKey]](repeating: [], count: order)
        var levelCounts = [[UInt32]](repeating: [], count: order)
        (levelKeys[order - 1], levelCounts[order - 1]) = NGramCounts.collapse(raw[order - 1].sorted(), weights: nil)
        raw[order - 1] = []
        if order > 1 {
            for level in stride(from: order - 1, through: 1, by: -1) {
                // Continuation counts: each distinct (level + 1)-gram adds one to its suffix.
                let upper = levelKeys[level]
                var entries: [(NGramKey, UInt32)] = []
                entries.reserveCapacity(upper.count + raw[level - 1].count)
                for key in upper { entries.append((key.droppingFirst(length: level + 1), 1)) }
                let (starts, startCounts) = NGramCounts.collapse(raw[level - 1].sorted(), weights: nil)
                for (key, count) in zip(starts, startCounts) { entries.append((key, count)) }
                raw[level - 1] = []
                entries.sort { $0.0 < $1.0 }
                (levelKeys[level - 1], levelCounts[level - 1]) = NGramCounts.collapse(entries.map(\.0), weights: entries.map(\.1))
            }
        }

        // Level 1 dense; the marker's own count is the number of texts (never predicted).
        var unigrams = [UInt32](repeating: 0, count: vocabularySize + 1)
        for (key, count) in zip(levelKeys[0], levelCounts[0]) { unigrams[Int(key.lanes[0])] = count }
        unigrams[vocabularySize] = UInt32(clamping: texts.count)
        counts = [unigrams]
        words = [[]]
        parents = [[]]
        for level in 2..<(order + 1) {
            let keys = levelKeys[level - 1]
            let prefixes = levelKeys[level - 2]
            var levelWords = [UInt32](repeating: 0, count: keys.count)
            var levelParents = [UInt32](repeating: 0, count: keys.count)
            var prefixIndex = 0
            for (index, key) in keys.enumerated() {
                var prefix = key
                prefix.lanes[level - 1] = 0
                if level == 2 {
                    prefixIndex = Int(prefix.lanes[0])
                } else {
                    while prefixes[prefixIndex] < prefix { prefixIndex += 1 }
                    precondition(prefixes[prefixIndex] == prefix, "Kneser-Ney counts lack a prefix n-gram")
                }
                levelWords[index] = key.lanes[level - 1]
                levelParents[index] = UInt32(prefixIndex)
            }
            counts.append(levelCounts[level - 1])
            words.append(levelWords)
            parents.append(levelParents)
        }
    }

    /// Counts loaded from a model file (already validated).
    init(order: Int, vocabularySize: Int, counts: [[UInt32]], words: [[UInt32]], parents: [[UInt32]], textCount: Int, tokenCount: Int) {
        self.order = order
        self.vocabularySize = vocabularySize
        self.counts = counts
        self.words = words
        self.parents = parents
        self.textCount = textCount
        self.tokenCount = tokenCount
    }

    /// Equal neighbours of sorted `keys` merged, their weights (1 each when nil) summed.
    private static func collapse(_ keys: [NGramKey], weights: [UInt32]?) -> ([NGramKey], [UInt32]) {
        var unique: [NGramKey] = []
        var counts: [UInt32] = []
        for (index, key) in keys.enumerated() {
            let weight = weights?[index] ?? 1
            if let last = unique.last, last == key {
                counts[counts.count - 1] &+= weight
            } else {
                unique.append(key)
                counts.append(weight)
            }
        }
        return (unique, counts)
    }
}
