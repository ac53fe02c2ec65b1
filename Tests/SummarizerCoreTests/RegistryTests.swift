import Foundation
import Logging
import Testing

@testable import SummarizerCore

@Suite("Plugin registry")
struct RegistryTests {
    @Test func pluginsAreKeyedByRoleAndType() {
        let registry = TestRegistry.make()
        #expect(registry.plugin(role: .sink, type: "memory")?.spec.role == .sink)
        #expect(registry.plugin(role: .deadLetter, type: "memory")?.spec.role == .deadLetter)
        #expect(registry.plugin(role: .source, type: "memory") == nil)
        #expect(registry.plugins(named: "memory").map(\.spec.role) == [.sink, .deadLetter])
        #expect(registry.plugins(role: .deadLetter).map(\.spec.type) == ["jsonl", "memory"])
    }

    @Test func registeringTheSameRoleAndTypeReplaces() {
        var registry = TestRegistry.make()
        registry.register(
            Plugin(
                type: "text",
                summary: "replacement",
                .extractor { _, _ in
                    fatalError("not built")
                }
            )
        )
        #expect(registry.plugins(role: .extractor).count == 1)
        #expect(registry.plugin(role: .extractor, type: "text")?.spec.summary == "replacement")
    }

    @Test func unsupportedRunOptionsAreNamed() throws {
        let registry = TestRegistry.make()
        let config = try ConfigLoader(registry: registry, environment: ["TEST_API_KEY": "k"])
            .load(data: .init(TestRegistry.validConfig.utf8), baseDirectory: "/")
        let builder = PipelineBuilder(registry: registry)
        #expect(builder.unsupportedOptions(RunOptions(publisher: "ESPN"), in: config).isEmpty)
        let messages = builder.unsupportedOptions(RunOptions(urlIDs: ["a"], model: "x", enableGrounding: true), in: config)
        #expect(messages.count == 3)
        #expect(messages[0] == "--url-ids: the \"list\" source cannot honour this option")
        #expect(messages[2].contains("--enable-grounding"))
    }

    @Test func builderSharesNamedMiddlewareAndKeepsOrder() throws {
        let registry = TestRegistry.make()
        let config = try ConfigLoader(registry: registry, environment: ["TEST_API_KEY": "k"])
            .load(data: .init(TestRegistry.validConfig.utf8), baseDirectory: "/")
        let pipeline = try PipelineBuilder(registry: registry)
            .build(config, environment: PluginEnvironment(logger: .init(label: "t"), baseDirectory: "/"))
        #expect(pipeline.fetcher.chain.description == "tag o -> tag i")
        #expect(pipeline.extractor.chain.middleware.isEmpty)
        #expect(pipeline.sinks.count == 2)
    }
}
