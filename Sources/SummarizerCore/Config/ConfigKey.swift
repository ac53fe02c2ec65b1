/// One key a plugin accepts in its config object.
public struct ConfigKey: Sendable, Hashable {
    /// The key as written in the config, e.g. `maxBodyBytes`.
    public var name: String
    /// The type its value must have.
    public var type: ConfigValueType
    /// The value used when the config omits the key; `nil` for keys without a default.
    public var defaultValue: JSONValue?
    /// Whether the config (or an environment variable) must give it.
    public var isRequired: Bool
    /// Secret values are never printed, logged or echoed in an error.
    public var isSecret: Bool
    /// The allowed values, for a string key with fixed choices.
    public var allowedValues: [String]?
    /// The smallest allowed value, for numeric keys.
    public var minimum: Double?
    /// Environment variables that override the file's value, first set wins.
    public var environment: [String]
    /// For middleware keys: the overrides apply only to middleware used by stages of these
    /// roles (`MAX_REQUESTS_PER_MINUTE` sets the summarizer's rate limits only); `nil` means all.
    public var environmentRoles: Set<PluginRole>?
    /// One or two sentences for `plugins describe` and the docs.
    public var documentation: String

    /// A key; with typed settings, ``SettingKey`` makes it from a property instead.
    public init(
        _ name: String,
        _ type: ConfigValueType,
        default defaultValue: JSONValue? = nil,
        required isRequired: Bool = false,
        secret isSecret: Bool = false,
        allowed allowedValues: [String]? = nil,
        minimum: Double? = nil,
        environment: [String] = [],
        environmentRoles: Set<PluginRole>? = nil,
        doc documentation: String
    ) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.isRequired = isRequired
        self.isSecret = isSecret
        self.allowedValues = allowedValues
        self.minimum = minimum
        self.environment = environment
        self.environmentRoles = environmentRoles
        self.documentation = documentation
    }
}
