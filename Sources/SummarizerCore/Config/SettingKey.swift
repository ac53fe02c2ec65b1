/// One config key bound to a property of a plugin's ``PluginSettings``.
public struct SettingKey<Settings: PluginSettings>: Sendable {
    /// The key as the spec lists it, its default read from `Settings()`.
    public let key: ConfigKey
    let apply: @Sendable (inout Settings, JSONValue, PluginConfig) throws(ConfigError) -> Void

    /// A key bound to `property`; its default is the property's value in `Settings()`. An
    /// optional property left `nil` there lists no default, and a config that does not set the
    /// key leaves it `nil`.
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
        let initial = Settings()[keyPath: property].configValue
        self.key = ConfigKey(
            name,
            type,
            default: required || initial == .null ? nil : initial,
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
