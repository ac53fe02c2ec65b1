/// Builds a ``Pipeline`` from a validated config with the registry's factories.
public struct PipelineBuilder: Sendable {
    /// The plugins the stages are built from.
    public var registry: PluginRegistry

    /// A builder using `registry`.
    public init(registry: PluginRegistry) {
        self.registry = registry
    }

    /// The command-line options that the configured plugins cannot honour, as messages.
    public func unsupportedOptions(_ options: RunOptions, in config: PipelineConfig) -> [String] {
        options.requested.compactMap { option in
            let stage = option.role == .source ? config.source : config.summarizer
            guard !stage.plugin.spec.runOptions.contains(option) else { return nil }
            return "\(option.flag): the \"\(stage.type)\" \(stage.role) cannot honour this option"
        }
    }

    /// The run's budget joined by the `costBudget` section's shared one, kept where its scope says.
    func sharedBudget(
        _ policy: SharedBudgetPolicy,
        scope name: String,
        config: PluginConfig,
        environment: PluginEnvironment
    ) throws(ConfigError) -> CostBudget {
        guard let scope = registry.costLedgerScopes[name] else {
            throw config.problem("scope", "scope \"\(name)\" is not available in this program")
        }
        let ledger = try scope.makeStore(config, environment)
        let shared = environment.services.shared("costBudget.\(policy.name)") {
            SharedCostBudget(policy: policy, ledger: ledger, logger: environment.logger, clock: environment.clock, control: environment.runControl)
        }
        return CostBudget(limitUSD: environment.costBudget?.limitUSD, shared: shared)
    }

    /// Builds every stage and its middleware chain. Named middleware are built once and shared,
    /// so one rate limiter guards every stage that lists it.
    public func build(_ config: PipelineConfig, environment: PluginEnvironment) throws(ConfigError) -> Pipeline {
        var environment = environment
        environment.rateLimitScopes.merge(registry.rateLimitScopes) { given, _ in given }
        var problems: [ConfigProblem] = []
        if let settings = config.costBudget, let policy = settings.policy, let budgetConfig = config.costBudgetConfig {
            do {
                environment.costBudget = try sharedBudget(policy, scope: settings.scope, config: budgetConfig, environment: environment)
            } catch {
                problems += error.problems
            }
        }
        var named: [String: any StageMiddleware] = [:]

        func chain(for stage: StageConfig) -> MiddlewareChain {
            guard let names = stage.middleware else {
                return MiddlewareChain(stage.defaultMiddleware.compactMap { build(middleware: $0) })
            }
            return MiddlewareChain(names.compactMap { named[$0] })
        }

        func build(middleware stage: StageConfig) -> (any StageMiddleware)? {
            guard case .middleware(let make) = stage.plugin.factory else { return nil }
            do {
                return try make(stage.config, environment)
            } catch let error as ConfigError {
                problems += error.problems
            } catch {
                problems.append(ConfigProblem(stage.pointer, String(describing: error)))
            }
            return nil
        }

        func make<Component>(
            _ stage: StageConfig,
            _ extract: (Plugin.Factory) -> ((PluginConfig, PluginEnvironment) throws -> Component)?
        ) -> PipelineStage<Component>? {
            guard let factory = extract(stage.plugin.factory) else { return nil }
            do {
                return PipelineStage(type: stage.type, component: try factory(stage.config, environment), chain: chain(for: stage))
            } catch let error as ConfigError {
                problems += error.problems
            } catch {
                problems.append(ConfigProblem(stage.pointer, String(describing: error)))
            }
            return nil
        }

        for (name, stage) in config.middleware {
            named[name] = build(middleware: stage)
        }

        let source = make(config.source) { if case .source(let f) = $0 { f } else { nil } }
        let fetcher = make(config.fetcher) { if case .fetcher(let f) = $0 { f } else { nil } }
        let extractor = make(config.extractor) { if case .extractor(let f) = $0 { f } else { nil } }
        let summarizer = make(config.summarizer) { if case .summarizer(let f) = $0 { f } else { nil } }
        var sinks = config.sinks.compactMap { stage in make(stage) { if case .sink(let f) = $0 { f } else { nil } } }
        var seenTypes: [String: Int] = [:]
        for index in sinks.indices {
            let count = seenTypes[sinks[index].type, default: 0] + 1
            seenTypes[sinks[index].type] = count
            if count > 1 { sinks[index].name = "\(sinks[index].type)#\(count)" }
        }
        let deadLetter = make(config.deadLetter) { if case .deadLetter(let f) = $0 { f } else { nil } }

        guard problems.isEmpty, let source, let fetcher, let extractor, let summarizer, let deadLetter,
            sinks.count == config.sinks.count
        else {
            throw ConfigError(problems: problems)
        }
        return Pipeline(
            source: source,
            fetcher: fetcher,
            extractor: extractor,
            summarizer: summarizer,
            sinks: sinks,
            deadLetter: deadLetter,
            services: environment.services.all
        )
    }
}
