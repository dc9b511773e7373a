import Support
import TokenizerFormats

/// How alike two merge lists are, comparing merges by the bytes they join (ids differ between
/// tokenizers).
public struct MergeComparison: Codable, Sendable, Equatable {
    /// Fraction of the first K merges of the target that are among the first K of the other,
    /// for each K (as strings: "100", "1000", "10000", "all").
    public var overlap: [String: Double]
    /// Spearman correlation of the ranks of the merges both lists have.
    public var rankCorrelation: Double
    /// Jaccard index of the two vocabularies (tokens merges create).
    public var vocabularyJaccard: Double
    /// Merges both lists have.
    public var sharedMerges: Int

    enum CodingKeys: String, CodingKey {
        case overlap
        case rankCorrelation = "rank_correlation", vocabularyJaccard = "vocabulary_jaccard", sharedMerges = "shared_merges"
    }

    /// Mean of the overlaps (early merges say which text dominates, late ones the rest).
    public var meanOverlap: Double { overlap.values.reduce(0, +) / Double(max(overlap.count, 1)) }

    /// The score candidates are ranked by: the rank correlation of shared merges. A mixture
    /// moves every merge's position (pair frequencies scale with the weights), while a top-K
    /// overlap only notices merges that cross the K-th place (chosen by measurement: README,
    /// "Measured results").
    public var score: Double { rankCorrelation }

    /// The K values overlaps are reported at.
    public static let depths: [(key: String, count: Int?)] = [("100", 100), ("1000", 1000), ("10000", 10000), ("all", nil)]

    /// Compares `other` with `target`.
    public init(target: [[UInt8]], other: [[UInt8]]) {
        let a = target, b = other
        var overlap: [String: Double] = [:]
        for (key, count) in MergeComparison.depths {
            let k = min(count ?? max(a.count, b.count), a.count)
            guard k > 0, count == nil || a.count >= count! else { continue }
            let first = Set(a.prefix(k))
            let second = Set(b.prefix(k))
            overlap[key] = Double(first.intersection(second).count) / Double(k)
        }
        self.overlap = overlap
        var rankInOther: [[UInt8]: Int] = [:]
        for (rank, merge) in b.enumerated() where rankInOther[merge] == nil { rankInOther[merge] = rank }
        var pairs: [(Double, Double)] = []
        var seen = Set<[UInt8]>()
        for (rank, merge) in a.enumerated() where seen.insert(merge).inserted {
            if let other = rankInOther[merge] { pairs.append((Double(rank), Double(other))) }
        }
        sharedMerges = pairs.count
        rankCorrelation = Statistics.spearman(pairs.map(\.0), pairs.map(\.1))
        let vocabularyA = Set(a), vocabularyB = Set(b)
        let union = vocabularyA.union(vocabularyB).count
        vocabularyJaccard = union > 0 ? Double(vocabularyA.intersection(vocabularyB).count) / Double(union) : 1
    }

    /// The merges of a tokenizer as byte strings (the left part's length, then both parts), so
    /// that equal merges compare equal across tokenizers.
    public static func mergeBytes(_ tokenizer: Tokenizer, count: Int? = nil) -> [[UInt8]] {
        let merges = tokenizer.inferenceMerges
        let tokens = tokenizer.model.tokens
        return merges.prefix(count ?? merges.count).map { merge in
            MergeKey.encode(left: tokens[Int(merge.left)].bytes, right: tokens[Int(merge.right)].bytes)
        }
    }
}

/// A merge as bytes: the left part's length (4 bytes) then both parts, unambiguous.
enum MergeKey {
    static func encode(left: [UInt8], right: [UInt8]) -> [UInt8] {
        let length = UInt32(left.count)
        return [UInt8(length >> 24), UInt8((length >> 16) & 0xFF), UInt8((length >> 8) & 0xFF), UInt8(length & 0xFF)] + left + right
    }
}

