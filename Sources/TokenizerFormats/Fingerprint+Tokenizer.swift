import BPE
import Pretokenization
import Support

/// The parts of a tokenizer that every fingerprint of tokenizer-made data hashes alike (the
/// tokenizer's own fingerprint, the keys of cached pair counts).
extension Fingerprint {
    /// How text is cut before merging: the pretokenizer (with its patterns) and the normalizer.
    public mutating func update(pretokenizer: Pretokenizer, normalizer: Normalizer?) {
        update(pretokenizer.description)
        for step in pretokenizer.steps { update(step.pattern ?? "") }
        update(normalizer?.description ?? "no normalizer")
    }

    /// A merge list, in order.
    public mutating func update<Merges: Collection>(merges: Merges) where Merges.Element == MergeRule {
        for merge in merges {
            update(merge.pairKey)
            update(UInt64(merge.result))
        }
    }
}
