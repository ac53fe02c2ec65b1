import Foundation
import SummarizerCore

/// Reads pages from the local file system (`file`): `file://` URLs from a URL list or folder.
///
/// The same checks as the HTTP fetcher apply: a size cap, HTML only, charset detection. A
/// `.gz` file is decompressed first (the cap then applies to the page it expands to).
public struct FileFetcher: Fetcher, PluginSettings {
    /// Files larger than this fail with `invalidContent` rather than being read.
    public var maxBodyBytes = 5_000_000

    /// A fetcher with the defaults.
    public init() {}

    /// A fetcher refusing files over `maxBodyBytes`.
    public init(maxBodyBytes: Int) {
        self.maxBodyBytes = maxBodyBytes
    }

    static let htmlExtensions: Set<String> = ["html", "htm", "xhtml", "shtml", ""]

    public func fetch(_ item: WorkItem, context: StageContext) async throws -> FetchedPage {
        let stopwatch = Stopwatch(context.clock)
        guard let url = URL(string: item.url), url.isFileURL else {
            throw PipelineError(
                .misconfigured,
                "the file fetcher reads only file URLs, not \(item.url); configure the http fetcher for web pages",
                reason: "unsupported-scheme"
            )
        }
        let path = url.path
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: path)
        } catch {
            throw PipelineError(.notFound, "no such file: \(path)", reason: "file-not-found")
        }
        guard attributes[.type] as? FileAttributeType == .typeRegular else {
            throw PipelineError(.invalidContent, "\(path) is not a regular file", reason: "not-a-file")
        }
        let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        guard size <= maxBodyBytes else {
            throw PipelineError(
                .invalidContent,
                "\(path) is \(size) bytes, over maxBodyBytes \(maxBodyBytes)",
                reason: "too-large"
            )
        }
        var body: [UInt8]
        do {
            body = Array(try Data(contentsOf: url))
        } catch {
            throw PipelineError(.invalidContent, "cannot read \(path): \(error.localizedDescription)", reason: "unreadable")
        }
        var fileURL = url
        if url.pathExtension.lowercased() == "gz" {
            // A compressed page (`story.html.gz`, as crawls and benchmark corpora store them):
            // the cap applies to what it expands to.
            do {
                body = try Gunzip.decompress(body, limit: maxBodyBytes)
            } catch {
                var failure = error
                failure.message = "\(path): \(failure.message)"
                throw failure
            }
            fileURL = url.deletingPathExtension()
        }
        let fileExtension = fileURL.pathExtension.lowercased()
        guard Self.htmlExtensions.contains(fileExtension) || Self.looksLikeHTML(body) else {
            throw PipelineError(
                .invalidContent,
                "\(path) is not HTML (a .\(fileExtension) file)",
                reason: "not-html"
            )
        }
        let decoded = CharsetDecoder.decode(body)
        return FetchedPage(
            finalURL: item.url,
            status: 200,
            headers: [:],
            body: body,
            text: decoded.text,
            contentType: "text/html",
            charset: decoded.charset,
            method: .file,
            fetchSeconds: stopwatch.elapsedSeconds
        )
    }

    /// Whether the first non-blank byte opens a tag.
    static func looksLikeHTML(_ body: [UInt8]) -> Bool {
        var bytes = body[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        return bytes.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) } == UInt8(ascii: "<")
    }

    /// The `file` fetcher plugin.
    public static let plugin = Plugin(
        type: "file",
        summary: "Reads pages from local files (file:// URLs), with charset detection.",
        keys: configKeys,
        .fetcher { config, _ in try config.decode(FileFetcher.self) }
    )

    public static let keys: [SettingKey<Self>] = [
        SettingKey("maxBodyBytes", \.maxBodyBytes, minimum: 1, doc: "Larger files fail with invalidContent instead of being read.")
    ]
}
