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

    /// Progress of a counted step, with rate and time remaining.
    func update(_ label: String, done: Int, total: Int) {
        guard enabled else { return }
        let elapsed = Date().timeIntervalSince(start)
        let fraction = total > 0 ? Double(done) / Double(total) : 0
        let remaining = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0
        update(String(format: "%@ %d/%d (%.0f%%, ~%.0fs left)", label, done, total, fraction * 100, remaining))
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
