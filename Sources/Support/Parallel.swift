import Dispatch
import Foundation

/// A pointer handed to worker threads that only read through it.
public struct SendablePointer<T>: @unchecked Sendable {
    public let pointer: UnsafePointer<T>?
    public init(_ pointer: UnsafePointer<T>?) { self.pointer = pointer }
}

/// One result slot per parallel task; each task writes only its own slot.
public final class ResultSlots<T>: @unchecked Sendable {
    private var storage: [T?]
    private let lock = NSLock()
    public init(count: Int) { storage = Array(repeating: nil, count: count) }
    public subscript(index: Int) -> T? {
        get { lock.lock(); defer { lock.unlock() }; return storage[index] }
        set { lock.lock(); storage[index] = newValue; lock.unlock() }
    }
    /// All slots, in task order.
    public var values: [T?] { lock.lock(); defer { lock.unlock() }; return storage }
}

/// Counts finished parallel tasks and reports each count to a callback written for one thread
/// (a progress display): the lock serialises the calls, whichever worker makes them.
public final class CompletionCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var done = 0
    private let total: Int
    private let report: ((Int, Int) -> Void)?

    /// Reports `(0, total)` at once.
    public init(total: Int, report: ((_ done: Int, _ total: Int) -> Void)?) {
        (self.total, self.report) = (total, report)
        report?(0, total)
    }

    /// Counts one more finished task and reports the new count.
    public func finishOne() {
        lock.lock(); defer { lock.unlock() }
        done += 1
        report?(done, total)
    }
}

/// The number of cores work is spread over.
public enum ProcessInfoCores {
    public static let count = max(1, ProcessInfo.processInfo.activeProcessorCount)
}

/// Runs `body` on every element on all cores, keeping the order; the first error is thrown.
public func parallelMap<T, R>(_ items: [T], _ body: @escaping @Sendable (T) throws -> R) throws -> [R] where T: Sendable, R: Sendable {
    let slots = ResultSlots<Result<R, Error>>(count: items.count)
    DispatchQueue.concurrentPerform(iterations: items.count) { index in
        slots[index] = Result { try body(items[index]) }
    }
    return try slots.values.map { try $0!.get() }
}

/// Runs `body` on contiguous chunks of `0..<count` (a few per core) on all cores and returns
/// the chunks' results in order, so that combining them gives the same result on any machine.
public func parallelMapChunks<R: Sendable>(count: Int, _ body: @escaping @Sendable (Range<Int>) throws -> R) throws -> [R] {
    let chunkCount = max(1, min(count, ProcessInfoCores.count * 4))
    let chunks = (0..<chunkCount).map { ($0 * count / chunkCount)..<(($0 + 1) * count / chunkCount) }
    return try parallelMap(chunks, body)
}
