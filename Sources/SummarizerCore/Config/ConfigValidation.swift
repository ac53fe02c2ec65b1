import Foundation

/// One validation pass: collects problems instead of stopping at the first.
struct Validation {
    let loader: ConfigLoader
    let baseDirectory: String
    var problems: [ConfigProblem] = []
    /// Which stage roles list each named middleware.
    var references: [String: Set<PluginRole>] = [:]
    /// Findings that do not stop a run (unless asked to): secrets written in the file.
    var warnings: [ConfigProblem] = []

    init(loader: ConfigLoader, baseDirectory: String) {
        self.loader = loader
        self.baseDirectory = baseDirectory
    }

    mutating func problem(_ pointer: JSONPointer, _ message: String) {
        problems.append(ConfigProblem(pointer, message))
    }

    mutating func validate(_ root: JSONValue) -> PipelineConfig? {
        guard case .object(let sections) = root else {
            problem(.root, "the config must be a JSON object, not \(root.typeName)")
            return nil
        }
        for key in sections.keys.sorted() where !ConfigLoader.sections.contains(key) {
            unknownKey(JSONPointer.root.appending(key), key, known: ConfigLoader.sections)
        }

        // Middleware are validated after the stages, because which stages use a middleware
        // decides which environment overrides apply to it; the stages need only the names.
        let middlewareNames = Set(sections["middleware"]?.objectValue?.keys ?? [:].keys)

        let source = stage(sections["source"], role: .source, at: .root.appending("source"), middlewareNames)
        let fetcher = stage(sections["fetcher"], role: .fetcher, at: .root.appending("fetcher"), middlewareNames)
        let extractor = stage(sections["extractor"], role: .extractor, at: .root.appending("extractor"), middlewareNames)
        let summarizer = stage(sections["summarizer"], role: .summarizer, at: .root.appending("summarizer"), middlewareNames)
        let deadLetter = stage(
            sections["deadLetter"] ?? ConfigLoader.defaultDeadLetter,
            role: .deadLetter,
            at: .root.appending("deadLetter"),
            middlewareNames
        )

        var sinks: [StageConfig] = []
        let sinksPointer = JSONPointer.root.appending("sinks")
        switch sections["sinks"] {
        case nil:
            problem(sinksPointer, "missing required section: an array of sinks, e.g. [{\"type\": \"stdout\"}]")
        case .array(let entries):
            if entries.isEmpty { problem(sinksPointer, "at least one sink is required") }
            for (index, entry) in entries.enumerated() {
                if let sink = stage(entry, role: .sink, at: sinksPointer.appending(index), middlewareNames) {
                    sinks.append(sink)
                }
            }
        case .some(let other):
            problem(sinksPointer, "expected an array of sink objects, got \(other.typeName)")
        }

        let runConfig = settingsSection("run", sections["run"], spec: RunSettings.spec)
        let serveConfig = settingsSection("serve", sections["serve"], spec: ServeSettings.spec)
        let budgetConfig = sections["costBudget"].map { settingsSection("costBudget", $0, spec: CostBudgetSettings.spec) }
        let middleware = validateMiddlewareSection(sections["middleware"])

        let run: RunSettings
        let serve: ServeSettings
        let budget: CostBudgetSettings?
        do {
            run = try runConfig.decode(RunSettings.self)
            serve = try serveConfig.decode(ServeSettings.self)
            budget = try budgetConfig?.decode(CostBudgetSettings.self)
        } catch {
            for found in error.problems { problem(found.pointer, found.message) }
            return nil
        }
        for found in budget?.problems(at: .root.appending("costBudget")) ?? [] { problem(found.pointer, found.message) }
        guard let source, let fetcher, let extractor, let summarizer, let deadLetter else { return nil }
        return PipelineConfig(
            source: source,
            fetcher: fetcher,
            extractor: extractor,
            summarizer: summarizer,
            sinks: sinks,
            deadLetter: deadLetter,
            middleware: middleware,
            run: run,
            runConfig: runConfig,
            serve: serve,
            serveConfig: serveConfig,
            costBudget: budget,
            costBudgetConfig: budgetConfig,
            baseDirectory: baseDirectory
        )
    }

    /// A section of plain settings (`run`, `serve`): an object of `spec`'s keys, or absent.
    mutating func settingsSection(_ name: String, _ value: JSONValue?, spec: PluginSpec) -> PluginConfig {
        let pointer = JSONPointer.root.appending(name)
        var object: [String: JSONValue] = [:]
        switch value {
        case nil: break
        case .object(let found): object = found
        case .some(let other): problem(pointer, "expected an object, got \(other.typeName)")
        }
        return values(object, spec: spec, at: pointer, ignoring: [])
    }

    mutating func validateMiddlewareSection(_ value: JSONValue?) -> [(name: String, stage: StageConfig)] {
        let pointer = JSONPointer.root.appending("middleware")
        guard let value else { return [] }
        guard case .object(let entries) = value else {
            problem(pointer, "expected an object of named middleware, got \(value.typeName)")
            return []
        }
        var result: [(name: String, stage: StageConfig)] = []
        for name in entries.keys.sorted() {
            if var built = stage(entries[name]!, role: .middleware, at: pointer.appending(name), [], usedBy: references[name] ?? []) {
                built.config.name = name
                result.append((name, built))
            }
        }
        return result
    }

    /// Validates one stage object against its plugin's spec.
    mutating func stage(
        _ value: JSONValue?,
        role: PluginRole,
        at pointer: JSONPointer,
        _ middlewareNames: Set<String>,
        usedBy: Set<PluginRole> = []
    ) -> StageConfig? {
        guard let value else {
            problem(
                pointer,
                "missing required section \"\(pointer.tokens.last ?? "\(role)")\": an object with a \"type\"; \(role) types: \(typeList(role))"
            )
            return nil
        }
        guard case .object(let object) = value else {
            problem(pointer, "expected an object with a \"type\", got \(value.typeName)")
            return nil
        }
        guard let typeValue = object["type"] else {
            problem(pointer.appending("type"), "missing required key \"type\"; \(role) types: \(typeList(role))")
            return nil
        }
        guard let type = typeValue.stringValue else {
            problem(pointer.appending("type"), "expected a string, got \(typeValue.typeName)")
            return nil
        }
        guard let plugin = loader.registry.plugin(role: role, type: type) else {
            let known = loader.registry.plugins(role: role).map(\.spec.type)
            var message = "unknown \(role) type \"\(type)\""
            if let suggestion = Suggestion.closest(to: type, in: known) { message += "; did you mean \"\(suggestion)\"?" }
            message += " Known \(role) types: \(typeList(role))"
            problem(pointer.appending("type"), message)
            return nil
        }

        var middleware: [String]?
        if role.takesMiddleware, let list = object["middleware"] {
            let listPointer = pointer.appending("middleware")
            if let entries = list.arrayValue {
                middleware = []
                for (index, entry) in entries.enumerated() {
                    guard let name = entry.stringValue else {
                        problem(listPointer.appending(index), "expected a middleware name, got \(entry.typeName)")
                        continue
                    }
                    if middlewareNames.contains(name) {
                        middleware?.append(name)
                        references[name, default: []].insert(role)
                    } else {
                        var message = "no middleware named \"\(name)\" in /middleware"
                        if let suggestion = Suggestion.closest(to: name, in: middlewareNames) {
                            message += "; did you mean \"\(suggestion)\"?"
                        }
                        problem(listPointer.appending(index), message)
                    }
                }
            } else {
                problem(listPointer, "expected an array of middleware names, got \(list.typeName)")
            }
        }

        let reserved: Set<String> = role.takesMiddleware ? ["type", "middleware"] : ["type"]
        let config = values(object, spec: plugin.spec, at: pointer, ignoring: reserved, usedBy: usedBy)
        var result = StageConfig(plugin: plugin, config: config, middleware: middleware)
        if middleware == nil, role.takesMiddleware {
            result.defaultMiddleware = defaultChain(for: role, at: pointer.appending("middleware"))
        }
        return result
    }

    /// The role's default middleware, validated like named ones so environment overrides apply.
    mutating func defaultChain(for role: PluginRole, at pointer: JSONPointer) -> [StageConfig] {
        loader.registry.defaultMiddleware(for: role).compactMap { config in
            guard let object = config.objectValue, let type = object["type"]?.stringValue,
                let plugin = loader.registry.plugin(role: .middleware, type: type)
            else { return nil }
            let values = values(object, spec: plugin.spec, at: pointer, ignoring: ["type"], usedBy: [role])
            return StageConfig(plugin: plugin, config: values, middleware: nil)
        }
    }

    func typeList(_ role: PluginRole) -> String {
        let names = loader.registry.plugins(role: role).map(\.spec.type)
        return names.isEmpty ? "(none registered)" : names.joined(separator: ", ")
    }
}
