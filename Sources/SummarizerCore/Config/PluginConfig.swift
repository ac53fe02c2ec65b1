/// Where an effective config value came from; `explain` shows it.
public enum ValueOrigin: String, Sendable, Hashable, CustomStringConvertible {
    case file, environment, flag, `default`
    public var description: String { rawValue }
}

/// A plugin's validated config: every key of its spec with its effective value.
///
/// Values were type-checked against the spec, defaults filled in, environment overrides and
/// `${VAR}` substitutions applied, and paths resolved, so the accessors don't fail. A
/// factory that finds a value it cannot use throws ``problem(_:_:)`` with the key's pointer.
public struct PluginConfig: Sendable {
    /// The spec the values were checked against.
    public var spec: PluginSpec
    /// Where this plugin's object is in the config, e.g. `/sinks/1`.
    public var pointer: JSONPointer
    public private(set) var values: [String: JSONValue]
    public private(set) var origins: [String: ValueOrigin]
    /// The name under `/middleware`, for named middleware; `nil` otherwise.
    public var name: String?

    /// A config of checked values; the loader makes these, tests may too.
    public init(
        spec: PluginSpec,
        pointer: JSONPointer,
        values: [String: JSONValue],
        origins: [String: ValueOrigin] = [:],
        name: String? = nil
    ) {
        self.spec = spec
        self.pointer = pointer
        self.values = values
        self.origins = origins
        self.name = name
    }

    /// Sets a value, e.g. from a command-line flag.
    public mutating func set(_ key: String, _ value: JSONValue, origin: ValueOrigin) {
        values[key] = value
        origins[key] = origin
    }

    /// The value of `key`, if set.
    public subscript(_ key: String) -> JSONValue? { values[key] }

    /// The string value of `key`; typed settings read it with ``decode(_:)`` instead.
    public func string(_ key: String) -> String? { values[key]?.stringValue }
    /// The integer value of `key`.
    public func int(_ key: String) -> Int? { values[key]?.intValue }
    /// The number value of `key`.
    public func double(_ key: String) -> Double? { values[key]?.doubleValue }
    /// The boolean value of `key`.
    public func bool(_ key: String) -> Bool? { values[key]?.boolValue }
    /// The string elements of `key`'s array.
    public func strings(_ key: String) -> [String]? { values[key]?.arrayValue?.compactMap(\.stringValue) }

    /// A config error pointing at `key` of this plugin.
    public func problem(_ key: String, _ message: String) -> ConfigError {
        ConfigError(pointer.appending(key), message)
    }

    /// The value as `explain` and `validate` print it: secrets as `<redacted>`.
    public func displayValue(_ key: String) -> String {
        guard let value = values[key] else { return "(unset)" }
        if spec.key(key)?.isSecret == true { return "<redacted>" }
        return value.description
    }
}

extension PluginConfig {
    /// A config with every key at its default, for building a plugin outside a config file.
    ///
    /// - Throws: ``ConfigError`` naming the required keys that have no default.
    public static func defaults(for spec: PluginSpec, pointer: JSONPointer = .root) throws(ConfigError) -> PluginConfig {
        var values: [String: JSONValue] = [:]
        var origins: [String: ValueOrigin] = [:]
        var problems: [ConfigProblem] = []
        for key in spec.keys {
            if let value = key.defaultValue {
                values[key.name] = value
                origins[key.name] = .default
            } else if key.isRequired {
                problems.append(ConfigProblem(pointer.appending(key.name), "missing required key \"\(key.name)\""))
            }
        }
        guard problems.isEmpty else { throw ConfigError(problems: problems) }
        return PluginConfig(spec: spec, pointer: pointer, values: values, origins: origins)
    }
}
