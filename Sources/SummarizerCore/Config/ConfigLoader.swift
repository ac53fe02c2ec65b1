import Foundation

/// Reads and validates `config.json` against the registry's plugin specs.
///
/// Validation happens before anything runs and reports every problem at once, each with its
/// JSON pointer: unknown keys (with a did-you-mean), wrong types, missing required keys,
/// unknown plugin types, dangling middleware names and unset `${VAR}` references.
public struct ConfigLoader: Sendable {
    /// The top-level sections of a config.
    public static let sections = ["source", "fetcher", "extractor", "summarizer", "sinks", "deadLetter", "middleware", "run", "serve", "costBudget"]

    /// The dead-letter sink used when the config names none: nothing failed is ever dropped.
    public static let defaultDeadLetter: JSONValue = .object(["type": .string("jsonl"), "path": .string("out/failed.jsonl")])

    /// The plugins a config may name.
    public var registry: PluginRegistry
    /// The environment for `${VAR}` substitution and overrides.
    public var environment: [String: String]

    /// A loader resolving `${VAR}` and environment overrides from `environment`.
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
            let detail =
                (serializationError as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
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
