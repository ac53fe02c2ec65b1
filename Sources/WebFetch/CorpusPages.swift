import Foundation

/// The pages of an extraction corpus on disk, for `summarize extract --corpus` and the
/// extraction benchmark: `DIR/<id>/source.html` (the Readability test pages), `DIR/<id>.html`,
/// or `DIR/<id>.html.gz` (WCXB), each named by its id.
public struct CorpusPage: Sendable, Hashable {
    /// The page's id: its file name without extensions, or its folder's for `<id>/source.html`.
    public var id: String
    /// The page's file.
    public var url: URL

    /// The corpus pages of `directory`, ordered by id; none for a folder that holds none.
    public static func list(in directory: URL) -> [CorpusPage] {
        let entries = (try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)) ?? []
        var pages: [CorpusPage] = []
        for entry in entries {
            let name = entry.lastPathComponent
            let source = entry.appendingPathComponent("source.html")
            if FileManager.default.fileExists(atPath: source.path) {
                pages.append(CorpusPage(id: name, url: source))
            } else if let id = Self.id(ofFile: name) {
                pages.append(CorpusPage(id: id, url: entry))
            }
        }
        return pages.sorted { $0.id < $1.id }
    }

    /// `story` for `story.html`, `story.htm` and `story.html.gz`; `nil` for other files.
    static func id(ofFile name: String) -> String? {
        let lowered = name.lowercased()
        for suffix in [".html.gz", ".htm.gz", ".html", ".htm"] where lowered.hasSuffix(suffix) && lowered.count > suffix.count {
            return String(name.dropLast(suffix.count))
        }
        return nil
    }
}
