import SummarizerCore
import Testing

@testable import Resilience

@Suite("Resilience registration")
struct RegistrationTests {
    @Test func registersOnlyMiddleware() {
        var registry = PluginRegistry()
        registry.register(contentsOf: ResiliencePlugins.all)
        registry.setDefaultMiddleware(ResiliencePlugins.defaultChains)
        for role in PluginRole.allCases where role != .middleware {
            #expect(registry.plugins(role: role).isEmpty)
        }
    }
}
