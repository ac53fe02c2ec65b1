/// What a plugin declares about itself: its type name, role, purpose and config keys.
public struct PluginSpec: Sendable {
    /// The `type` value that selects the plugin in `config.json`, e.g. `jsonl`.
    public var type: String
    /// The stage the plugin fills, from its factory.
    public var role: PluginRole
    /// One line for `summarize plugins`.
    public var summary: String
    public var keys: [ConfigKey]
    /// The run options (`--publisher`...) the plugin honours.
    public var runOptions: Set<RunOption>

    /// A spec; plugins get theirs from ``Plugin/init(type:summary:keys:runOptions:_:)``.
    public init(type: String, role: PluginRole, summary: String, keys: [ConfigKey] = [], runOptions: Set<RunOption> = []) {
        self.type = type
        self.role = role
        self.summary = summary
        self.keys = keys
        self.runOptions = runOptions
    }

    /// The key named `name`, if the plugin has one.
    public func key(_ name: String) -> ConfigKey? {
        keys.first { $0.name == name }
    }
}
