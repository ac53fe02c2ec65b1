import Foundation
import Logging
import SummarizerCore
import Testing

@testable import LocalPlugins

@Suite("__PLUGIN__ middleware")
struct __TYPE__Tests {
    func call(through middleware: __TYPE__, metrics: RunMetrics) async throws -> String {
        let context = StageContext(logger: Logger(label: "test"), metrics: metrics)
        let call = StageCall(role: .fetcher, pluginType: "file", item: WorkItem(url: "https://example.test/a"), context: context)
        return try await middleware.handle(call) { _ in "page" }
    }

    @Test func aSlowCallIsCountedAndItsResultPassesThrough() async throws {
        var middleware = __TYPE__()
        middleware.warnAfter = .zero
        let metrics = RunMetrics()
        #expect(try await call(through: middleware, metrics: metrics) == "page")
        #expect(metrics.snapshot.counters["slow_calls"] == 1)
    }

    @Test func aQuickCallIsNotCounted() async throws {
        let metrics = RunMetrics()
        #expect(try await call(through: __TYPE__(), metrics: metrics) == "page")
        #expect(metrics.snapshot.counters["slow_calls"] == nil)
    }

    @Test func theConfigSetsTheLimit() throws {
        let config = try PluginConfig.defaults(for: __TYPE__.plugin.spec)
        #expect(try config.decode(__TYPE__.self).warnAfter == .seconds(10))
    }
}
