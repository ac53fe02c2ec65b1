import Foundation
import SummarizerCore
import Synchronization

/// Reads work items from a URL list file (`urlFile`) or standard input (`stdin`), lazily.
public struct URLListSource: ItemSource {
    enum Input: Sendable {
        case file(String)
        case standardInput
    }

    let input: Input
    let parser: URLListParser

    /// A source reading the list at `path`; relative entries resolve against its folder.
    public init(path: String) {
        input = .file(path)
        parser = URLListParser(
            baseDirectory: URL(fileURLWithPath: path).deletingLastPathComponent().path,
            listName: URL(fileURLWithPath: path).lastPathComponent
        )
    }

    /// A source reading standard input; relative entries resolve against `baseDirectory`.
    public init(standardInputRelativeTo baseDirectory: String) {
        input = .standardInput
        parser = URLListParser(baseDirectory: baseDirectory, listName: "stdin")
    }

    public func items(_ query: ItemQuery, context: StageContext) -> AsyncThrowingStream<SourceElement, any Error> {
        let input = input
        let parser = parser
        // The reader is opened on first pull, so a dry run's `validate` never touches the file.
        let reader = LazyReader {
            switch input {
            case .file(let path): try LineReader(path: path)
            case .standardInput: LineReader(descriptor: 0, closeWhenDone: false)
            }
        }
        return AsyncThrowingStream {
            while let line = try await reader.get().nextAsync() {
                guard let element = parser.parse(line) else { continue }
                if case .item(let item) = element, !query.matches(item) { continue }
                return element
            }
            return nil
        }
    }

    /// Counts the entries of a list file that match the query; standard input is not counted.
    public func count(_ query: ItemQuery, context: StageContext) async throws -> Int? {
        guard case .file(let path) = input else { return nil }
        let reader = try LineReader(path: path)
        var count = 0
        while let line = try await reader.nextAsync() {
            guard let element = parser.parse(line) else { continue }
            if case .item(let item) = element, !query.matches(item) { continue }
            count += 1
        }
        return count
    }

    /// The `urlFile` source's config: the list's path.
    struct FileSettings: PluginSettings {
        var path = ""

        static let keys: [SettingKey<Self>] = [
            SettingKey(
                "path",
                \.path,
                as: .path,
                required: true,
                doc: "The URL list: one URL or file path per line (# comments), or JSON lines with id, url, title, publisher."
            )
        ]
    }

    /// The `urlFile` source plugin.
    public static let urlFilePlugin = Plugin(
        type: "urlFile",
        summary: "URLs from a list file: one per line, or JSON lines with id, url, title, publisher.",
        keys: FileSettings.configKeys,
        runOptions: [.publisher, .urlIDs],
        .source { config, _ in URLListSource(path: try config.decode(FileSettings.self).path) }
    )

    /// The `stdin` source plugin.
    public static let stdinPlugin = Plugin(
        type: "stdin",
        summary: "URLs from standard input, in the URL-list format; relative paths resolve against the config's folder.",
        runOptions: [.publisher, .urlIDs],
        .source { _, environment in URLListSource(standardInputRelativeTo: environment.baseDirectory) }
    )
}

/// Opens a resource on first use, once.
final class LazyReader: Sendable {
    private let make: @Sendable () throws -> LineReader
    private let reader = Mutex<LineReader?>(nil)

    init(_ make: @escaping @Sendable () throws -> LineReader) {
        self.make = make
    }

    func get() throws -> LineReader {
        try reader.withLock { reader in
            if let reader { return reader }
            let made = try make()
            reader = made
            return made
        }
    }
}
