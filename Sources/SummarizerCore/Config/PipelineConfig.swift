/// The config of one stage: which plugin, its validated values and its middleware.
public struct StageConfig: Sendable {
    /// The plugin the stage's `type` names.
    public var plugin: Plugin
    /// The stage's validated config.
    public var config: PluginConfig
    /// The named middleware the stage listed; `nil` when it listed none, meaning its role's default.
    public var middleware: [String]?
    /// The role's default chain, validated like named middleware; used when ``middleware`` is `nil`.
    public var defaultMiddleware: [StageConfig] = []

    /// The plugin's role.
    public var role: PluginRole { plugin.spec.role }
    /// The plugin's type name.
    public var type: String { plugin.spec.type }
    /// Where the stage's object is in the config.
    public var pointer: JSONPointer { config.pointer }
}

/// A validated `config.json`: every stage's plugin and values, ready to build.
public struct PipelineConfig: Sendable {
    /// The `source` stage.
    public var source: StageConfig
    /// The `fetcher` stage.
    public var fetcher: StageConfig
    /// The `extractor` stage.
    public var extractor: StageConfig
    /// The `summarizer` stage.
    public var summarizer: StageConfig
    /// The `sinks`, in config order; every record goes to each.
    public var sinks: [StageConfig]
    /// The `deadLetter` stage (the `jsonl` one when the config names none).
    public var deadLetter: StageConfig
    /// Named middleware, sorted by name.
    public var middleware: [(name: String, stage: StageConfig)]
    public var run: RunSettings
    /// The run section's values with their origins, for `explain`.
    public var runConfig: PluginConfig
    /// The `serve` section: how `summarize serve` answers requests.
    public var serve: ServeSettings
    /// The serve section's values with their origins.
    public var serveConfig: PluginConfig
    /// The `costBudget` section, when the config has one: a budget shared with other processes.
    public var costBudget: CostBudgetSettings?
    /// The costBudget section's values with their origins.
    public var costBudgetConfig: PluginConfig?
    /// The folder of the config file; relative paths were resolved against it.
    public var baseDirectory: String
    /// Findings that do not make the config invalid: a secret written in the file instead of
    /// `${VAR}`. `validate --strict` and `run.strictSecrets` treat them as problems.
    public var warnings: [ConfigProblem] = []

    /// The warnings as printed, one a line, naming the file.
    public func renderWarnings(file: String) -> [String] {
        warnings.map { "warning: \(file): \($0)" }
    }

    /// Every stage in pipeline order.
    public var stages: [StageConfig] {
        [source, fetcher, extractor, summarizer] + sinks + [deadLetter]
    }
}
