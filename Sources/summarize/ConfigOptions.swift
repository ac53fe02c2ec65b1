import ArgumentParser
import Foundation
import Logging
import SummarizerCore

/// The `--config` option shared by the subcommands that read a config.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The pipeline config file.", valueName: "path"))
    var config: String = "config.json"

    /// Loads and validates the config; prints every problem and exits 78 when it is invalid.
    /// Warnings (a secret written in the file) are printed; with `strict` (or the config's
    /// `run.strictSecrets` for a run) they are problems too.
    func load(
        registry: PluginRegistry,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        strict: Bool = false,
        forRun: Bool = false
    ) throws -> PipelineConfig {
        let loaded: PipelineConfig
        do {
            loaded = try ConfigLoader(registry: registry, environment: environment).load(path: config)
        } catch {
            StandardError.print(error.description)
            throw ExitCodes.configuration
        }
        if strict || (forRun && loaded.run.strictSecrets), !loaded.warnings.isEmpty {
            StandardError.print(ConfigError(file: config, problems: loaded.warnings).description)
            throw ExitCodes.configuration
        }
        for line in loaded.renderWarnings(file: config) { StandardError.print(line) }
        return loaded
    }
}

/// Builds the pipeline; prints the problems and exits 78 when a plugin refuses its values.
/// The plugin environment of a run of `config`: its folder, the run's options and metrics, and
/// the spending limit of `run.maxCostUSD`, and the control of the run when it is one.
func runEnvironment(
    _ config: PipelineConfig,
    logger: Logger,
    options: RunOptions = RunOptions(),
    metrics: RunMetrics,
    control: RunControl? = nil
) -> PluginEnvironment {
    var environment = PluginEnvironment(
        logger: logger,
        baseDirectory: config.baseDirectory,
        runOptions: options,
        metrics: metrics,
        costBudget: CostBudget.run(config.run)
    )
    environment.runControl = control
    return environment
}

func buildPipeline(_ config: PipelineConfig, registry: PluginRegistry, environment: PluginEnvironment) throws -> Pipeline {
    do {
        return try PipelineBuilder(registry: registry).build(config, environment: environment)
    } catch {
        StandardError.print(error.description)
        throw ExitCodes.configuration
    }
}

/// Writes to standard error, which carries logs and reports; standard output carries only records.
enum StandardError {
    static func print(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
