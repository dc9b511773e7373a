import Foundation
import Support

/// Ridge regression with standardised features and an unpenalised intercept; the penalty is
/// picked from a grid by exact leave-one-out error.
struct Ridge {
    var lambda: Double
    var intercept: Double
    var coefficients: [Double]
    var means: [Double]
    var scales: [Double]

    func predict(_ x: [Double]) -> Double {
        var value = intercept
        for index in x.indices { value += coefficients[index] * (x[index] - means[index]) / scales[index] }
        return value
    }

    static let grid: [Double] = [1e-4, 1e-3, 1e-2, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100]

    static func fit(features: [[Double]], targets: [Double]) -> Ridge {
        let n = features.count, p = features[0].count
        var means = [Double](repeating: 0, count: p), scales = [Double](repeating: 1, count: p)
        for j in 0..<p {
            means[j] = features.map { $0[j] }.reduce(0, +) / Double(n)
            let variance = features.map { ($0[j] - means[j]) * ($0[j] - means[j]) }.reduce(0, +) / Double(n)
            scales[j] = variance > 0 ? variance.squareRoot() : 1
        }
        let x = features.map { row in (0..<p).map { (row[$0] - means[$0]) / scales[$0] } }
        let yMean = targets.reduce(0, +) / Double(n)
        let y = targets.map { $0 - yMean }
        var best: (error: Double, model: Ridge)?
        for lambda in grid {
            // (X'X + lambda I)^-1 gives the coefficients and the hat matrix's diagonal.
            var gram = [[Double]](repeating: [Double](repeating: 0, count: p), count: p)
            for row in x { for a in 0..<p { for b in 0..<p { gram[a][b] += row[a] * row[b] } } }
            for a in 0..<p { gram[a][a] += lambda }
            guard let inverse = invert(gram) else { continue }
            var xty = [Double](repeating: 0, count: p)
            for (row, target) in zip(x, y) { for a in 0..<p { xty[a] += row[a] * target } }
            let beta = (0..<p).map { a in (0..<p).reduce(0.0) { $0 + inverse[a][$1] * xty[$1] } }
            var error = 0.0
            for (row, target) in zip(x, y) {
                let fitted = (0..<p).reduce(0.0) { $0 + row[$1] * beta[$1] }
                var leverage = 1.0 / Double(n)  // the intercept's share
                for a in 0..<p { for b in 0..<p { leverage += row[a] * inverse[a][b] * row[b] } }
                let residual = (target - fitted) / max(1 - leverage, 1e-9)
                error += residual * residual
            }
            let model = Ridge(lambda: lambda, intercept: yMean, coefficients: beta, means: means, scales: scales)
            if best == nil || error < best!.error { best = (error, model) }
        }
        return best?.model ?? Ridge(lambda: .infinity, intercept: yMean, coefficients: [Double](repeating: 0, count: p), means: means, scales: scales)
    }

    /// Gauss-Jordan inverse with partial pivoting; nil when singular.
    static func invert(_ matrix: [[Double]]) -> [[Double]]? {
        let n = matrix.count
        var a = matrix
        var inverse = (0..<n).map { row in (0..<n).map { $0 == row ? 1.0 : 0.0 } }
        for column in 0..<n {
            guard let pivot = (column..<n).max(by: { abs(a[$0][column]) < abs(a[$1][column]) }), abs(a[pivot][column]) > 1e-12 else { return nil }
            a.swapAt(column, pivot)
            inverse.swapAt(column, pivot)
            let factor = a[column][column]
            for j in 0..<n { a[column][j] /= factor; inverse[column][j] /= factor }
            for row in 0..<n where row != column {
                let scale = a[row][column]
                guard scale != 0 else { continue }
                for j in 0..<n { a[row][j] -= scale * a[column][j]; inverse[row][j] -= scale * inverse[column][j] }
            }
        }
        return inverse
    }
}
