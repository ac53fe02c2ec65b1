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
        let root = URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL
        return AsyncThrowingStream { continuation in
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                continuation.finish(throwing: PipelineError(.misconfigured, "\(root.path) is not a folder"))
                return
            }
            var files: [URL] = []
            let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey])
            while let url = enumerator?.nextObject() as? URL {
                let name = url.lastPathComponent.lowercased()
                if name.hasSuffix(".html") || name.hasSuffix(".htm") { files.append(url.standardizedFileURL) }
            }
            for file in files.sorted(by: { $0.path < $1.path }) {
                let item = WorkItem(url: file.absoluteString)
                if query.matches(item) { continuation.yield(.item(item)) }
            }
            continuation.finish()
        }
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
