import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Whole files read with POSIX calls. Foundation's `FileManager.contents(atPath:)` leaks a
/// 4 KB buffer on some reads (swift-foundation's `readBytesFromFile`; the fuzz campaign found
/// it as a slow growth of about 1.3 KB per input, out of memory after about 10^6 inputs), so
/// every reader goes through this instead.
public enum FileBytes {
    /// The bytes of the file at `path`, or nil when it cannot be opened or read (a folder, no
    /// permission, absent), as `FileManager.contents(atPath:)` answers.
    public static func contents(atPath path: String) -> Data? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) != S_IFDIR else { return nil }
        var bytes = [UInt8](repeating: 0, count: max(Int(status.st_size), 0) + 1)
        var length = 0
        while true {
            if length == bytes.count { bytes.append(contentsOf: repeatElement(0, count: max(bytes.count, 1 << 16))) }
            let got = bytes.withUnsafeMutableBytes { buffer in
                Glibc.read(descriptor, buffer.baseAddress! + length, buffer.count - length)
            }
            if got < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if got == 0 { break }
            length += got
        }
        bytes.removeSubrange(length...)
        return Data(bytes)
    }
}
