import Foundation
import Support

/// llama.cpp, loaded at run time: `libtoksleuth_llama.so`, the C shim that
/// `scripts/build-llama-cpp` compiles against the pinned llama.cpp.
///
/// Loading with `dlopen` rather than linking keeps `swift build` and `swift test` independent of
/// a 7-minute C++ build that many users never need: SwiftPM has no optional link dependency, and
/// a system-library target would fail to link wherever the library is absent. The shim's
/// interface is plain C types only, so no llama.cpp header is needed here either.
public final class LlamaCppLibrary: @unchecked Sendable {
    typealias Open = @convention(c) (UnsafePointer<CChar>, Int32, Int32, UnsafeMutablePointer<CChar>, Int) -> OpaquePointer?
    typealias Close = @convention(c) (OpaquePointer?) -> Void
    typealias Query = @convention(c) (OpaquePointer) -> Int32
    typealias Tokenize = @convention(c) (OpaquePointer, UnsafePointer<CChar>, Int32, UnsafeMutablePointer<Int32>?, Int32) -> Int32
    typealias Score = @convention(c) (OpaquePointer, UnsafePointer<Int32>, Int32, Int32, UnsafeMutablePointer<Double>,
                                      UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>) -> Int32
    typealias Logits = @convention(c) (OpaquePointer, UnsafePointer<Int32>, Int32, Int32, UnsafeMutablePointer<Float>) -> Int32

    let open: Open
    let close: Close
    let vocabularySize: Query
    let contextSize: Query
    let beginToken: Query
    let tokenize: Tokenize
    let score: Score
    let logits: Logits
    /// The folder the library was loaded from.
    public let folder: String
    /// llama.cpp's own description of the CPU features it was built for and uses
    /// (`llama_print_system_info`): its quantised kernels differ between feature sets (AVX2 and
    /// AVX-512 give log-probabilities that differ by up to a few tenths), so a reference is
    /// exact only on a machine with the same line.
    public let systemInfo: String

    /// The pinned llama.cpp (the llama-cpp-python sdist version `scripts/build-llama-cpp` uses).
    public static let version = "0.3.36"

    /// Where `scripts/build-llama-cpp` puts the library: `$TOKSLEUTH_LLAMA_LIB/lib`, or
    /// `~/.cache/toksleuth/llama-cpp-lib/VERSION/lib`.
    public static var defaultFolder: String {
        if let custom = ProcessInfo.processInfo.environment["TOKSLEUTH_LLAMA_LIB"], !custom.isEmpty {
            return (custom as NSString).appendingPathComponent("lib")
        }
        return (NSHomeDirectory() as NSString).appendingPathComponent(".cache/toksleuth/llama-cpp-lib/\(version)/lib")
    }

    /// Why the library cannot be loaded, or nil when it can.
    public static var unavailableReason: String? {
        do { _ = try shared(); return nil } catch { return "\(error)" }
    }

    nonisolated(unsafe) private static var loaded: LlamaCppLibrary?
    private static let lock = NSLock()

    /// The library, loaded once per process.
    /// - Throws: ``LlamaCppUnavailable`` when it has not been built.
    public static func shared() throws -> LlamaCppLibrary {
        lock.lock()
        defer { lock.unlock() }
        if let loaded { return loaded }
        let library = try LlamaCppLibrary(folder: defaultFolder)
        loaded = library
        return library
    }

    private init(folder: String) throws {
        let path = (folder as NSString).appendingPathComponent("libtoksleuth_llama.so")
        guard FileManager.default.fileExists(atPath: path) else {
            throw LlamaCppUnavailable(message: "llama.cpp is not built (no \(path)): run scripts/build-llama-cpp")
        }
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            throw LlamaCppUnavailable(message: "cannot load \(path): \(String(cString: dlerror()))")
        }
        func symbol<T>(_ name: String, as type: T.Type) throws -> T {
            guard let address = dlsym(handle, name) else {
                throw LlamaCppUnavailable(message: "\(path) has no \(name): rebuild it with scripts/build-llama-cpp")
            }
            return unsafeBitCast(address, to: type)
        }
        open = try symbol("ts_llama_open", as: Open.self)
        close = try symbol("ts_llama_close", as: Close.self)
        vocabularySize = try symbol("ts_llama_n_vocab", as: Query.self)
        contextSize = try symbol("ts_llama_n_ctx", as: Query.self)
        beginToken = try symbol("ts_llama_bos", as: Query.self)
        tokenize = try symbol("ts_llama_tokenize", as: Tokenize.self)
        score = try symbol("ts_llama_score", as: Score.self)
        logits = try symbol("ts_llama_logits", as: Logits.self)
        typealias SystemInfo = @convention(c) () -> UnsafePointer<CChar>?
        // The shim's own dependency, libllama, is searched too (dlsym on the handle).
        systemInfo = (try? symbol("llama_print_system_info", as: SystemInfo.self))?().map { String(cString: $0) } ?? ""
        self.folder = folder
    }
}

/// llama.cpp is not built or cannot be loaded.
public struct LlamaCppUnavailable: UserFacingError, CustomStringConvertible {
    /// What is missing and how to get it.
    public let message: String
    public var description: String { message }
}
