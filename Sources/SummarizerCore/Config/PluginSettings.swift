import Foundation

/// A plugin's typed settings: the one place its config keys and their defaults are declared.
///
/// Each key is bound to a stored property, and its default is that property's value in
/// `Self()`, so the spec that drives validation, `plugins describe` and `explain` cannot drift
/// from the defaults the plugin runs with. A factory reads the validated config back as a
/// value with ``PluginConfig/decode(_:)``:
///
/// ```swift
/// struct Settings: PluginSettings {
///     var minWords = 1
///     static let keys: [SettingKey<Settings>] = [
///         SettingKey("minWords", \.minWords, minimum: 1, doc: "Pages with fewer words fail."),
///     ]
/// }
/// // in the factory:
/// let settings = try config.decode(Settings.self)
/// ```
public protocol PluginSettings: Sendable {
    /// Every setting at its default; each bound key's default is read from here.
    init()
    /// The config keys, each bound to a property.
    static var keys: [SettingKey<Self>] { get }
}

extension PluginSettings {
    /// The keys as a ``PluginSpec`` lists them.
    public static var configKeys: [ConfigKey] { keys.map(\.key) }
}

/// A Swift type a config value converts to, with the ``ConfigValueType`` the spec checks.
public protocol ConfigValueConvertible: Sendable {
    /// The type the config loader checks the value against.
    static var configType: ConfigValueType { get }
    /// The values a string setting may take; `nil` for any.
    static var allowedValues: [String]? { get }
    /// The value from an already type-checked config value; `nil` if it does not convert.
    init?(configValue: JSONValue)
    /// The value as config JSON, for the spec's default.
    var configValue: JSONValue { get }
}

extension ConfigValueConvertible {
    public static var allowedValues: [String]? { nil }
}

/// A string enum is a setting with fixed choices: its raw values are the allowed ones,
/// matched without regard to case as the loader's check is.
extension ConfigValueConvertible where Self: RawRepresentable & CaseIterable, RawValue == String {
    public static var configType: ConfigValueType { .string }
    public static var allowedValues: [String]? { allCases.map(\.rawValue) }

    public init?(configValue: JSONValue) {
        guard let text = configValue.stringValue,
            let match = Self.allCases.first(where: { $0.rawValue.caseInsensitiveCompare(text) == .orderedSame })
        else { return nil }
        self = match
    }

    public var configValue: JSONValue { .string(rawValue) }
}

extension Int: ConfigValueConvertible {
    public static var configType: ConfigValueType { .integer }
    public init?(configValue: JSONValue) {
        guard let value = configValue.intValue else { return nil }
        self = value
    }
    public var configValue: JSONValue { .number(Double(self)) }
}

extension Double: ConfigValueConvertible {
    public static var configType: ConfigValueType { .number }
    public init?(configValue: JSONValue) {
        guard let value = configValue.doubleValue else { return nil }
        self = value
    }
    public var configValue: JSONValue { .number(self) }
}

extension Bool: ConfigValueConvertible {
    public static var configType: ConfigValueType { .boolean }
    public init?(configValue: JSONValue) {
        guard let value = configValue.boolValue else { return nil }
        self = value
    }
    public var configValue: JSONValue { .bool(self) }
}

extension String: ConfigValueConvertible {
    public static var configType: ConfigValueType { .string }
    public init?(configValue: JSONValue) {
        guard let value = configValue.stringValue else { return nil }
        self = value
    }
    public var configValue: JSONValue { .string(self) }
}

extension Array: ConfigValueConvertible where Element == String {
    public static var configType: ConfigValueType { .stringArray }
    public init?(configValue: JSONValue) {
        guard let elements = configValue.arrayValue else { return nil }
        let strings = elements.compactMap(\.stringValue)
        guard strings.count == elements.count else { return nil }
        self = strings
    }
    public var configValue: JSONValue { .array(map { .string($0) }) }
}

/// A duration is configured as a number of seconds (keys named `…Seconds`).
extension Duration: ConfigValueConvertible {
    /// The longest duration a config may give: a century, far beyond any timeout, and small
    /// enough that the conversion cannot overflow.
    static let configMaximumSeconds = 3_153_600_000.0

    public static var configType: ConfigValueType { .number }
    public init?(configValue: JSONValue) {
        guard let seconds = configValue.doubleValue, seconds.isFinite, abs(seconds) <= Self.configMaximumSeconds else { return nil }
        self = .seconds(seconds)
    }
    public var configValue: JSONValue { .number(seconds) }
}

/// One config key bound to a property of a plugin's ``PluginSettings``.
public struct SettingKey<Settings: PluginSettings>: Sendable {
    /// The key as the spec lists it, its default read from `Settings()`.
    public let key: ConfigKey
    let apply: @Sendable (inout Settings, JSONValue, PluginConfig) throws(ConfigError) -> Void

    /// A key bound to `property`; its default is the property's value in `Settings()`.
    ///
    /// - Parameters:
    ///   - type: the checked type when it differs from the value's own, e.g. ``ConfigValueType/path``
    ///     for a string naming a file, ``ConfigValueType/arguments`` for a program's arguments.
    ///   - required: the config must give the key; the default is then not listed.
    ///   - allowed: the values a string may take, when the property's type does not say.
    public init<Value: ConfigValueConvertible>(
        _ name: String,
        _ property: any WritableKeyPath<Settings, Value> & Sendable,
        as type: ConfigValueType = Value.configType,
        required: Bool = false,
        secret: Bool = false,
        allowed: [String]? = nil,
        minimum: Double? = nil,
        environment: [String] = [],
        environmentRoles: Set<PluginRole>? = nil,
        doc: String
    ) {
        self.key = ConfigKey(
            name,
            type,
            default: required ? nil : Settings()[keyPath: property].configValue,
            required: required,
            secret: secret,
            allowed: allowed ?? Value.allowedValues,
            minimum: minimum,
            environment: environment,
            environmentRoles: environmentRoles,
            doc: doc
        )
        self.apply = { settings, value, config throws(ConfigError) in
            settings[keyPath: property] = try Self.convert(value, name: name, secret: secret, config: config)
        }
    }

    /// A key bound to an optional property: unset in the config leaves it at `Settings()`'s
    /// value (usually `nil`, which the spec then lists as no default).
    public init<Value: ConfigValueConvertible>(
        _ name: String,
        _ property: any WritableKeyPath<Settings, Value?> & Sendable,
        as type: ConfigValueType = Value.configType,
        required: Bool = false,
        secret: Bool = false,
        allowed: [String]? = nil,
        minimum: Double? = nil,
        environment: [String] = [],
        environmentRoles: Set<PluginRole>? = nil,
        doc: String
    ) {
        self.key = ConfigKey(
            name,
            type,
            default: required ? nil : Settings()[keyPath: property]?.configValue,
            required: required,
            secret: secret,
            allowed: allowed ?? Value.allowedValues,
            minimum: minimum,
            environment: environment,
            environmentRoles: environmentRoles,
            doc: doc
        )
        self.apply = { settings, value, config throws(ConfigError) in
            settings[keyPath: property] = try Self.convert(value, name: name, secret: secret, config: config) as Value
        }
    }

    /// A key whose value needs more than a conversion (parsing, cross-checks): `apply` sets the
    /// settings from the validated value, or throws ``PluginConfig/problem(_:_:)``.
    public init(
        _ key: ConfigKey,
        apply: @escaping @Sendable (inout Settings, JSONValue, PluginConfig) throws(ConfigError) -> Void
    ) {
        self.key = key
        self.apply = apply
    }

    static func convert<Value: ConfigValueConvertible>(
        _ value: JSONValue,
        name: String,
        secret: Bool,
        config: PluginConfig
    ) throws(ConfigError) -> Value {
        guard let converted = Value(configValue: value) else {
            // The loader checked the type, so this is a number out of range or a spec bug.
            let shown = secret ? "the value" : value.description
            throw config.problem(name, "\(shown) cannot be used as \(Value.configType)")
        }
        return converted
    }
}

extension PluginConfig {
    /// The typed settings of this validated config: `Settings()` with every key the config
    /// sets applied in the order the keys are declared.
    ///
    /// - Throws: ``ConfigError`` pointing at a key whose value cannot be used.
    public func decode<Settings: PluginSettings>(_: Settings.Type = Settings.self) throws(ConfigError) -> Settings {
        var settings = Settings()
        for bound in Settings.keys {
            guard let value = values[bound.key.name], value != .null else { continue }
            try bound.apply(&settings, value, self)
        }
        return settings
    }
}
