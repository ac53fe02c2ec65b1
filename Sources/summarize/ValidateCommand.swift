import ArgumentParser
import Logging
import SummarizerCore

/// `summarize validate`: checks a config without running anything.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a config: print ok, or every problem with its JSON pointer (exit 78).",
        discussion: """
            Checks unknown keys (with a did-you-mean), value types, required keys, plugin types, \
            middleware names and ${VAR} references, and what plugins check when they are built (schema and \
            prompt files, prices), and reports all problems at once. Connects to nothing.
            """
    )

    @OptionGroup var configOptions: ConfigOptions

    @Flag(help: "Treat warnings (a secret written in the file instead of ${VAR}) as problems.")
    var strict = false

    func run() async throws {
        let registry = Summarize.registry()
        do throws(ConfigError) {
            let config = try ConfigLoader(registry: registry).load(path: configOptions.config)
            if strict, !config.warnings.isEmpty {
                throw ConfigError(file: configOptions.config, problems: config.warnings)
            }
            for line in config.renderWarnings(file: configOptions.config) { StandardError.print(line) }
            // Building checks what only the plugins can: schema and template files, prices.
            // Nothing connects: clients are made on first use.
            let environment = PluginEnvironment(
                logger: Logger(label: "validate") { _ in SwiftLogNoOpLogHandler() },
                baseDirectory: config.baseDirectory,
                costBudget: CostBudget.run(config.run)
            )
            _ = try PipelineBuilder(registry: registry).build(config, environment: environment)
            print("ok")
        } catch {
            print(error.description)
            throw ExitCodes.configuration
        }
    }
}
