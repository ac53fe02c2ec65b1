import Foundation
import SummarizerCore

/// Every `*.html` file below a folder, in path order (`directory`).
public struct DirectorySource: ItemSource {
    public var path: String

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
        PluginSpec(
            type: "directory", role: .source, summary: "Every *.html file below a folder, as file URLs.",
            keys: [ConfigKey("path", .path, required: true, doc: "The folder to scan, recursively.")],
            runOptions: [.urlIDs]),
        .source { config, _ in DirectorySource(path: config.string("path")!) }
    )
}
