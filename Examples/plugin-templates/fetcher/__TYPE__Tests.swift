import Foundation
import Logging
import SummarizerCore
import Testing

@testable import LocalPlugins

@Suite("__PLUGIN__ fetcher")
struct __TYPE__Tests {
    @Test func theFixtureFileIsFetchedAndAMissingOneIsNotFound() async throws {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/__TYPE__", withExtension: "html"))
        let page = try await __TYPE__().fetch(WorkItem(url: url.absoluteString), context: StageContext(logger: Logger(label: "test")))
        #expect(page.text.contains("<p>Fetched from disk.</p>"))
        do {
            _ = try await __TYPE__().fetch(WorkItem(url: "file:///no/such/page.html"), context: StageContext(logger: Logger(label: "test")))
            Issue.record("a missing file was fetched")
        } catch let error as PipelineError {
            #expect(error.kind == .notFound)
        }
    }
}
