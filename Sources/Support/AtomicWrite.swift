import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes files so that a reader never sees a partial one and a failed or killed write leaves
/// the previous file as it was.
///
/// On Linux the bytes go to an unnamed file in the destination's folder (`O_TMPFILE`), which a
/// crash or `kill -9` makes vanish with the process; once complete and synced it is given a
/// temporary name and renamed over the destination. Where `O_TMPFILE` is unsupported, a named
/// temporary file (`.NAME.tmp-PID-RANDOM`) takes its place and is removed on failure.
public enum AtomicWrite {
    /// Writes `bytes` to `path` atomically.
    /// - Throws: an ``InputError`` naming `path`: missing folder, permission, disk full, file
    ///   size limit (`ulimit -f`; the command line ignores `SIGXFSZ` so that this is an error).
    public static func write(_ bytes: [UInt8], to path: String) throws {
        try write(files: [(path, bytes)])
    }

    /// Writes several files that belong together (a report's pages, `vocab.json` with
    /// `merges.txt`): every file is written and synced first, and only when all are complete
    /// are they named and renamed into place, so a failure (disk full, `ulimit -f`) or a kill
    /// while writing leaves every previous file as it was.
    /// - Throws: as ``write(_:to:)``, naming the file that failed.
    public static func write(files: [(path: String, bytes: [UInt8])]) throws {
        var staged: [Staged] = []
        defer { for file in staged { file.discard() } }
        for file in files { staged.append(try Staged(file.bytes, for: file.path)) }
        for file in staged { try file.commit() }
    }

    /// One file written in full but not yet in place: an unnamed `O_TMPFILE` (or, where that
    /// is unsupported, a named temporary file) in the destination's folder.
    private final class Staged {
        let path: String
        let temporary: String
        var descriptor: Int32
        /// Whether `temporary` exists as a name (always for the fallback; after linking otherwise).
        var named: Bool

        init(_ bytes: [UInt8], for path: String) throws {
            self.path = path
            let url = URL(fileURLWithPath: path)
            let folder = url.deletingLastPathComponent().path
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw InputError(path: path, problem: "output folder \(folder) does not exist")
            }
            temporary = folder + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            #if os(Linux)
            var descriptor = open(folder, AtomicWrite.unnamedTemporaryFile | O_WRONLY | O_CLOEXEC, 0o666)
            #else
            var descriptor: Int32 = -1
            #endif
            named = descriptor < 0
            if named {
                descriptor = open(temporary, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o666)
                guard descriptor >= 0 else { throw Staged.failure(path, "create a file in \(folder)") }
            }
            self.descriptor = descriptor
            do {
                let killAt = InterruptionHook.shared.killOffset(staging: bytes.count)
                try bytes.withUnsafeBytes { buffer in
                    var offset = 0
                    while offset < buffer.count {
                        if offset >= killAt { kill(getpid(), SIGKILL) }
                        let written = Glibc.write(descriptor, buffer.baseAddress! + offset, min(buffer.count, killAt) - offset)
                        if written < 0 {
                            if errno == EINTR { continue }
                            throw Staged.failure(path, "write")
                        }
                        offset += written
                    }
                }
                guard fsync(descriptor) == 0 else { throw Staged.failure(path, "write") }
            } catch {
                discard()
                throw error
            }
        }

        static func failure(_ path: String, _ action: String) -> InputError {
            InputError(path: path, problem: "cannot \(action): \(String(cString: strerror(errno)))")
        }

        /// Names the file (if unnamed) and renames it over the destination.
        func commit() throws {
            #if os(Linux)
            if !named {
                guard linkat(AT_FDCWD, "/proc/self/fd/\(descriptor)", AT_FDCWD, temporary, AT_SYMLINK_FOLLOW) == 0 else {
                    throw Staged.failure(path, "name the written file")
                }
                named = true
            }
            #endif
            guard rename(temporary, path) == 0 else { throw Staged.failure(path, "replace file") }
            named = false
        }

        /// Closes the file and removes its temporary name if it still has one.
        func discard() {
            if named { unlink(temporary) }
            named = false
            if descriptor >= 0 { close(descriptor) }
            descriptor = -1
        }
    }

    /// Writes a string as UTF-8.
    public static func write(_ text: String, to path: String) throws {
        try write(Array(text.utf8), to: path)
    }

    #if os(Linux)
    /// `O_TMPFILE` (Glibc's macro is not imported into Swift): `__O_TMPFILE | O_DIRECTORY`.
    static let unnamedTemporaryFile: Int32 = 0o20000000 | O_DIRECTORY
    #endif
}

/// A testing hook for interruption campaigns (`scripts/interruption-campaign`): with
/// `TOKSLEUTH_KILL_DURING_WRITE=N`, the process kills itself with SIGKILL halfway through writing
/// the N-th file it stages (counting from 1), as `kill -9` or a crash at that moment would.
/// Unset, it costs one comparison per file written.
final class InterruptionHook: @unchecked Sendable {
    static let shared = InterruptionHook()
    private let target = ProcessInfo.processInfo.environment["TOKSLEUTH_KILL_DURING_WRITE"].flatMap(Int.init)
    private var staged = 0
    private let lock = NSLock()

    /// The offset at which to kill the process while staging a file of `count` bytes (`Int.max`: never).
    func killOffset(staging count: Int) -> Int {
        guard let target else { return .max }
        lock.lock()
        defer { lock.unlock() }
        staged += 1
        return staged == target ? count / 2 : .max
    }
}
