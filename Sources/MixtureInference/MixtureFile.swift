import Foundation
import Support

/// A mixture written as JSON: `{"de": 0.3, "fr": 0.7}` or an `infer --json` result.
public enum MixtureFile {
    /// The named weights (normalised to sum to 1), in name order.
    public static func read(_ path: String) throws -> [(name: String, weight: Double)] {
        guard let data = FileBytes.contents(atPath: path) else { throw InputError(path: path, problem: "cannot read file") }
        let object = try JSONDocument.object(data, path: path, expected: "a JSON object of category -> weight")
        var weights: [(String, Double)] = []
        if object["categories"] != nil {
            guard let result = try? ResultJSON.decoder.decode(InferenceResult.self, from: data) else {
                throw InputError(path: path, problem: "a category entry lacks name or proportion")
            }
            weights = result.categories.map { ($0.name, $0.proportion) }
        } else {
            for (name, value) in object {
                // JSON's true and false arrive as NSNumbers too, told apart by their type code 'c'.
                guard let number = value as? NSNumber, number.objCType.pointee != CChar(UInt8(ascii: "c")) else {
                    throw InputError(path: path, problem: "weight of \(name) is not a number")
                }
                weights.append((name, number.doubleValue))
            }
        }
        guard !weights.isEmpty else { throw InputError(path: path, problem: "the mixture names no category") }
        for (name, weight) in weights where !(weight.isFinite && weight >= 0) {
            throw InputError(path: path, problem: "weight of \(name) must be a non-negative number")
        }
        let total = weights.map(\.1).reduce(0, +)
        guard total > 0 else { throw InputError(path: path, problem: "the weights sum to zero") }
        return weights.map { ($0.0, $0.1 / total) }.sorted { $0.0 < $1.0 }
    }

    /// The mixture of `path` as weights over `names`, in that order: naming a category that is
    /// not among `names` is an error, and so, when `complete`, is leaving one out (else it
    /// weighs 0).
    public static func read(_ path: String, over names: [String], complete: Bool = false) throws -> [Double] {
        let weights = Dictionary(uniqueKeysWithValues: try read(path).map { ($0.name, $0.weight) })
        if complete, let missing = names.first(where: { weights[$0] == nil }) {
            throw InputError(path: path, problem: "no weight for \(missing)")
        }
        let known = Set(names)
        if !complete, let stranger = weights.keys.sorted().first(where: { !known.contains($0) }) {
            throw InputError(path: path, problem: "names category \(stranger), which is not among the categories given")
        }
        return names.map { weights[$0] ?? 0 }
    }
}
