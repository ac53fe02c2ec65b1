import ArgumentParser
import Logging
import SummarizerCore

/// `summarize explain`: the effective pipeline, as it would run.
struct ExplainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Print the effective pipeline: each stage's plugin, values (and where they came from) and middleware chain.",
        discussion: """
            Values come from a command-line flag, the environment, the file or the plugin's default, in that order \
            of precedence; each is printed with its origin. Secrets are printed as <redacted>.
            """
    )

    @OptionGroup var configOptions: ConfigOptions

    func run() async throws {
        let registry = Summarize.registry()
        let config = try configOptions.load(registry: registry)
        let environment = PluginEnvironment(
            logger: Logger(label: "explain") { _ in SwiftLogNoOpLogHandler() },
            baseDirectory: config.baseDirectory,
            costBudget: CostBudget.run(config.run)
        )
        let pipeline = try buildPipeline(config, registry: registry, environment: environment)
        print(Self.render(config: config, pipeline: pipeline, path: configOptions.config))
    }

    static func render(config: PipelineConfig, pipeline: Pipeline, path: String) -> String {
        var lines = ["Pipeline from \(path):", ""]
        func values(_ config: PluginConfig, indent: String = "    ") {
            for key in config.spec.keys where config.values[key.name] != nil {
                lines.append("\(indent)\(key.name) = \(config.displayValue(key.name))  (\(config.origins[key.name] ?? .default))")
            }
        }
        func stage(_ title: String, _ stage: StageConfig, chain: MiddlewareChain?) {
            lines.append("\(title): \(stage.type)")
            values(stage.config)
            if let chain {
                let origin = stage.middleware == nil ? "default for \(stage.role)" : "from the config"
                lines.append("    middleware (\(origin)): \(chain)")
            }
        }
        stage("source", config.source, chain: nil)
        stage("fetcher", config.fetcher, chain: pipeline.fetcher.chain)
        stage("extractor", config.extractor, chain: pipeline.extractor.chain)
        stage("summarizer", config.summarizer, chain: pipeline.summarizer.chain)
        for (index, sink) in config.sinks.enumerated() {
            stage("sinks[\(index)]", sink, chain: pipeline.sinks[index].chain)
        }
        stage("deadLetter", config.deadLetter, chain: pipeline.deadLetter.chain)
        if !config.middleware.isEmpty {
            lines.append("middleware:")
            for (name, middleware) in config.middleware {
                lines.append("    \(name): \(middleware.type)")
                values(middleware.config, indent: "        ")
            }
        }
        lines.append("run:")
        values(config.runConfig)
        if let budget = config.costBudget, let policy = budget.policy, let budgetConfig = config.costBudgetConfig {
            lines.append("costBudget: \(policy.summary), shared through the \(budget.scope) by every process giving this name")
            values(budgetConfig)
        }
        return lines.joined(separator: "\n")
    }
}
