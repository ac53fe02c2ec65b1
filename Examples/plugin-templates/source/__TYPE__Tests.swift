import Foundation
import Logging
import SummarizerCore
import Testing

@testable import LocalPlugins

@Suite("__PLUGIN__ source")
struct __TYPE__Tests {
    @Test func everyFixtureURLBecomesAnItemAndJunkIsRejected() async throws {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/__TYPE__", withExtension: "txt"))
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
        var items: [WorkItem] = []
        var rejected: [SourceRejection] = []
        for try await element in __TYPE__(urls: lines).items(ItemQuery(), context: StageContext(logger: Logger(label: "test"))) {
            switch element {
            case .item(let item): items.append(item)
            case .rejected(let rejection): rejected.append(rejection)
            }
        }
        #expect(items.map(\.url) == ["https://example.test/a", "https://example.test/b"])
        #expect(rejected.map(\.entry) == ["not a url"])
    }
}
