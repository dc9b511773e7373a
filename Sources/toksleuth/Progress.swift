import Foundation

/// Progress on stderr for steps that take a while: only when stderr is a terminal and the
/// user did not ask for quiet, and at most a few updates a second.
final class ProgressReporter {
    private let enabled: Bool
    private var lastUpdate = Date.distantPast
    private let start = Date()
    private var wroteLine = false

    init(quiet: Bool) {
        enabled = !quiet && isatty(STDERR_FILENO) == 1
    }

    /// Shows `message`, overwriting the previous one.
    func update(_ message: @autoclosure () -> String) {
        guard enabled else { return }
        let now = Date()
        guard now.timeIntervalSince(lastUpdate) > 0.2 else { return }
        lastUpdate = now
        let elapsed = String(format: "%.1fs", now.timeIntervalSince(start))
        FileHandle.standardError.write(Data("\r\u{1B}[K\(message()) [\(elapsed)]".utf8))
        wroteLine = true
    }

    /// Progress of a counted step: a bar, the rate and the time remaining (measured from the
    /// step's first update, so earlier steps do not skew the rate).
    func update(_ label: String, done: Int, total: Int) {
        guard enabled else { return }
        let now = Date()
        if label != countedLabel { countedLabel = label; countedStart = now }
        let elapsed = now.timeIntervalSince(countedStart)
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 0
        let filled = Int((fraction * 20).rounded(.down))
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: 20 - filled)
        var text = String(format: "%@ %@ %d/%d", label, bar, done, total)
        if done > 0, elapsed > 0 {
            let rate = Double(done) / elapsed
            text += rate >= 1 ? String(format: ", %.1f/s", rate) : String(format: ", %.1fs each", 1 / rate)
            text += String(format: ", ~%@ left", ProgressReporter.duration(elapsed * (1 - fraction) / fraction))
        }
        update(text)
    }

    private var countedLabel = ""
    private var countedStart = Date()

    /// "42s", "3m05s", "1h02m".
    static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        if whole < 60 { return "\(whole)s" }
        if whole < 3600 { return String(format: "%dm%02ds", whole / 60, whole % 60) }
        return String(format: "%dh%02dm", whole / 3600, whole % 3600 / 60)
    }

    /// Clears the progress line.
    func finish() {
        guard enabled, wroteLine else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        wroteLine = false
    }

    /// A line that stays (a summary), on stderr unless quiet.
    static func note(_ message: String, quiet: Bool) {
        guard !quiet else { return }
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }
}
