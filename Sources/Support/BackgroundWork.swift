import Foundation

/// Work started on a thread of its own now and collected later, so that it overlaps with what
/// the caller does in between: the second core's share of a loop whose steps run one after
/// another.
///
/// The body must only read what the caller leaves alone until ``wait()`` returns (give it
/// copies of anything the caller goes on changing); code that keeps per-thread state (GLPK)
/// stays with the caller.
///
///     let flow = BackgroundWork { solver.slackFlow(alpha: alpha) }
///     lp.solve()                  // meanwhile, on this thread
///     let edges = flow.wait()     // then the flow's answer
public final class BackgroundWork<T>: @unchecked Sendable {
    private let finished = DispatchSemaphore(value: 0)
    private var result: T?

    /// Starts `body` on a new thread with a 16 MB stack (twice the main thread's usual 8 MB).
    public init(_ body: @escaping () -> T) {
        let work = UncheckedSendable(body)
        let thread = Thread { [self] in
            result = work.value()
            finished.signal()
        }
        thread.stackSize = 16 << 20
        thread.start()
    }

    /// Blocks until the body has returned and gives its result; call it once.
    public func wait() -> T {
        finished.wait()
        return result!
    }
}

/// A value handed to another thread whose owner guarantees that the two never use it at once.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
