import Foundation
import Logging
import SummarizerCore
import SummarizerTesting
import Testing

@testable import Builtins

/// A fresh temporary folder per test.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("summarize-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

func collect(_ source: any ItemSource, _ query: ItemQuery = ItemQuery()) async throws -> [SourceElement] {
    var elements: [SourceElement] = []
    for try await element in source.items(query, context: StageContext(logger: Logger(label: "test"))) {
        elements.append(element)
    }
    return elements
}

@Suite("URL-list source")
struct URLListSourceTests {
    @Test func parsesURLsPathsCommentsAndJSONLines() async throws {
        let folder = try temporaryDirectory()
        let list = folder.appendingPathComponent("urls.txt")
        try """
        # a comment

        https://example.com/news/a%2Fb?x=1&y=%20z
        pages/one.html
        /abs/two.html
        {"id": "3f2a", "url": "https://example.com/c", "title": "C", "publisher": "ESPN"}
          https://example.com/indented\r
        """.write(to: list, atomically: true, encoding: .utf8)
        let elements = try await collect(URLListSource(path: list.path))
        let urls = elements.compactMap { if case .item(let item) = $0 { item.url } else { nil } }
        #expect(
            urls == [
                "https://example.com/news/a%2Fb?x=1&y=%20z",
                URL(fileURLWithPath: folder.path + "/pages/one.html").absoluteString,
                "file:///abs/two.html",
                "https://example.com/c",
                "https://example.com/indented",
            ]
        )
        guard case .item(let jsonItem) = elements[3] else {
            Issue.record("expected an item")
            return
        }
        #expect(jsonItem.id == "3f2a")
        #expect(jsonItem.title == "C")
        #expect(jsonItem.publisher == "ESPN")
    }

    @Test func junkLinesAreRejectedWithLineNumbersAndTheRestKept() async throws {
        let folder = try temporaryDirectory()
        let list = folder.appendingPathComponent("list.txt")
        var bytes = Array("https://ok.example/1\nmailto:someone@example.com\n{\"url\": 5}\n{broken\n".utf8)
        bytes += [0x66, 0x6F, 0xFF, 0x0A]  // invalid UTF-8
        bytes += Array(String(repeating: "x", count: 70_000).utf8) + [0x0A]
        bytes += Array("{\"title\": \"no url\"}\nhttp://\nhttps://ok.example/2".utf8)
        try Data(bytes).write(to: list)

        let elements = try await collect(URLListSource(path: list.path))
        let items = elements.compactMap { if case .item(let item) = $0 { item.url } else { nil } }
        let rejections = elements.compactMap { if case .rejected(let rejection) = $0 { rejection } else { nil } }
        #expect(items == ["https://ok.example/1", "https://ok.example/2"])
        #expect(rejections.map(\.location) == (2...8).map { "list.txt:\($0)" })
        #expect(rejections[0].error.message.contains("unsupported URL scheme \"mailto\""))
        #expect(rejections[3].error.message.contains("not valid UTF-8"))
        #expect(rejections[4].error.message.contains("70000 bytes"))
        #expect(rejections.allSatisfy { $0.error.kind == .invalidContent })
    }

    @Test func filtersByPublisherAndID() async throws {
        let folder = try temporaryDirectory()
        let list = folder.appendingPathComponent("urls.jsonl")
        try """
        {"id": "a", "url": "https://x.example/a", "publisher": "ESPN"}
        {"id": "b", "url": "https://x.example/b", "publisher": "BBC"}
        {"id": "c", "url": "https://x.example/c", "publisher": "espn"}
        """.write(to: list, atomically: true, encoding: .utf8)
        let byPublisher = try await collect(URLListSource(path: list.path), ItemQuery(publisher: "ESPN"))
        #expect(byPublisher.count == 2)
        let byID = try await collect(URLListSource(path: list.path), ItemQuery(ids: ["b"]))
        #expect(byID == [.item(WorkItem(id: "b", url: "https://x.example/b", publisher: "BBC"))])
    }

    @Test func aMissingListFailsTheSourceClearly() async {
        await #expect(throws: PipelineError.self) {
            _ = try await collect(URLListSource(path: "/nonexistent/urls.txt"))
        }
    }

    @Test func directorySourceFindsHTMLRecursivelyInOrder() async throws {
        let folder = try temporaryDirectory()
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("b"), withIntermediateDirectories: true)
        for name in ["b/z.html", "a.htm", "notes.txt", "c.HTML"] {
            try "x".write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let elements = try await collect(DirectorySource(path: folder.path))
        let names = elements.compactMap { if case .item(let item) = $0 { URL(string: item.url)?.lastPathComponent } else { nil } }
        #expect(names == ["a.htm", "z.html", "c.HTML"])
    }
}
