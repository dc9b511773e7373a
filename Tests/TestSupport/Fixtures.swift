import Foundation
import MixtureInference
import Support

/// Paths to the repository's fixtures and helpers shared by the test targets.
public enum Fixtures {
    /// The repository root (found from this source file's location).
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `fixtures/<relative>`.
    public static func url(_ relative: String) -> URL { root.appendingPathComponent("fixtures").appendingPathComponent(relative) }

    /// `fixtures/<relative>` as a path.
    public static func path(_ relative: String) -> String { url(relative).path }

    /// The bytes of a fixture file.
    public static func bytes(_ relative: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: url(relative))) }

    /// A fixture file as text.
    public static func text(_ relative: String) throws -> String { String(decoding: try bytes(relative), as: UTF8.self) }

    /// A fixture JSON file decoded as `T`.
    public static func json<T: Decodable>(_ relative: String, as type: T.Type = T.self) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(contentsOf: url(relative)))
    }

    /// A fresh temporary folder, removed when the test process exits (callers may remove it sooner).
    public static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("toksleuth-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        FolderJanitor.shared.register(url)
        return url
    }

    /// The project's deterministic generator, so tests repeat exactly.
    public typealias SeededGenerator = Support.SeededGenerator
}

/// Removes the folders of ``Fixtures/temporaryFolder()`` when the process exits, so that a
/// test that fails halfway (or never removes its folder) leaves nothing in the temporary directory.
private final class FolderJanitor: @unchecked Sendable {
    static let shared = FolderJanitor()
    private let lock = NSLock()
    private var folders: [URL] = []

    private init() { atexit { FolderJanitor.shared.removeAll() } }

    func register(_ url: URL) { lock.withLock { folders.append(url) } }

    func removeAll() {
        for url in lock.withLock({ folders }) { try? FileManager.default.removeItem(at: url) }
    }
}
