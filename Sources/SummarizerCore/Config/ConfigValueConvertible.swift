import Foundation

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

/// An optional setting takes its wrapped type's values; `nil` is JSON `null`, which the spec
/// lists as no default.
extension Optional: ConfigValueConvertible where Wrapped: ConfigValueConvertible {
    public static var configType: ConfigValueType { Wrapped.configType }
    public static var allowedValues: [String]? { Wrapped.allowedValues }

    public init?(configValue: JSONValue) {
        if configValue == .null {
            self = .none
        } else if let wrapped = Wrapped(configValue: configValue) {
            self = .some(wrapped)
        } else {
            return nil
        }
    }

    public var configValue: JSONValue { map(\.configValue) ?? .null }
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
