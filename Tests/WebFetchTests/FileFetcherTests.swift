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
