import Foundation
import Logging
import SummarizerCore
import Testing

@testable import WebFetch

@Suite("File fetcher")
struct FileFetcherTests {
    let context = StageContext(logger: Logger(label: "test"))

    func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fetch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func kind(of fetch: () async throws -> FetchedPage) async -> PipelineError.Kind? {
        do {
            _ = try await fetch()
            return nil
        } catch let error as PipelineError {
            return error.kind
        } catch {
            return nil
        }
    }

    /// gzip's own output, from the system's `gzip`.
    func gzip(_ data: Data, into url: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-c"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(data)
        try input.fileHandleForWriting.close()
        let compressed = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try compressed.write(to: url)
    }

    @Test func aGzippedPageIsReadAndItsExpandedSizeIsCapped() async throws {
        let directory = try folder()
        defer { try? FileManager.default.removeItem(at: directory) }
        let html = "<html><body><p>" + String(repeating: "Caf\u{e9} news. ", count: 2_000) + "</p></body></html>"
        let file = directory.appendingPathComponent("story.html.gz")
        try gzip(Data(html.utf8), into: file)
        let page = try await FileFetcher().fetch(WorkItem(url: file.absoluteString), context: context)
        #expect(page.text == html)
        #expect(page.body.count == html.utf8.count)

        // The cap applies to what the file expands to, not to its compressed size.
        let capped = FileFetcher(maxBodyBytes: 10_000)
        do {
            _ = try await capped.fetch(WorkItem(url: file.absoluteString), context: context)
            Issue.record("a page expanding past maxBodyBytes was read")
        } catch let error as PipelineError {
            #expect(error.kind == .invalidContent && error.reason == "too-large")
            #expect(error.message.contains("story.html.gz"))
        }

        // Not gzip at all, and a cut file: clear failures, no crash.
        let bogus = directory.appendingPathComponent("bogus.html.gz")
        try Data("<html>not compressed</html>".utf8).write(to: bogus)
        #expect(await kind { try await FileFetcher().fetch(WorkItem(url: bogus.absoluteString), context: context) } == .invalidContent)
        let compressed = try Data(contentsOf: file)
        let cut = directory.appendingPathComponent("cut.html.gz")
        try compressed.prefix(compressed.count / 2).write(to: cut)
        #expect(await kind { try await FileFetcher().fetch(WorkItem(url: cut.absoluteString), context: context) } == .invalidContent)
        #expect(throws: PipelineError.self) { try Gunzip.decompress([], limit: 100) }
    }

    @Test func corpusPagesAreListedByIdWhateverTheirLayout() throws {
        let directory = try folder()
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("001-story"), withIntermediateDirectories: true)
        for name in ["001-story/source.html", "0002.html.gz", "0003.html", "notes.txt", "0002.json"] {
            try Data("<p>x</p>".utf8).write(to: directory.appendingPathComponent(name))
        }
        let pages = CorpusPage.list(in: directory)
        #expect(pages.map(\.id) == ["0002", "0003", "001-story"])
        #expect(pages.first?.url.lastPathComponent == "0002.html.gz")
    }

    @Test func readsAndDecodesAFile() async throws {
        let file = try folder().appendingPathComponent("page.html")
        try Data("<meta charset=windows-1252><p>Pe\u{F1}a".unicodeScalars.map { UInt8($0.value) }).write(to: file)
        let page = try await FileFetcher().fetch(WorkItem(url: file.absoluteString), context: context)
        #expect(page.text.hasSuffix("Peña"))
        #expect(page.charset == "windows-1252")
        #expect(page.method == .file)
        #expect(page.status == 200)
    }

    @Test func missingFileIsNotFound() async {
        let kind = await kind { try await FileFetcher().fetch(WorkItem(url: "file:///nonexistent/page.html"), context: context) }
        #expect(kind == .notFound)
    }

    @Test func nonHTMLIsInvalidContent() async throws {
        let file = try folder().appendingPathComponent("report.pdf")
        try Data("%PDF-1.7 binary".utf8).write(to: file)
        let kind = await kind { try await FileFetcher().fetch(WorkItem(url: file.absoluteString), context: context) }
        #expect(kind == .invalidContent)
    }

    @Test func oversizeFileIsRefused() async throws {
        let file = try folder().appendingPathComponent("big.html")
        try Data(repeating: UInt8(ascii: "a"), count: 2_000).write(to: file)
        let kind = await kind { try await FileFetcher(maxBodyBytes: 1_000).fetch(WorkItem(url: file.absoluteString), context: context) }
        #expect(kind == .invalidContent)
    }

    @Test func webURLsAreAConfigurationProblem() async {
        let kind = await kind { try await FileFetcher().fetch(WorkItem(url: "https://example.com/a"), context: context) }
        #expect(kind == .misconfigured)
    }
}
