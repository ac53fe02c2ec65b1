import Foundation
import SummarizerCore

/// Parses the entries of a URL list: one URL per line, or JSON lines.
///
/// - `#` comments and blank lines are skipped.
/// - An absolute `http`, `https` or `file` URL is taken as it is (never URL-decoded).
/// - A line starting with `{` is a JSON object with `url` and optionally `id`, `title`, `publisher`.
/// - Anything else is a file path, relative to the list's folder.
/// Junk (another scheme, malformed JSON, control characters) is rejected with its line number.
struct URLListParser: Sendable {
    /// The folder relative paths are resolved against.
    var baseDirectory: String
    /// The name used in locations, e.g. `urls.txt` or `stdin`.
    var listName: String

    private struct JSONEntry: Decodable {
        var id: String?
        var url: String?
        var title: String?
        var publisher: String?
    }

    func parse(_ line: LineReader.Line) -> SourceElement? {
        switch line {
        case .tooLong(let bytes, let number):
            return reject(number, "(\(bytes) bytes)", "the line is \(bytes) bytes long; the limit is \(LineReader.maximumLineBytes)")
        case .notUTF8(let number):
            return reject(number, "(undecodable bytes)", "the line is not valid UTF-8")
        case .text(let raw, let number):
            let text = raw.trimmingCharacters(in: .whitespaces)
            if text.isEmpty || text.hasPrefix("#") { return nil }
            if text.hasPrefix("{") { return parseJSON(text, number) }
            return parseEntry(text, number)
        }
    }

    private func parseJSON(_ text: String, _ number: Int) -> SourceElement {
        let entry: JSONEntry
        do {
            entry = try JSONDecoder().decode(JSONEntry.self, from: Data(text.utf8))
        } catch {
            return reject(number, text, "not a valid JSON object with a \"url\" string")
        }
        guard let url = entry.url, !url.isEmpty else {
            return reject(number, text, "the JSON object has no \"url\"")
        }
        switch parseEntry(url, number) {
        case .item(var item):
            if let id = entry.id, !id.isEmpty { item.id = id }
            item.title = entry.title
            item.publisher = entry.publisher
            return .item(item)
        case let other:
            return other
        }
    }

    private func parseEntry(_ text: String, _ number: Int) -> SourceElement {
        if text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return reject(number, text, "the entry contains control characters")
        }
        if let colon = text.firstIndex(of: ":"), Self.looksLikeScheme(text[..<colon]) {
            let scheme = text[..<colon].lowercased()
            guard ["http", "https", "file"].contains(scheme) else {
                return reject(number, text, "unsupported URL scheme \"\(scheme)\"; use http, https or a file path")
            }
            guard let components = URLComponents(string: text), scheme == "file" || components.host?.isEmpty == false else {
                return reject(number, text, "not a valid absolute URL")
            }
            return .item(WorkItem(url: text))
        }
        let path = text.hasPrefix("/") ? text : baseDirectory + "/" + text
        let url = URL(fileURLWithPath: path).standardizedFileURL
        return .item(WorkItem(url: url.absoluteString))
    }

    /// A scheme is letters, digits, `+`, `-`, `.`, starting with a letter; more than one
    /// character, so a Windows drive letter is not mistaken for one.
    private static func looksLikeScheme(_ text: Substring) -> Bool {
        guard text.count > 1, let first = text.first, first.isASCII, first.isLetter else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }
    }

    private func reject(_ number: Int, _ entry: String, _ message: String) -> SourceElement {
        .rejected(
            SourceRejection(
                location: "\(listName):\(number)",
                entry: entry,
                error: PipelineError(.invalidContent, "\(listName) line \(number): \(message)", reason: "bad-source-entry")
            )
        )
    }
}

extension ItemQuery {
    /// Whether `item` passes the publisher and id filters.
    func matches(_ item: WorkItem) -> Bool {
        if let publisher, !PublisherFilter.matches(item.publisher, publisher) { return false }
        if let ids, !ids.contains(item.id) { return false }
        return true
    }
}
