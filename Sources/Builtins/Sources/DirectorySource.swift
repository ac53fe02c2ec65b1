import Foundation
import SummarizerCore

/// Every `*.html` file below a folder, in path order (`directory`).
public struct DirectorySource: ItemSource, PluginSettings {
    /// The folder to scan; required, so empty only until a config sets it.
    public var path = ""

    /// A source with no folder yet.
    public init() {}

    /// A source reading the folder at `path`.
    public init(path: String) {
        self.path = path
    }

    public func items(_ query: ItemQuery, context: StageContext) -> AsyncThrowingStream<SourceElement, any Error> {
        AsyncThrowingStream { continuation in
            do {
                for item in try pages(matching: query) { continuation.yield(.item(item)) }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
    }

    /// Counts the pages below the folder that match `query`.
    public func count(_ query: ItemQuery, context: StageContext) async throws -> Int? {
        try pages(matching: query).count
    }

    /// The pages below the folder that match `query`, in path order.
    func pages(matching query: ItemQuery) throws(PipelineError) -> [WorkItem] {
        let root = URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw PipelineError(.misconfigured, "\(root.path) is not a folder")
        }
        var files: [URL] = []
        let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey])
        while let url = enumerator?.nextObject() as? URL {
            let name = url.lastPathComponent.lowercased()
            if name.hasSuffix(".html") || name.hasSuffix(".htm") { files.append(url.standardizedFileURL) }
        }
        return files.sorted(by: { $0.path < $1.path }).map { WorkItem(url: $0.absoluteString) }.filter(query.matches)
    }

    /// The `directory` source plugin.
    public static let plugin = Plugin(
        type: "directory",
        summary: "Every *.html file below a folder, as file URLs.",
        keys: configKeys,
        runOptions: [.urlIDs],
        .source { config, _ in try config.decode(DirectorySource.self) }
    )

    public static let keys: [SettingKey<Self>] = [
        SettingKey("path", \.path, as: .path, required: true, doc: "The folder to scan, recursively.")
    ]
}
