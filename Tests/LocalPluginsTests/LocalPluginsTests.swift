import LocalPlugins
import SummarizerCore
import Testing

@Suite("Local plugins")
struct LocalPluginsTests {
    @Test func everyLocalPluginHasAUniqueTypePerRoleAndDocumentsItsKeys() {
        var seen: Set<String> = []
        for plugin in LocalPluginsPlugins.all {
            #expect(seen.insert("\(plugin.spec.role)/\(plugin.spec.type)").inserted, "\(plugin.spec.type) is listed twice")
            #expect(!plugin.spec.summary.isEmpty)
            #expect(plugin.spec.keys.allSatisfy { !$0.documentation.isEmpty })
        }
    }
}
