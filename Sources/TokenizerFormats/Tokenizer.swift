import BPE
import Pretokenization
import Support

/// The file format a tokenizer was read from.
public enum TokenizerFormat: String, Sendable {
    /// HF `tokenizers`' `tokenizer.json`.
    case huggingFaceJSON = "tokenizer.json"
    /// GPT-2 style `vocab.json` + `merges.txt` (also OpenAI's `encoder.json` + `vocab.bpe`).
    case vocabAndMerges = "vocab.json+merges.txt"
    /// A tiktoken rank file (`.tiktoken`).
    case tiktoken = "tiktoken"
    /// A SentencePiece `ModelProto` (`.model`).
    case sentencePiece = "sentencepiece"
    /// A llama.cpp GGUF file (its vocabulary).
    case gguf = "gguf"
    /// A model toksleuth trained and has not written yet.
    case trained
}

/// A tokenizer: a pretokenizer and a byte-level BPE model.
public struct Tokenizer: Sendable {
    public var model: BPEModel
    public var pretokenizer: Pretokenizer
    /// Normalization applied before pretokenizing (nil: none).
    public var normalizer: Normalizer?
    /// How the tokenizer's trainer cut text into words, where that differs from
    /// ``pretokenizer`` (SentencePiece encodes whole lines but trained on words split at
    /// spaces, scripts and digits): pair counting for mixture inference uses it.
    public var trainingPretokenizer: Pretokenizer?
    public var format: TokenizerFormat
    /// Added tokens that are matched in raw text before normalization, longest first (llama.cpp's
    /// user-defined tokens, HF's non-special added tokens). Special tokens never are.
    public var userDefinedTokens: [(bytes: [UInt8], id: UInt32)] = []
    /// The merge list without redundant merges, when the file's list has some (see
    /// ``MergeCleaning``); the model keeps the full list for encoding.
    public var cleanedMerges: [MergeRule]?
    /// Number of redundant merges ``cleanedMerges`` dropped.
    public var redundantMergesDropped = 0
    /// Pieces no merge forms (SentencePiece and tiktoken files, whose merges are reconstructed).
    public var unreachableTokens = 0

    /// The merges mixture inference constrains: one per merged token, in order.
    public var inferenceMerges: [MergeRule] { cleanedMerges ?? model.merges }

    /// Removes redundant merges for inference (HF conversions of SentencePiece models list
    /// every split of a piece).
    public mutating func cleanMerges() {
        let (merges, dropped) = MergeCleaning.clean(model)
        cleanedMerges = dropped > 0 ? merges : nil
        redundantMergesDropped = dropped
    }

    /// Tokens the tokenizer's own pipeline puts before and after a text when asked to add
    /// special tokens (`<s>` for SentencePiece and Llama-style GGUF files, a post-processor's
    /// template in `tokenizer.json`). `encode` adds them only with `--add-special`.
    public var specialPrefix: [UInt32] = []
    public var specialSuffix: [UInt32] = []

    /// Where it was read from (empty for one trained in memory).
    public var source: String

    public init(model: BPEModel, pretokenizer: Pretokenizer, format: TokenizerFormat, source: String = "") {
        self.model = model
        self.pretokenizer = pretokenizer
        self.format = format
        self.source = source
    }

    /// An encoder for this tokenizer (one per thread).
    public func makeEncoder() throws -> BPEEncoder {
        try BPEEncoder(model: model, pretokenizer: pretokenizer, normalizer: normalizer, userDefinedTokens: userDefinedTokens)
    }

    /// The token ids of each text, encoded on all cores (one encoder per chunk).
    public func encode(_ texts: [String]) throws -> [[UInt32]] {
        try parallelMapChunks(count: texts.count) { range in
            let encoder = try makeEncoder()
            return range.map { encoder.encode(texts[$0]) }
        }.flatMap { $0 }
    }
}

/// A malformed or unsupported tokenizer file, reported as one line naming the file: the same
/// error as any other bad input file.
public typealias TokenizerFileError = InputError

extension Tokenizer {
    /// A fingerprint of everything that decides which ids a text gets: tokens, merges,
    /// pretokenizer, normalizer and user-defined tokens. Files that record which tokenizer they
    /// were made with (proxy language models) store it.
    public var fingerprint: String {
        var fingerprint = Fingerprint()
        fingerprint.update("toksleuth tokenizer v1")
        fingerprint.update(pretokenizer: pretokenizer, normalizer: normalizer)
        fingerprint.update(UInt64(model.tokens.count))
        for token in model.tokens {
            fingerprint.update(UInt64(token.bytes.count))
            fingerprint.update(token.bytes)
        }
        fingerprint.update(merges: model.merges)
        for (bytes, id) in userDefinedTokens {
            fingerprint.update(UInt64(id))
            fingerprint.update(bytes)
        }
        return fingerprint.hex
    }
}
