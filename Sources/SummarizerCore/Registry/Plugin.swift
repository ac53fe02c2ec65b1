/// A plugin: its spec and how to build it from a validated config.
public struct Plugin: Sendable {
    /// Builds the plugin's stage; throws ``ConfigError`` for values the spec could not check.
    public enum Factory: Sendable {
        case source(@Sendable (PluginConfig, PluginEnvironment) throws -> any ItemSource)
        case fetcher(@Sendable (PluginConfig, PluginEnvironment) throws -> any Fetcher)
        case extractor(@Sendable (PluginConfig, PluginEnvironment) throws -> any ContentExtractor)
        case summarizer(@Sendable (PluginConfig, PluginEnvironment) throws -> any Summarizer)
        case sink(@Sendable (PluginConfig, PluginEnvironment) throws -> any Sink)
        case deadLetter(@Sendable (PluginConfig, PluginEnvironment) throws -> any DeadLetterSink)
        case middleware(@Sendable (PluginConfig, PluginEnvironment) throws -> any StageMiddleware)

        /// The role of the stage the factory builds.
        public var role: PluginRole {
            switch self {
            case .source: .source
            case .fetcher: .fetcher
            case .extractor: .extractor
            case .summarizer: .summarizer
            case .sink: .sink
            case .deadLetter: .deadLetter
            case .middleware: .middleware
            }
        }
    }

    /// What the plugin declares: type, role, summary, keys, run options.
    public var spec: PluginSpec
    /// How the plugin's stage is built.
    public var factory: Factory

    /// Creates a plugin; its role is the factory's.
    ///
    /// - Parameters:
    ///   - type: the `type` value that selects the plugin in `config.json`, e.g. `jsonl`.
    ///   - summary: one line for `summarize plugins`.
    ///   - keys: the config keys; a plugin with typed settings passes `Settings.configKeys`.
    ///   - runOptions: the command-line options (`--publisher`...) the plugin honours.
    public init(type: String, summary: String, keys: [ConfigKey] = [], runOptions: Set<RunOption> = [], _ factory: Factory) {
        self.spec = PluginSpec(type: type, role: factory.role, summary: summary, keys: keys, runOptions: runOptions)
        self.factory = factory
    }
}
