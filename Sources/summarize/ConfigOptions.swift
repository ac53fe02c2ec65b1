import ArgumentParser
import Foundation
import SummarizerCore

/// The `--config` option shared by the subcommands that read a config.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The pipeline config file.", valueName: "path"))
    var config: String = "config.json"

    /// Loads and validates the config; prints every problem and exits 78 when it is invalid.
    func load(registry: PluginRegistry, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> PipelineConfig {
        do {
            return try ConfigLoader(registry: registry, environment: environment).load(path: config)
        } catch {
            StandardError.print(error.description)
            throw ExitCodes.configuration
        }
    }
}

/// Builds the pipeline; prints the problems and exits 78 when a plugin refuses its values.
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
