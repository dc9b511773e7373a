import BPE
import Foundation
import Support

/// Which well-known merge list a tokenizer extends, and by how much: Llama 3 appends to
/// cl100k's merges, Qwen2 to cl100k's without the merges its digit splitting can never apply.
///
/// A merge the tokenizer's own pretokenizer can never apply (its two parts joined fall into more
/// than one piece, as "12" does when digits are split one by one) is passed over on both sides
/// before the lists are compared: dropped from the base, and skipped in the tokenizer's own list
/// (where it can stand too: Qwen2 lists "１" + "０"). The shared prefix is the number of the
/// tokenizer's leading merges up to its last one that joins the same bytes, in the same order,
/// as the base's remaining ones.
public enum BaseDetection {
    /// A base found for a tokenizer.
    public struct Match: Codable, Sendable, Equatable {
        /// The base's name (its file name without extension: `cl100k_base`).
        public var name: String
        /// The tokenizer's leading merges that are the base's (after the drop).
        public var sharedMerges: Int
        /// Base merges dropped because the tokenizer's pretokenizer can never apply them.
        public var droppedFromBase: Int
        /// The tokenizer's leading merges the shared ones span (its own unreachable merges among
        /// them included): what `infer --base` skips.
        public var span: Int

        public init(name: String, sharedMerges: Int, droppedFromBase: Int, span: Int) {
            self.name = name
            self.sharedMerges = sharedMerges
            self.droppedFromBase = droppedFromBase
            self.span = span
        }

        enum CodingKeys: String, CodingKey {
            case name, span
            case sharedMerges = "shared_merges", droppedFromBase = "dropped_from_base"
        }
    }

    /// Where known bases are kept (`scripts/fetch-bases` fills it): `$TOKSLEUTH_BASES`, else
    /// `~/.cache/toksleuth/bases`.
    public static var defaultFolder: String {
        if let folder = ProcessInfo.processInfo.environment["TOKSLEUTH_BASES"], !folder.isEmpty { return folder }
        return (NSHomeDirectory() as NSString).appendingPathComponent(".cache/toksleuth/bases")
    }

    /// The shared prefix of `tokenizer`'s inference merges with `base`'s: how many of its merges
    /// match the base's (`shared`), how many base merges were dropped as unreachable under the
    /// tokenizer's pretokenizer, and how many leading merges of the tokenizer the match spans
    /// (its own unreachable ones among them included: what an attack on the rest skips).
    ///
    /// - Complexity: O(base merges) pretokenizations of short strings.
    public static func sharedPrefix(_ tokenizer: Tokenizer, base: Tokenizer) throws -> (shared: Int, dropped: Int, span: Int) {
        let splitter = try (tokenizer.trainingPretokenizer ?? tokenizer.pretokenizer).makeSplitter()
        var ends: [Int] = []
        func reachable(_ bytes: [UInt8]) -> Bool {
            // Bytes that are not whole UTF-8 (pieces of a character) are kept: the splitter reads text.
            guard String(validating: bytes, as: UTF8.self) != nil else { return true }
            ends.removeAll(keepingCapacity: true)
            bytes.withUnsafeBufferPointer { splitter.split($0, into: &ends) }
            return ends.count <= 1
        }
        let ours = tokenizer.inferenceMerges, theirs = base.inferenceMerges
        let a = tokenizer.model.tokens, b = base.model.tokens
        var span = 0, dropped = 0, next = 0, unreachableOwn = 0
        while span < ours.count {
            let own = ours[span]
            // A merge of the tokenizer's own that its pretokenizer can never apply says nothing
            // about training either (Qwen2 lists "１" + "０" though it splits every digit).
            if !reachable(a[Int(own.left)].bytes + a[Int(own.right)].bytes) {
                span += 1
                unreachableOwn += 1
                continue
            }
            while next < theirs.count, !reachable(b[Int(theirs[next].left)].bytes + b[Int(theirs[next].right)].bytes) {
                dropped += 1
                next += 1
            }
            guard next < theirs.count, a[Int(own.left)].bytes == b[Int(theirs[next].left)].bytes,
                  a[Int(own.right)].bytes == b[Int(theirs[next].right)].bytes else { break }
            span += 1
            next += 1
        }
        // Unreachable merges of the tokenizer's own after the last shared one are not in the span.
        while span > 0, !reachable(a[Int(ours[span - 1].left)].bytes + a[Int(ours[span - 1].right)].bytes) {
            span -= 1
            unreachableOwn -= 1
        }
        return (span - unreachableOwn, dropped, span)
    }

    /// The known base `tokenizer` shares the most merges with, among the tokenizers in
    /// `folder` (rank files or any format ``TokenizerLoader`` reads); nil when none shares one.
    public static func detect(_ tokenizer: Tokenizer, in folder: String = defaultFolder) throws -> Match? {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        var best: Match?
        for name in names {
            let path = (folder as NSString).appendingPathComponent(name)
            guard TokenizerLoader.FileKind.of(path) != nil, let base = try? TokenizerLoader.load(path) else { continue }
            let (shared, dropped, span) = try sharedPrefix(tokenizer, base: base)
            if shared > 0, shared > (best?.sharedMerges ?? 0) {
                best = Match(name: ((name as NSString).lastPathComponent as NSString).deletingPathExtension, sharedMerges: shared,
                             droppedFromBase: dropped, span: span)
            }
        }
        return best
    }

    /// The base `spec` names for `tokenizer`: `auto` (the best of the known bases in `bases`)
    /// or the path of a tokenizer. Errors when `auto` finds none.
    public static func match(_ tokenizer: Tokenizer, base spec: String, bases: String = defaultFolder) throws -> Match {
        if spec == "auto" {
            guard let match = try detect(tokenizer, in: bases) else {
                throw InputError(path: bases, problem: "no known base shares a merge with this tokenizer (scripts/fetch-bases fills this folder)")
            }
            return match
        }
        let (shared, dropped, span) = try sharedPrefix(tokenizer, base: try TokenizerLoader.load(spec))
        return Match(name: ((spec as NSString).lastPathComponent as NSString).deletingPathExtension, sharedMerges: shared,
                     droppedFromBase: dropped, span: span)
    }
}
