import Collections
import Pretokenization
import Support

/// Byte-level BPE training with the semantics of HuggingFace `tokenizers`' `BpeTrainer`.
///
/// - Vocabulary: special tokens first, then the 256 byte-level symbols in code-point order of
///   their characters (HF's `initial_alphabet=ByteLevel.alphabet()`), then one token per merge.
/// - Each step merges the pair with the highest count; among equal counts the pair with the
///   smallest `(left id, right id)`. Inside a word, occurrences merge left to right without
///   overlap (`a a a` -> `aa a`).
/// - Training stops when the vocabulary reaches `vocabularySize`, when no pair is left, or
///   when the best count is below `minFrequency`. A merge whose string already is a token
///   reuses that token's id and does not grow the vocabulary, as in HF.
///
/// Like HF's `trainer.rs` it keeps pair counts and, per pair, the words that contain it, and
/// pops candidates from a max-heap lazily: a popped count that is out of date is pushed back
/// with the current count. Only words holding the merged pair are touched.
public struct BPETrainer: Sendable {
    /// Target vocabulary size, special tokens and the 256-byte alphabet included.
    public var vocabularySize: Int
    /// Pairs seen fewer times than this are never merged.
    public var minFrequency: Int
    /// Special tokens, given the first ids in this order.
    public var specialTokens: [String]

    /// Creates a trainer.
    public init(vocabularySize: Int, minFrequency: Int = 0, specialTokens: [String] = []) {
        self.vocabularySize = vocabularySize
        self.minFrequency = minFrequency
        self.specialTokens = specialTokens
    }

    /// Errors of the configuration.
    public struct ConfigurationError: UserFacingError {
        public let description: String
    }

    /// Learns merges from word counts.
    /// - Parameter progress: called now and then with (merges done, merges planned).
    public func train(_ wordCounts: WordCounts, progress: ((Int, Int) -> Void)? = nil) throws -> BPEModel {
        let alphabetStart = specialTokens.count
        guard vocabularySize >= alphabetStart + 256 else {
            throw ConfigurationError(description:
                "vocabulary size \(vocabularySize) is below the \(alphabetStart + 256) tokens of the byte alphabet and special tokens")
        }
        var tokens: [Token] = []
        var idForRendered: [String: UInt32] = [:]
        for special in specialTokens where idForRendered[special] == nil {
            idForRendered[special] = UInt32(tokens.count)
            tokens.append(Token(bytes: Array(special.utf8), isSpecial: true))
        }
        var byteTokens = [UInt32](repeating: 0, count: 256)
        for byte in ByteLevel.bytesInCharacterOrder {
            let rendered = ByteLevel.render([byte])
            if let existing = idForRendered[rendered] {
                byteTokens[Int(byte)] = existing  // a special token spelled like a byte symbol
                continue
            }
            byteTokens[Int(byte)] = UInt32(tokens.count)
            idForRendered[rendered] = UInt32(tokens.count)
            tokens.append(Token(bytes: [byte]))
        }

        var state = MergeState(wordCounts: wordCounts, alphabet: SymbolAlphabet(byteTokens: byteTokens))
        var merges: [MergeRule] = []
        let planned = max(0, vocabularySize - idForRendered.count)
        while idForRendered.count < vocabularySize {
            guard let (pair, count) = state.popBest() else { break }
            if count < 1 || count < minFrequency { break }
            let left = UInt32(truncatingIfNeeded: pair >> 32)
            let right = UInt32(truncatingIfNeeded: pair)
            let bytes = tokens[Int(left)].bytes + tokens[Int(right)].bytes
            // HF keys its vocabulary by the rendered string, special tokens by their content.
            let rendered = ByteLevel.render(bytes)
            let result: UInt32
            if let existing = idForRendered[rendered] {
                result = existing
            } else {
                result = UInt32(tokens.count)
                idForRendered[rendered] = result
                tokens.append(Token(bytes: bytes))
            }
            merges.append(MergeRule(left: left, right: right, result: result))
            state.merge(pair: pair, into: result)
            if let progress, merges.count % 256 == 0 { progress(merges.count, planned) }
        }
        progress?(merges.count, planned)
        return BPEModel(tokens: tokens, merges: merges, byteTokens: byteTokens)
    }
}

/// Words as runs of token ids, pair counts and the words holding each pair.
struct MergeState {
    /// A heap entry: higher count first, then the smaller pair.
    struct Candidate: Comparable {
        var count: Int
        var pair: UInt64
        static func < (a: Candidate, b: Candidate) -> Bool {
            a.count != b.count ? a.count < b.count : a.pair > b.pair
        }
    }

    var symbols: [UInt32] = []
    var wordStart: [Int] = []
    var wordLength: [Int32] = []
    var wordCount: [Int] = []

    var pairIndex: [UInt64: Int32] = [:]
    var pairKeys: [UInt64] = []
    var pairCounts: [Int] = []
    var pairWords: [[Int32]] = []
    var heap = Heap<Candidate>()
    /// Pairs whose count rose in the current step (they get a fresh heap entry).
    var raised: [Int32] = []
    var raisedStamp: [Int32] = []
    var step: Int32 = 0
    /// When recording, the pairs whose count a step changed and their counts before it.
    let recording: Bool
    var touched: [Int32] = []
    var touchedStamp: [Int32] = []
    var countBefore: [Int] = []

    init(wordCounts: WordCounts, alphabet: SymbolAlphabet, recording: Bool = false) {
        self.recording = recording
        let words = wordCounts.words
        var scratch: [UInt32] = []
        words.arena.withUnsafeBufferPointer { arena in
            for index in 0..<wordCounts.count {
                let start = words.starts[index]
                let length = words.starts[index + 1] - start
                guard length >= 2 else { continue }  // a one-byte word never holds a pair
                scratch.removeAll(keepingCapacity: true)
                alphabet.appendSymbols(of: UnsafeBufferPointer(rebasing: arena[start..<start + length]), to: &scratch)
                // A character without a token never merges: the word falls apart around it.
                var runStart = 0
                for i in 0...scratch.count where i == scratch.count || scratch[i] == SymbolAlphabet.noToken {
                    if i - runStart >= 2 {
                        wordStart.append(symbols.count)
                        wordLength.append(Int32(i - runStart))
                        wordCount.append(wordCounts.counts[index])
                        symbols.append(contentsOf: scratch[runStart..<i])
                    }
                    runStart = i + 1
                }
            }
        }
        pairIndex.reserveCapacity(wordStart.count)
        for word in 0..<wordStart.count {
            let start = wordStart[word]
            let count = wordCount[word]
            for i in start..<(start + Int(wordLength[word]) - 1) {
                let key = packPair(symbols[i], symbols[i + 1])
                let index = indexOf(key)
                pairCounts[Int(index)] += count
                if pairWords[Int(index)].last != Int32(word) { pairWords[Int(index)].append(Int32(word)) }
            }
        }
        if !recording {
            heap = Heap(pairKeys.indices.compactMap { i in
                pairCounts[i] > 0 ? Candidate(count: pairCounts[i], pair: pairKeys[i]) : nil
            })
        }
    }

    @inline(__always)
    mutating func indexOf(_ key: UInt64) -> Int32 {
        if let index = pairIndex[key] { return index }
        let index = Int32(pairKeys.count)
        pairIndex[key] = index
        pairKeys.append(key)
        pairCounts.append(0)
        pairWords.append([])
        raisedStamp.append(-1)
        touchedStamp.append(-1)
        countBefore.append(0)
        return index
    }

    /// Remembers a pair's count before the current step first changes it.
    @inline(__always)
    mutating func noteTouch(_ index: Int32) {
        if touchedStamp[Int(index)] != step {
            touchedStamp[Int(index)] = step
            countBefore[Int(index)] = pairCounts[Int(index)]
            touched.append(index)
        }
    }

    /// The pair to merge next and its count, or nil when no pair is left.
    mutating func popBest() -> (UInt64, Int)? {
        while let top = heap.popMax() {
            let current = pairCounts[Int(pairIndex[top.pair]!)]
            if current == top.count { return (top.pair, current) }
            if current > 0 { heap.insert(Candidate(count: current, pair: top.pair)) }
        }
        return nil
    }

    @inline(__always)
    mutating func adjust(_ key: UInt64, by delta: Int, word: Int32) {
        let index = indexOf(key)
        if recording { noteTouch(index) }
        pairCounts[Int(index)] += delta
        if delta > 0 {
            if pairWords[Int(index)].last != word { pairWords[Int(index)].append(word) }
            if raisedStamp[Int(index)] != step {
                raisedStamp[Int(index)] = step
                raised.append(index)
            }
        }
    }

    /// Merges every occurrence of `pair` into `result` and updates the counts around them.
    mutating func merge(pair: UInt64, into result: UInt32) {
        step += 1
        let a = UInt32(truncatingIfNeeded: pair >> 32)
        let b = UInt32(truncatingIfNeeded: pair)
        touched.removeAll(keepingCapacity: true)
        guard let slot = pairIndex[pair] else { return }  // the pair never occurs
        let pairSlot = Int(slot)
        if recording { noteTouch(slot) }
        let holders = pairWords[pairSlot]
        pairWords[pairSlot] = []
        pairCounts[pairSlot] = 0
        raised.removeAll(keepingCapacity: true)
        for word in holders {
            let start = wordStart[Int(word)]
            let length = Int(wordLength[Int(word)])
            let count = wordCount[Int(word)]
            var read = start
            var write = start
            let end = start + length
            while read < end {
                if read + 1 < end && symbols[read] == a && symbols[read + 1] == b {
                    if write > start {
                        let previous = symbols[write - 1]
                        adjust(packPair(previous, a), by: -count, word: word)
                        adjust(packPair(previous, result), by: count, word: word)
                    }
                    symbols[write] = result
                    write += 1
                    read += 2
                    if read < end {
                        let next = symbols[read]
                        adjust(packPair(b, next), by: -count, word: word)
                        adjust(packPair(result, next), by: count, word: word)
                    }
                } else {
                    symbols[write] = symbols[read]
                    write += 1
                    read += 1
                }
            }
            wordLength[Int(word)] = Int32(write - start)
        }
        // The merged pair itself is gone everywhere (an `a a` run may re-adjust it to zero).
        pairCounts[pairSlot] = 0
        if recording { return }
        for index in raised where pairCounts[Int(index)] > 0 {
            heap.insert(Candidate(count: pairCounts[Int(index)], pair: pairKeys[Int(index)]))
        }
    }
}
