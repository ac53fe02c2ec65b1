import SummarizerCore
import Testing

/// Settings of an imaginary plugin, one property of each kind a key can bind to.
private struct ProbeSettings: PluginSettings {
    enum Mode: String, Sendable, CaseIterable, ConfigValueConvertible {
        case fast, thorough
    }

    var count = 3
    var ratio = 0.5
    var enabled = false
    var name = ""
    var tags: [String] = ["a"]
    var timeout: Duration = .seconds(2)
    var limit: Int?
    var mode = Mode.fast
    var folder = "in"
    var even = 0

    static let keys: [SettingKey<Self>] = [
        SettingKey("count", \.count, minimum: 1, doc: "c"),
        SettingKey("ratio", \.ratio, doc: "r"),
        SettingKey("enabled", \.enabled, doc: "e"),
        SettingKey("name", \.name, required: true, secret: true, environment: ["PROBE_NAME"], doc: "n"),
        SettingKey("tags", \.tags, doc: "t"),
        SettingKey("timeoutSeconds", \.timeout, doc: "s"),
        SettingKey("limit", \.limit, doc: "l"),
        SettingKey("mode", \.mode, doc: "m"),
        SettingKey("folder", \.folder, as: .path, doc: "f"),
        SettingKey(
            ConfigKey("even", .integer, default: .number(0), doc: "an even number"),
            apply: { settings, value, config throws(ConfigError) in
                guard let number = value.intValue, number % 2 == 0 else { throw config.problem("even", "must be even") }
                settings.even = number
            }
        ),
    ]
}

@Suite("Typed plugin settings")
struct PluginSettingsTests {
    let spec = PluginSpec(type: "probe", role: .extractor, summary: "probe", keys: ProbeSettings.configKeys)

    @Test func theSpecTakesItsDefaultsAndTypesFromTheSettings() throws {
        #expect(spec.key("count")?.defaultValue == .number(3))
        #expect(spec.key("count")?.type == .integer)
        #expect(spec.key("ratio")?.defaultValue == .number(0.5))
        #expect(spec.key("enabled")?.defaultValue == .bool(false))
        #expect(spec.key("tags")?.defaultValue == .array([.string("a")]))
        #expect(spec.key("timeoutSeconds")?.defaultValue == .number(2))
        #expect(spec.key("timeoutSeconds")?.type == .number)
        #expect(spec.key("folder")?.type == .path)
        #expect(spec.key("mode")?.allowedValues == ["fast", "thorough"])
        // A required key lists no default, and an optional that is nil has none either.
        #expect(spec.key("name")?.defaultValue == nil)
        #expect(spec.key("name")?.isRequired == true)
        #expect(spec.key("name")?.isSecret == true)
        #expect(spec.key("limit")?.defaultValue == nil)
    }

    @Test func decodingAppliesEveryValueTheConfigSets() throws {
        let config = PluginConfig(
            spec: spec,
            pointer: .root.appending("extractor"),
            values: [
                "count": .number(7), "ratio": .number(0.25), "enabled": .bool(true), "name": .string("x"),
                "tags": .array([.string("b"), .string("c")]), "timeoutSeconds": .number(1.5), "limit": .number(9),
                "mode": .string("THOROUGH"), "folder": .string("/data"), "even": .number(4),
            ]
        )
        let settings = try config.decode(ProbeSettings.self)
        #expect(settings.count == 7)
        #expect(settings.ratio == 0.25)
        #expect(settings.enabled)
        #expect(settings.name == "x")
        #expect(settings.tags == ["b", "c"])
        #expect(settings.timeout == .milliseconds(1_500))
        #expect(settings.limit == 9)
        #expect(settings.mode == .thorough)
        #expect(settings.folder == "/data")
        #expect(settings.even == 4)
    }

    @Test func unsetKeysKeepTheSettingsDefaults() throws {
        let settings = try PluginConfig(spec: spec, pointer: .root, values: ["name": .string("x")]).decode(ProbeSettings.self)
        #expect(settings.count == 3)
        #expect(settings.limit == nil)
        #expect(settings.timeout == .seconds(2))
        #expect(settings.mode == .fast)
    }

    @Test func aValueTheSettingsCannotUseIsAConfigErrorAtItsPointer() throws {
        let odd = PluginConfig(spec: spec, pointer: .root.appending("extractor"), values: ["even": .number(3)])
        let oddError = #expect(throws: ConfigError.self) { try odd.decode(ProbeSettings.self) }
        #expect(oddError?.problems == [ConfigProblem(.root.appending("extractor").appending("even"), "must be even")])
        // Beyond what a Duration holds: an error, not a trap.
        let huge = PluginConfig(spec: spec, pointer: .root.appending("extractor"), values: ["timeoutSeconds": .number(1e30)])
        let error = #expect(throws: ConfigError.self) { try huge.decode(ProbeSettings.self) }
        #expect(error?.problems.first?.pointer == .root.appending("extractor").appending("timeoutSeconds"))
        // A secret's value is never put into the message.
        let secret = PluginConfig(spec: spec, pointer: .root, values: ["name": .number(12345)])
        let secretError = #expect(throws: ConfigError.self) { try secret.decode(ProbeSettings.self) }
        #expect(secretError?.description.contains("12345") == false)
    }

    @Test func thePluginsRoleIsItsFactorys() {
        let plugin = Plugin(type: "probe", summary: "p", keys: ProbeSettings.configKeys, .middleware { _, _ in fatalError("not built") })
        #expect(plugin.spec.role == .middleware)
        #expect(plugin.spec.keys.count == ProbeSettings.keys.count)
    }
}
