import SummarizerCore

extension ExecExtractor {
    /// What the `exec` plugin's config sets.
    public struct Configuration: PluginSettings {
        /// The program, looked up on `PATH`; required, so empty only until a config sets it.
        public var command = ""
        /// Its arguments.
        public var arguments: [String] = []
        /// Worker processes; each handles one request at a time.
        public var workers = 2
        /// The longest one request may take; then its worker is killed and replaced.
        public var timeout: Duration = .seconds(30)
        /// The name records carry in `extractor`.
        public var name = "exec"

        /// The defaults, with no command yet.
        public init() {}

        /// The defaults, running `command`.
        public init(command: String) {
            self.command = command
        }

        public static let keys: [SettingKey<Self>] = [
            SettingKey("command", \.command, required: true, doc: "The program, looked up on PATH (e.g. python3)."),
            SettingKey(
                "args",
                \.arguments,
                as: .arguments,
                doc:
                    "Its arguments, e.g. [\"exec/trafilatura_worker.py\"]; one naming a file or folder beside the config is resolved against the config's folder, like every path."
            ),
            SettingKey("workers", \.workers, minimum: 1, doc: "Worker processes; each handles one request at a time."),
            SettingKey(
                "timeoutSeconds",
                \.timeout,
                minimum: 0.001,
                doc: "The longest one request may take; then the worker is killed and restarted."
            ),
            SettingKey("name", \.name, doc: "The extractor name records carry."),
        ]
    }

    /// The `exec` extractor plugin.
    public static let plugin = Plugin(
        type: "exec",
        summary:
            "Runs an external program (any language) as long-lived workers speaking JSON lines: {id, url, html} in, {id, title, text, metadata} out.",
        keys: Configuration.configKeys,
        .extractor { config, environment in
            let configuration = try config.decode(Configuration.self)
            guard !configuration.command.isEmpty else { throw config.problem("command", "is empty") }
            let extractor = ExecExtractor(configuration: configuration, logger: environment.logger)
            environment.services.add(extractor)
            return extractor
        }
    )
}
