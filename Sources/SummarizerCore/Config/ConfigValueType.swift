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
