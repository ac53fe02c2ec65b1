import Foundation

/// Reads and validates `config.json` against the registry's plugin specs.
///
/// Validation happens before anything runs and reports every problem at once, each with its
/// JSON pointer: unknown keys (with a did-you-mean), wrong types, missing required keys,
/// unknown plugin types, dangling middleware names and unset `${VAR}` references.
public struct ConfigLoader: Sendable {
    /// The top-level sections of a config.
    public static let sections = ["source", "fetcher", "extractor", "summarizer", "sinks", "deadLetter", "middleware", "run"]

    /// The dead-letter sink used when the config names none: nothing failed is ever dropped.
    public static let defaultDeadLetter: JSONValue = .object(["type": .string("jsonl"), "path": .string("out/failed.jsonl")])

    public var registry: PluginRegistry
    /// The environment for `${VAR}` substitution and overrides.
    public var environment: [String: String]

    public init(registry: PluginRegistry, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.registry = registry
        self.environment = environment
    }

    /// Reads and validates the config file at `path`.
    public func load(path: String) throws(ConfigError) -> PipelineConfig {
        let url = URL(fileURLWithPath: path)
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ConfigError(file: path, problems: [ConfigProblem(.root, "cannot read the config file: \(Self.reason(error))")])
        }
        do {
            return try load(data: data, baseDirectory: url.deletingLastPathComponent().standardizedFileURL.path)
        } catch {
            var error = error
            error.file = path
            throw error
        }
    }

    /// Validates config JSON whose relative paths are relative to `baseDirectory`.
    public func load(data: Data, baseDirectory: String) throws(ConfigError) -> PipelineConfig {
        let root: JSONValue
        do {
            root = try JSONValue.parse(data)
        } catch {
            throw ConfigError(.root, "not valid JSON: \(Self.describeJSONError(error, data: data))")
        }
        var validation = Validation(loader: self, baseDirectory: baseDirectory)
        let config = validation.validate(root)
        guard validation.problems.isEmpty, var config else {
            throw ConfigError(problems: validation.problems)
        }
        config.warnings = validation.warnings.sorted()
        return config
    }

    static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        if nsError.domain == NSCocoaErrorDomain, nsError.code == NSFileReadNoSuchFileError {
            return "no such file"
        }
        return nsError.localizedDescription
    }

    /// Says what is wrong with malformed JSON and where, as a line and column.
    ///
    /// The decoder's own error names no position; the serializer's names a byte offset, which
    /// is turned into a line and column a person can find.
    static func describeJSONError(_ error: any Error, data: Data) -> String {
        do {
            _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch let serializationError {
            let detail = (serializationError as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
                ?? String(describing: serializationError)
            guard let range = detail.range(of: #"around character \d+"#, options: .regularExpression),
                let offset = Int(detail[range].split(separator: " ").last ?? "")
            else { return detail }
            let prefix = data.prefix(offset)
            let line = prefix.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
            let column = offset - (prefix.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0) + 1
            let what = detail[..<range.lowerBound].trimmingCharacters(in: .whitespaces).lowercased()
            return "\(what.isEmpty ? "syntax error" : what) at line \(line), column \(column)"
        }
        return String(describing: error)
    }
}

/// One validation pass: collects problems instead of stopping at the first.
private struct Validation {
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

    /// Notes a secret written into the file: files are committed, copied and printed, the
    /// environment is not. A URL counts only when it carries a password.
    mutating func checkSecretLiteral(_ raw: JSONValue?, key: ConfigKey, at pointer: JSONPointer) {
        guard key.isSecret, case .string(let text)? = raw, !text.isEmpty, !text.contains("${") else { return }
        if let scheme = text.range(of: "://") {
            let authority = text[scheme.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
            let userInfo = authority.lastIndex(of: "@").map { authority[..<$0] }
            let hasPassword = userInfo?.contains(":") == true || text.lowercased().contains("password=")
            guard hasPassword else { return }
        }
        warnings.append(
            ConfigProblem(
                pointer,
                "the secret \"\(key.name)\" is written in the file; use ${VAR} (for example \"${\(key.environment.first ?? "SECRET")}\") and set the variable in the environment"
            ))
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
            sections["deadLetter"] ?? ConfigLoader.defaultDeadLetter, role: .deadLetter,
            at: .root.appending("deadLetter"), middlewareNames)

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

        let runPointer = JSONPointer.root.appending("run")
        var runObject: [String: JSONValue] = [:]
        switch sections["run"] {
        case nil: break
        case .object(let object): runObject = object
        case .some(let other): problem(runPointer, "expected an object, got \(other.typeName)")
        }
        let runConfig = values(runObject, spec: RunSettings.spec, at: runPointer, ignoring: [])
        let middleware = validateMiddlewareSection(sections["middleware"])

        guard let source, let fetcher, let extractor, let summarizer, let deadLetter else { return nil }
        return PipelineConfig(
            source: source, fetcher: fetcher, extractor: extractor, summarizer: summarizer, sinks: sinks,
            deadLetter: deadLetter, middleware: middleware, run: RunSettings(runConfig), runConfig: runConfig,
            baseDirectory: baseDirectory)
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
            problem(pointer, "missing required section \"\(pointer.tokens.last ?? "\(role)")\": an object with a \"type\"; \(role) types: \(typeList(role))")
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
        if role != .middleware, role != .source, let list = object["middleware"] {
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

        let reserved: Set<String> = role == .middleware || role == .source ? ["type"] : ["type", "middleware"]
        let config = values(object, spec: plugin.spec, at: pointer, ignoring: reserved, usedBy: usedBy)
        var result = StageConfig(plugin: plugin, config: config, middleware: middleware)
        if middleware == nil, role != .middleware, role != .source {
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

    /// Checks `object`'s keys against `spec`, fills defaults, applies substitutions and overrides.
    mutating func values(
        _ object: [String: JSONValue],
        spec: PluginSpec,
        at pointer: JSONPointer,
        ignoring reserved: Set<String>,
        usedBy: Set<PluginRole> = []
    ) -> PluginConfig {
        var values: [String: JSONValue] = [:]
        var origins: [String: ValueOrigin] = [:]
        let known = spec.keys.map(\.name) + reserved.sorted()

        for name in object.keys.sorted() where !reserved.contains(name) && spec.key(name) == nil {
            unknownKey(pointer.appending(name), name, known: known)
        }

        for key in spec.keys {
            let keyPointer = pointer.appending(key.name)
            checkSecretLiteral(object[key.name], key: key, at: keyPointer)
            var value: JSONValue?
            var origin = ValueOrigin.file

            let environment = loader.environment
            let overrides = key.environmentRoles.map { !$0.isDisjoint(with: usedBy) } ?? true
            if overrides, let variable = key.environment.first(where: { environment[$0]?.isEmpty == false }),
                let override = environment[variable]
            {
                if let parsed = key.type.parse(environment: override) {
                    value = parsed
                    origin = .environment
                } else {
                    let shown = key.isSecret ? "" : ": \"\(override)\""
                    problem(keyPointer, "environment variable \(variable) must be \(key.type)\(shown)")
                    continue
                }
            } else if let raw = object[key.name] {
                let (substituted, wasSubstituted) = substitute(raw, at: keyPointer)
                guard let substituted else { continue }
                if wasSubstituted, let text = substituted.stringValue, !key.type.accepts(substituted),
                    let parsed = key.type.parse(environment: text)
                {
                    // "${PORT}" in an integer key: the variable's text is parsed as the key's type.
                    value = parsed
                } else {
                    value = substituted
                }
            } else if let defaultValue = key.defaultValue {
                value = defaultValue
                origin = .default
            } else if key.isRequired {
                problem(keyPointer, "missing required key \"\(key.name)\" (\(key.type)): \(key.documentation)")
                continue
            } else {
                continue
            }

            guard let checked = value, check(checked, key: key, at: keyPointer) else { continue }
            if key.type == .path, let path = checked.stringValue {
                values[key.name] = .string(resolve(path))
            } else if key.type == .arguments, let arguments = checked.arrayValue {
                values[key.name] = .array(arguments.map { $0.stringValue.map { .string(resolve(argument: $0)) } ?? $0 })
            } else {
                values[key.name] = checked
            }
            origins[key.name] = origin
        }
        return PluginConfig(spec: spec, pointer: pointer, values: values, origins: origins)
    }

    mutating func check(_ value: JSONValue, key: ConfigKey, at pointer: JSONPointer) -> Bool {
        guard key.type.accepts(value) else {
            let shown = key.isSecret ? "" : " \(value.description)"
            problem(pointer, "expected \(key.type), got \(value.typeName)\(shown)")
            return false
        }
        if let allowed = key.allowedValues, let text = value.stringValue,
            !allowed.contains(where: { $0.caseInsensitiveCompare(text) == .orderedSame })
        {
            var message = "\"\(text)\" is not one of \(allowed.joined(separator: ", "))"
            if let suggestion = Suggestion.closest(to: text, in: allowed) { message += "; did you mean \"\(suggestion)\"?" }
            problem(pointer, message)
            return false
        }
        if let minimum = key.minimum, let number = value.doubleValue, number < minimum {
            let shown = Int(exactly: minimum).map(String.init) ?? String(minimum)
            problem(pointer, "must be at least \(shown), got \(value.description)")
            return false
        }
        if key.type == .path, value.stringValue?.isEmpty == true {
            problem(pointer, "must not be empty")
            return false
        }
        return true
    }

    mutating func unknownKey(_ pointer: JSONPointer, _ name: String, known: [String]) {
        var message = "unknown key \"\(name)\""
        if let suggestion = Suggestion.closest(to: name, in: known) {
            message += "; did you mean \"\(suggestion)\"?"
        } else if !known.isEmpty {
            message += "; known keys: \(known.joined(separator: ", "))"
        }
        problem(pointer, message)
    }

    /// Replaces `${VAR}` in every string of `value`; an unset variable is a problem naming it.
    mutating func substitute(_ value: JSONValue, at pointer: JSONPointer) -> (JSONValue?, Bool) {
        switch value {
        case .string(let text):
            guard text.contains("${") else { return (value, false) }
            var result = ""
            var rest = text[...]
            var failed = false
            while let start = rest.range(of: "${") {
                result += rest[..<start.lowerBound]
                guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                    problem(pointer, "unterminated \"${\" in a value; write ${NAME}")
                    return (nil, true)
                }
                let name = String(rest[start.upperBound..<end])
                if name.isEmpty || !name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
                    problem(pointer, "\"${\(name)}\" is not a valid variable reference; write ${NAME}")
                    failed = true
                } else if let replacement = loader.environment[name] {
                    result += replacement
                } else {
                    problem(pointer, "environment variable \(name) is not set")
                    failed = true
                }
                rest = rest[rest.index(after: end)...]
            }
            result += rest
            return (failed ? nil : .string(result), true)
        case .array(let elements):
            var output: [JSONValue] = []
            var any = false
            for (index, element) in elements.enumerated() {
                let (substituted, did) = substitute(element, at: pointer.appending(index))
                guard let substituted else { return (nil, true) }
                any = any || did
                output.append(substituted)
            }
            return (.array(output), any)
        case .object(let members):
            var output: [String: JSONValue] = [:]
            var any = false
            for (name, member) in members {
                let (substituted, did) = substitute(member, at: pointer.appending(name))
                guard let substituted else { return (nil, true) }
                any = any || did
                output[name] = substituted
            }
            return (.object(output), any)
        default:
            return (value, false)
        }
    }

    /// An argument that names an existing file or folder relative to the config's folder, as
    /// that path; any other argument (an option, a word, a path that does not exist there) as is.
    func resolve(argument: String) -> String {
        guard !argument.isEmpty, !argument.hasPrefix("/"), !argument.hasPrefix("-") else { return argument }
        let candidate = resolve(argument)
        return FileManager.default.fileExists(atPath: candidate) ? candidate : argument
    }

    func resolve(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        if path == "-" { return path }
        return URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: baseDirectory, isDirectory: true))
            .standardizedFileURL.path
    }
}
