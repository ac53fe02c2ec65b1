import Foundation
import SummarizerCore

/// An answer other than success, with its status and a JSON body saying what and where.
struct APIError: Error, Sendable {
    var status: Int
    var message: String
    /// A JSON pointer into the request body, when the problem is there.
    var pointer: String?
    /// Extra headers: `Retry-After`, `WWW-Authenticate`.
    var headers: [(String, String)] = []
    /// A body of its own instead of the error object (a failure record).
    var body: JSONValue?

    init(_ status: Int, _ message: String, pointer: String? = nil, headers: [(String, String)] = []) {
        self.status = status
        self.message = message
        self.pointer = pointer
        self.headers = headers
    }

    /// The JSON body: `{"error": {"status": 400, "message": "...", "pointer": "/limit"}}`.
    var json: JSONValue {
        if let body { return body }
        var error: [String: JSONValue] = ["status": .number(Double(status)), "message": .string(message)]
        if let pointer { error["pointer"] = .string(pointer) }
        return .object(["error": .object(error)])
    }
}

/// The fields of a JSON request body, read with the same care as the config: every problem
/// names its JSON pointer, and a field the endpoint does not know is refused, not ignored.
struct RequestFields {
    private let object: [String: JSONValue]
    private(set) var problems: [(pointer: String, message: String)] = []

    /// Parses `data` as a JSON object; an empty body is an empty object.
    init(_ data: Data, allowed: [String]) throws(APIError) {
        guard !data.isEmpty else {
            object = [:]
            return
        }
        let value: JSONValue
        do {
            value = try JSONValue.parse(data)
        } catch {
            throw APIError(400, "the body is not valid JSON: \(Self.describe(error))", pointer: "")
        }
        guard case .object(let object) = value else {
            throw APIError(400, "expected a JSON object, got \(value.typeName)", pointer: "")
        }
        self.object = object
        for key in object.keys.sorted() where !allowed.contains(key) {
            let suggestion = Suggestion.closest(to: key, in: allowed).map { "; did you mean \"\($0)\"?" } ?? ""
            problems.append(("/" + Self.escape(key), "unknown field\(suggestion) (known: \(allowed.joined(separator: ", ")))"))
        }
    }

    /// The first problem as the error to answer with, if any.
    func check() throws(APIError) {
        guard let first = problems.first else { return }
        let more = problems.count > 1 ? " (and \(problems.count - 1) more: \(problems.dropFirst().map(\.pointer).joined(separator: ", ")))" : ""
        throw APIError(400, first.message + more, pointer: first.pointer)
    }

    mutating func string(_ key: String, nonEmpty: Bool = true) -> String? {
        guard let value = present(key) else { return nil }
        guard case .string(let text) = value else { return wrongType(key, "a string", value) }
        if nonEmpty, Self.isBlank(text) {
            problems.append(("/" + Self.escape(key), "must not be empty or blank"))
            return nil
        }
        return text
    }

    mutating func bool(_ key: String) -> Bool? {
        guard let value = present(key) else { return nil }
        guard case .bool(let flag) = value else { return wrongType(key, "true or false", value) }
        return flag
    }

    mutating func integer(_ key: String, minimum: Int) -> Int? {
        guard let value = present(key) else { return nil }
        guard case .number(let number) = value, number == number.rounded(), abs(number) < 1e15 else {
            return wrongType(key, "an integer", value)
        }
        guard Int(number) >= minimum else {
            problems.append(("/" + Self.escape(key), "must be at least \(minimum), got \(Int(number))"))
            return nil
        }
        return Int(number)
    }

    /// A non-empty array of non-empty strings.
    mutating func strings(_ key: String) -> [String]? {
        guard let value = present(key) else { return nil }
        guard case .array(let items) = value else { return wrongType(key, "an array of strings", value) }
        guard !items.isEmpty else {
            problems.append(("/" + Self.escape(key), "needs at least one item"))
            return nil
        }
        var texts: [String] = []
        for (index, item) in items.enumerated() {
            guard case .string(let text) = item, !Self.isBlank(text) else {
                problems.append(("/\(Self.escape(key))/\(index)", "expected a non-empty string, got \(item.typeName)"))
                return nil
            }
            texts.append(text)
        }
        return texts
    }

    /// The value of `key`; JSON `null` counts as absent, as in the config.
    private func present(_ key: String) -> JSONValue? {
        guard let value = object[key], value != .null else { return nil }
        return value
    }

    private mutating func wrongType<T>(_ key: String, _ expected: String, _ value: JSONValue) -> T? {
        problems.append(("/" + Self.escape(key), "expected \(expected), got \(value.typeName)"))
        return nil
    }

    /// Whether `text` holds nothing but spaces, tabs and line breaks; the OpenAPI document says
    /// the same with the pattern `[^ \t\r\n]`.
    static func isBlank(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { [" ", "\t", "\r", "\n"].contains($0) }
    }

    /// A key as a JSON pointer token (RFC 6901).
    static func escape(_ key: String) -> String {
        key.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    static func describe(_ error: any Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            return (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String ?? context.debugDescription
        }
        return "\(error)"
    }
}
