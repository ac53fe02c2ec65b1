import Foundation

/// The type a config key takes.
public struct ConfigValueType: Sendable, Hashable, CustomStringConvertible {
    private enum Base: String, Sendable, Hashable {
        case string, integer, number, boolean, stringArray, object, path, arguments
    }
    private let base: Base
    private init(_ base: Base) { self.base = base }

    /// A JSON string.
    public static let string = ConfigValueType(.string)
    /// A JSON number without a fraction.
    public static let integer = ConfigValueType(.integer)
    /// Any JSON number.
    public static let number = ConfigValueType(.number)
    /// `true` or `false`.
    public static let boolean = ConfigValueType(.boolean)
    /// An array of strings.
    public static let stringArray = ConfigValueType(.stringArray)
    /// A JSON object, checked by the plugin itself.
    public static let object = ConfigValueType(.object)
    /// A string naming a file or folder; relative paths are resolved against the config's folder.
    public static let path = ConfigValueType(.path)
    /// A program's command-line arguments (an array of strings). A relative argument that names
    /// an existing file or folder beside the config is resolved against the config's folder, as
    /// a ``path`` is, so a config runs the same from any working directory; others pass as written.
    public static let arguments = ConfigValueType(.arguments)

    public var description: String {
        switch base {
        case .stringArray, .arguments: "array of strings"
        case .path: "path"
        default: base.rawValue
        }
    }

    /// Whether `value` is of this type.
    func accepts(_ value: JSONValue) -> Bool {
        switch base {
        case .string, .path: value.stringValue != nil
        case .integer: value.intValue != nil
        case .number: value.doubleValue != nil
        case .boolean: value.boolValue != nil
        case .object: value.objectValue != nil
        case .stringArray, .arguments: value.arrayValue?.allSatisfy { $0.stringValue != nil } ?? false
        }
    }

    /// Parses an environment variable's text as this type.
    func parse(environment text: String) -> JSONValue? {
        switch base {
        case .string, .path: return .string(text)
        case .integer: return Int(text.trimmingCharacters(in: .whitespaces)).map { .number(Double($0)) }
        case .number: return Double(text.trimmingCharacters(in: .whitespaces)).map { .number($0) }
        case .boolean:
            switch text.lowercased() {
            case "1", "true", "yes", "on": return .bool(true)
            case "0", "false", "no", "off": return .bool(false)
            default: return nil
            }
        case .stringArray, .arguments:
            return .array(text.split(separator: ",").map { .string($0.trimmingCharacters(in: .whitespaces)) })
        case .object: return nil
        }
    }
}

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

/// A run-wide command-line option that only some plugins can honour.
public enum RunOption: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// `--publisher`: the source filters by publisher.
    case publisher
    /// `--url-ids`: the source filters by item id.
    case urlIDs
    /// `--model`: the summarizer uses another model.
    case model
    /// `--enable-grounding`: the summarizer grounds answers with a search tool.
    case enableGrounding
    /// `--resummarize`: the source reads every item, summarized or not.
    case resummarize

    /// The command-line flag.
    public var flag: String {
        switch self {
        case .publisher: "--publisher"
        case .urlIDs: "--url-ids"
        case .model: "--model"
        case .enableGrounding: "--enable-grounding"
        case .resummarize: "--resummarize"
        }
    }

    /// The role whose plugin must honour the option.
    public var role: PluginRole {
        switch self {
        case .publisher, .urlIDs, .resummarize: .source
        case .model, .enableGrounding: .summarizer
        }
    }

    public var description: String { flag }
}

/// What a plugin declares about itself: its type name, role, purpose and config keys.
public struct PluginSpec: Sendable {
    /// The `type` value that selects the plugin in `config.json`, e.g. `jsonl`.
    public var type: String
    /// The stage the plugin fills, from its factory.
    public var role: PluginRole
    /// One line for `summarize plugins`.
    public var summary: String
    public var keys: [ConfigKey]
    /// The run options (`--publisher`...) the plugin honours.
    public var runOptions: Set<RunOption>

    /// A spec; plugins get theirs from ``Plugin/init(type:summary:keys:runOptions:_:)``.
    public init(type: String, role: PluginRole, summary: String, keys: [ConfigKey] = [], runOptions: Set<RunOption> = []) {
        self.type = type
        self.role = role
        self.summary = summary
        self.keys = keys
        self.runOptions = runOptions
    }

    /// The key named `name`, if the plugin has one.
    public func key(_ name: String) -> ConfigKey? {
        keys.first { $0.name == name }
    }
}
