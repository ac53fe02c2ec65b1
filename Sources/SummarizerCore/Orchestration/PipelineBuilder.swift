/// Builds a ``Pipeline`` from a validated config with the registry's factories.
public struct PipelineBuilder: Sendable {
    public var registry: PluginRegistry

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

    /// Builds every stage and its middleware chain. Named middleware are built once and shared,
    /// so one rate limiter guards every stage that lists it.
    public func build(_ config: PipelineConfig, environment: PluginEnvironment) throws(ConfigError) -> Pipeline {
        var problems: [ConfigProblem] = []
        var named: [String: any StageMiddleware] = [:]
        for (name, stage) in config.middleware {
            do {
                if case .middleware(let make) = stage.plugin.factory {
                    named[name] = try make(stage.config, environment)
                }
            } catch let error as ConfigError {
                problems += error.problems
            } catch {
                problems.append(ConfigProblem(stage.pointer, String(describing: error)))
            }
        }

        func chain(for stage: StageConfig) -> MiddlewareChain {
            guard let names = stage.middleware else {
                return defaultChain(for: stage, environment: environment, problems: &problems)
            }
            return MiddlewareChain(names.compactMap { named[$0] })
        }

        func make<Component>(_ stage: StageConfig, _ extract: (Plugin.Factory) -> ((PluginConfig, PluginEnvironment) throws -> Component)?) -> PipelineStage<Component>? {
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

        let source = make(config.source) { if case .source(let f) = $0 { f } else { nil } }
        let fetcher = make(config.fetcher) { if case .fetcher(let f) = $0 { f } else { nil } }
        let extractor = make(config.extractor) { if case .extractor(let f) = $0 { f } else { nil } }
        let summarizer = make(config.summarizer) { if case .summarizer(let f) = $0 { f } else { nil } }
        let sinks = config.sinks.compactMap { stage in make(stage) { if case .sink(let f) = $0 { f } else { nil } } }
        let deadLetter = make(config.deadLetter) { if case .deadLetter(let f) = $0 { f } else { nil } }

        guard problems.isEmpty, let source, let fetcher, let extractor, let summarizer, let deadLetter,
            sinks.count == config.sinks.count
        else {
            throw ConfigError(problems: problems)
        }
        return Pipeline(
            source: source, fetcher: fetcher, extractor: extractor, summarizer: summarizer, sinks: sinks,
            deadLetter: deadLetter)
    }

    /// The role's default middleware, built from the registry's default configs.
    func defaultChain(for stage: StageConfig, environment: PluginEnvironment, problems: inout [ConfigProblem]) -> MiddlewareChain {
        var chain: [any StageMiddleware] = []
        for config in registry.defaultMiddleware(for: stage.role) {
            guard let object = config.objectValue, let type = object["type"]?.stringValue,
                let plugin = registry.plugin(role: .middleware, type: type),
                case .middleware(let make) = plugin.factory
            else { continue }
            var values: [String: JSONValue] = [:]
            var origins: [String: ValueOrigin] = [:]
            for key in plugin.spec.keys {
                if let value = object[key.name] ?? key.defaultValue {
                    values[key.name] = value
                    origins[key.name] = .default
                }
            }
            let pluginConfig = PluginConfig(
                spec: plugin.spec, pointer: stage.pointer.appending("middleware"), values: values, origins: origins)
            do {
                chain.append(try make(pluginConfig, environment))
            } catch {
                problems.append(ConfigProblem(stage.pointer.appending("middleware"), String(describing: error)))
            }
        }
        return MiddlewareChain(chain)
    }
}
