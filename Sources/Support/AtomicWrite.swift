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
    /// `merges.txt`): every file is written and synced under a temporary name first, and only
    /// when all are complete are they renamed into place, so a failure (disk full, `ulimit -f`)
    /// leaves every previous file as it was.
    /// - Throws: as ``write(_:to:)``, naming the file that failed.
    public static func write(files: [(path: String, bytes: [UInt8])]) throws {
        var staged: [String] = []
        defer { for temporary in staged { unlink(temporary) } }  // no-ops once renamed
        for file in files { staged.append(try stage(file.bytes, for: file.path)) }
        for (temporary, file) in zip(staged, files) {
            guard rename(temporary, file.path) == 0 else {
                throw InputError(path: file.path, problem: "cannot replace file: \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Writes `bytes` beside `path` under a temporary name, complete and synced; returns the name.
    private static func stage(_ bytes: [UInt8], for path: String) throws -> String {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw InputError(path: path, problem: "output folder \(folder) does not exist")
        }
        func failure(_ action: String) -> InputError {
            InputError(path: path, problem: "cannot \(action): \(String(cString: strerror(errno)))")
        }
        let temporary = folder + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        var named = false
        #if os(Linux)
        var descriptor = open(folder, unnamedTemporaryFile | O_WRONLY | O_CLOEXEC, 0o666)
        #else
        var descriptor: Int32 = -1
        #endif
        if descriptor < 0 {
            descriptor = open(temporary, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o666)
            guard descriptor >= 0 else { throw failure("create a file in \(folder)") }
            named = true
        }
        var complete = false
        defer {
            close(descriptor)
            if named && !complete { unlink(temporary) }
        }
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw failure("write")
                }
                offset += written
            }
        }
        guard fsync(descriptor) == 0 else { throw failure("write") }
        #if os(Linux)
        if !named {
            guard linkat(AT_FDCWD, "/proc/self/fd/\(descriptor)", AT_FDCWD, temporary, AT_SYMLINK_FOLLOW) == 0 else {
                throw failure("name the written file")
            }
        }
        #endif
        complete = true
        return temporary
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
