/// The `q`-quantile of ascending `sorted` values by linear interpolation between order
/// statistics (NumPy's default percentile); NaN for no values. Bootstrap intervals of AUCs
/// and of mixtures both use it.
public func linearQuantile(_ sorted: [Double], _ q: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    let position = q * Double(sorted.count - 1)
    let lower = Int(position.rounded(.down))
    let upper = min(lower + 1, sorted.count - 1)
    return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - Double(lower))
}
