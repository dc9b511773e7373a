import BPE
import Foundation
import Pretokenization
import Support
import SwiftProtobuf

/// SentencePiece model files (`tokenizer.model`: a protobuf `ModelProto`), BPE models only.
///
/// SentencePiece stores no merge list: a BPE piece's score is its merge priority, and any two
/// adjacent parts whose concatenation is a piece may join (``ScoreMerger``). The merge list the
/// trainer followed is reconstructed one piece at a time, highest score first: the piece is the
/// merge of the two parts that joining with the pieces before it leaves of its characters.
public enum SentencePieceModel {
    /// What reading a model found beyond the tokenizer itself.
    public struct Facts: Sendable {
        /// Multi-character pieces joining cannot reach (more than two parts left): no merge.
        public var unreachablePieces = 0
        public var byteFallback = false
        public var normalizerName = ""
    }

    /// Reads a BPE `ModelProto`.
    public static func read(path: String) throws -> Tokenizer {
        guard let data = FileBytes.contents(atPath: path) else { throw InputError(path: path, problem: "cannot read file") }
        return try read(data: data, path: path).tokenizer
    }

    /// Reads a BPE `ModelProto` from memory; `path` names it in errors.
    public static func read(data: Data, path: String) throws -> (tokenizer: Tokenizer, facts: Facts) {
        let proto: Sentencepiece_ModelProto
        do {
            proto = try Sentencepiece_ModelProto(serializedBytes: data)
        } catch {
            throw InputError(path: path, problem: "not a SentencePiece model (protobuf: \(error))")
        }
        guard !proto.pieces.isEmpty else { throw InputError(path: path, problem: "SentencePiece model without pieces") }
        let spec = proto.trainerSpec
        guard spec.modelType == .bpe else {
            throw InputError(path: path, problem:
                "SentencePiece \(spec.modelType) model: only BPE models have a merge order (unigram models have none)")
        }
        let normalizerSpec = proto.normalizerSpec
        guard normalizerSpec.precompiledCharsmap.isEmpty else {
            throw InputError(path: path, problem:
                "SentencePiece normalization rules '\(normalizerSpec.name)' (precompiled character map) are not supported; only identity models are")
        }
        let pieces = proto.pieces.map { (text: $0.piece, score: $0.score, type: $0.type) }
        var result = try build(pieces: pieces, split: split(of: spec), byteFallback: spec.byteFallback,
                         unknownID: Int(spec.unkID),
                         normalizer: .sentencePiece(addDummyPrefix: normalizerSpec.addDummyPrefix,
                                                    removeExtraWhitespaces: normalizerSpec.removeExtraWhitespaces,
                                                    escapeWhitespaces: normalizerSpec.escapeWhitespaces),
                         format: .sentencePiece, path: path, normalizerName: normalizerSpec.name)
        // SentencePiece's `add_bos` as Llama and Mistral use it.
        if spec.bosID >= 0 && Int(spec.bosID) < pieces.count { result.tokenizer.specialPrefix = [UInt32(spec.bosID)] }
        return result
    }

    static func split(of spec: Sentencepiece_TrainerSpec) -> SentencePieceSplit {
        var split = SentencePieceSplit()
        split.splitByUnicodeScript = spec.splitByUnicodeScript
        split.splitByNumber = spec.splitByNumber
        split.splitDigits = spec.splitDigits
        split.splitByWhitespace = spec.splitByWhitespace
        split.treatWhitespaceAsSuffix = spec.treatWhitespaceAsSuffix
        split.allowWhitespaceOnlyPieces = spec.allowWhitespaceOnlyPieces
        return split
    }

    typealias PieceType = Sentencepiece_ModelProto.SentencePiece.TypeEnum

    /// What to do with two pieces spelled alike: SentencePiece refuses such a model; llama.cpp
    /// maps the text to the later id.
    enum DuplicatePolicy { case reject, lastWins }

    /// Builds a score-based tokenizer from pieces (shared with GGUF's `llama` vocabularies).
    static func build(pieces: [(text: String, score: Float, type: PieceType)], split: SentencePieceSplit,
                      byteFallback: Bool, unknownID: Int, normalizer: Normalizer, format: TokenizerFormat,
                      path: String, normalizerName: String,
                      duplicates: DuplicatePolicy = .reject) throws -> (tokenizer: Tokenizer, facts: Facts) {
        var tokens: [Token] = []
        var scores: [Float?] = []
        var characterTokens: [UInt32: UInt32] = [:]
        var byteTokens = [UInt32?](repeating: nil, count: 256)
        // Pieces are compared as bytes: Swift's String equality is canonical equivalence, and
        // real vocabularies hold canonically equivalent pieces (U+03AF and U+1F77).
        var seen: [[UInt8]: Int] = [:]
        tokens.reserveCapacity(pieces.count)
        for (id, piece) in pieces.enumerated() {
            guard !piece.text.isEmpty else { throw InputError(path: path, problem: "piece \(id) is empty") }
            if let first = seen.updateValue(id, forKey: Array(piece.text.utf8)) {
                switch duplicates {
                case .reject:
                    throw InputError(path: path, problem: "piece \(id) '\(piece.text)' appears twice")
                case .lastWins:
                    scores[first] = nil  // llama.cpp's text-to-id map keeps the last
                    if piece.text.unicodeScalars.count == 1 { characterTokens[piece.text.unicodeScalars.first!.value] = nil }
                }
            }
            switch piece.type {
            case .byte:
                guard let byte = byteValue(piece.text) else {
                    throw InputError(path: path, problem: "byte piece \(id) '\(piece.text)' is not <0xXX>")
                }
                byteTokens[Int(byte)] = UInt32(id)
                tokens.append(Token(bytes: [byte], isSpecial: false, name: piece.text))
                scores.append(nil)
            case .control, .unknown:
                tokens.append(Token(bytes: Array(piece.text.utf8), isSpecial: true, name: piece.text))
                scores.append(nil)
            case .normal, .userDefined, .unused:
                // A score is a merge priority: NaN has no order and an infinite one ties every merge it wins.
                guard piece.score.isFinite else { throw InputError(path: path, problem: "piece \(id) '\(piece.text)' has score \(piece.score), not a finite number") }
                tokens.append(Token(bytes: Array(piece.text.utf8), name: piece.text))
                scores.append(piece.score)
                let scalars = piece.text.unicodeScalars
                if scalars.count == 1, piece.type == .normal { characterTokens[scalars.first!.value] = UInt32(id) }
            }
        }
        if byteFallback, let missing = byteTokens.firstIndex(where: { $0 == nil }) {
            throw InputError(path: path, problem: "byte fallback is on but byte \(missing) has no <0x..> piece")
        }
        guard unknownID >= 0, unknownID < pieces.count else {
            throw InputError(path: path, problem: "unknown-piece id \(unknownID) is outside the \(pieces.count) pieces")
        }
        // Without byte fallback no byte token exists; the unknown piece stands in.
        let bytes = byteTokens.map { $0 ?? UInt32(unknownID) }
        var model = BPEModel(tokens: tokens, merges: [], byteTokens: bytes)
        model.characterTokens = characterTokens
        model.byteFallback = byteFallback
        model.unknownToken = UInt32(unknownID)
        model.semantics = .pieceScores(scores)
        var facts = Facts(byteFallback: byteFallback, normalizerName: normalizerName)
        (model.merges, facts.unreachablePieces) = reconstructMerges(model)
        var tokenizer = Tokenizer(model: model, pretokenizer: Pretokenizer(steps: []), format: format, source: path)
        tokenizer.normalizer = normalizer
        tokenizer.trainingPretokenizer = Pretokenizer(steps: [.sentencePiece(split)])
        tokenizer.unreachableTokens = facts.unreachablePieces
        return (tokenizer, facts)
    }

    /// The merge list of a score-based model, highest priority first, and the number of
    /// pieces that no merge forms.
    static func reconstructMerges(_ model: BPEModel) -> ([MergeRule], Int) {
        guard case .pieceScores(let scores) = model.semantics else { return (model.merges, 0) }
        let merger = ScoreMerger(tokens: model.tokens, scores: scores)
        var merges: [MergeRule] = []
        var unreachable = 0
        for (rank, id) in merger.pieceOrder.enumerated() {
            let bytes = model.tokens[Int(id)].bytes
            guard bytes.count > UTF8Scalar.length(lead: bytes[0]) else { continue }  // one character: no merge
            if let (left, right) = bytes.withUnsafeBufferPointer({ merger.merge(forming: $0, rank: rank) }) {
                merges.append(MergeRule(left: left, right: right, result: id))
            } else {
                unreachable += 1
            }
        }
        return (merges, unreachable)
    }

    /// `<0x41>` -> 0x41.
    static func byteValue(_ text: String) -> UInt8? {
        guard text.count == 6, text.hasPrefix("<0x"), text.hasSuffix(">") else { return nil }
        return UInt8(text.dropFirst(3).dropLast(), radix: 16)
    }
}
