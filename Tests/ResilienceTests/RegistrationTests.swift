import SummarizerCore
import Testing

@testable import Resilience

@Suite("Resilience registration")
struct RegistrationTests {
    @Test func registersOnlyMiddleware() {
        var registry = PluginRegistry()
        Resilience.register(in: &registry)
        for role in PluginRole.allCases where role != .middleware {
            #expect(registry.plugins(role: role).isEmpty)
        }
    }
}
