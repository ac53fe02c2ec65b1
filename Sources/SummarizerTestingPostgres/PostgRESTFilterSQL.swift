import Foundation

/// PostgREST's query string as SQL, for the fake PostgREST: filters (`column=op.value`), logic
/// trees (`or=(a.lt.1,and(b.eq.2,c.is.null))`), and the quoting that keeps values out of the
/// statement's text. Pure functions, so each translation is tested without a server; every
/// value becomes a quoted literal and every name must be a plain identifier.
enum PostgRESTFilterSQL {
    /// `name=value` pairs, percent-decoded, in order.
    static func parseQuery(_ text: String) -> [(String, String)] {
        text.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0]).removingPercentEncoding ?? String(parts[0])
            let value = parts.count > 1 ? (String(parts[1]).removingPercentEncoding ?? String(parts[1])) : ""
            return (name, value)
        }
    }

    static func checkIdentifier(_ name: String) throws {
        guard let first = name.unicodeScalars.first, first == "_" || ("a"..."z").contains(first),
            name.unicodeScalars.allSatisfy({ $0 == "_" || ("a"..."z").contains($0) || ("0"..."9").contains($0) })
        else {
            throw FakePostgREST.Failure(status: 400, code: "PGRST100", message: "\"\(name)\" is not a name this fake accepts")
        }
    }

    static func quoted(_ identifier: String) -> String { "\"\(identifier)\"" }

    /// A SQL literal of unknown type, which PostgreSQL casts to the column's (or argument's) type.
    static func literal(_ value: String) -> String { "'" + value.replacingOccurrences(of: "'", with: "''") + "'" }

    /// Splits `text` at commas outside parentheses and double quotes.
    static func splitTopLevel(_ text: Substring) -> [Substring] {
        var parts: [Substring] = []
        var depth = 0
        var quoted = false
        var start = text.startIndex
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if character == "\"" { quoted.toggle() }
            if !quoted {
                if character == "(" { depth += 1 }
                if character == ")" { depth -= 1 }
                if character == ",", depth == 0 {
                    parts.append(text[start..<index])
                    start = text.index(after: index)
                }
            }
            index = text.index(after: index)
        }
        parts.append(text[start..<text.endIndex])
        return parts
    }

    static func unquote(_ value: Substring) -> String {
        value.count >= 2 && value.hasPrefix("\"") && value.hasSuffix("\"") ? String(value.dropFirst().dropLast()) : String(value)
    }

    /// `op.value` on `column` as SQL; `prefix` qualifies the column (`t.`).
    static func condition(column: String, _ operation: Substring, prefix: String) throws -> String {
        try checkIdentifier(column)
        let target = prefix + quoted(column)
        guard let dot = operation.firstIndex(of: ".") else {
            throw FakePostgREST.Failure(status: 400, code: "PGRST100", message: "\"failed to parse filter (\(operation))\"")
        }
        let op = operation[..<dot]
        let value = operation[operation.index(after: dot)...]
        switch op {
        case "eq": return "\(target) = \(literal(unquote(value)))"
        case "neq": return "\(target) <> \(literal(unquote(value)))"
        case "lt": return "\(target) < \(literal(unquote(value)))"
        case "lte": return "\(target) <= \(literal(unquote(value)))"
        case "gt": return "\(target) > \(literal(unquote(value)))"
        case "gte": return "\(target) >= \(literal(unquote(value)))"
        // PostgreSQL's regular expressions, as PostgREST maps them (`~` and `~*`).
        case "match": return "\(target) ~ \(literal(unquote(value)))"
        case "imatch": return "\(target) ~* \(literal(unquote(value)))"
        case "is":
            switch value {
            case "null": return "\(target) is null"
            case "true": return "\(target) is true"
            case "false": return "\(target) is false"
            default: throw FakePostgREST.Failure(status: 400, code: "PGRST100", message: "\"failed to parse filter (is.\(value))\"")
            }
        case "in":
            guard value.hasPrefix("("), value.hasSuffix(")") else {
                throw FakePostgREST.Failure(status: 400, code: "PGRST100", message: "\"failed to parse filter (in.\(value))\"")
            }
            let inner = value.dropFirst().dropLast()
            // `in.()` is an empty list, which matches nothing, not a list of one empty string.
            let items = inner.isEmpty ? [] : splitTopLevel(inner).map { literal(unquote($0)) }
            return items.isEmpty ? "false" : "\(target) in (\(items.joined(separator: ", ")))"
        default:
            throw FakePostgREST.Failure(status: 400, code: "PGRST100", message: "\"unknown operator \(op)\"")
        }
    }

    /// A logic tree such as `(a.lt.1,and(b.eq.2,c.is.null))` joined by `joiner`.
    static func tree(_ text: Substring, joiner: String, prefix: String) throws -> String {
        guard text.hasPrefix("("), text.hasSuffix(")") else {
            throw FakePostgREST.Failure(status: 400, code: "PGRST100", message: "\"failed to parse logic tree (\(text))\"")
        }
        let parts = try splitTopLevel(text.dropFirst().dropLast()).map { part -> String in
            if part.hasPrefix("and(") { return try tree(part.dropFirst(3), joiner: "and", prefix: prefix) }
            if part.hasPrefix("or(") { return try tree(part.dropFirst(2), joiner: "or", prefix: prefix) }
            guard let dot = part.firstIndex(of: ".") else {
                throw FakePostgREST.Failure(status: 400, code: "PGRST100", message: "\"failed to parse logic tree (\(part))\"")
            }
            return try condition(column: String(part[..<dot]), part[part.index(after: dot)...], prefix: prefix)
        }
        return "(" + parts.joined(separator: " \(joiner) ") + ")"
    }

    /// A filter parameter (`column=op.value`, `or=(...)`, `and=(...)`) as SQL.
    static func filter(name: String, value: String, prefix: String) throws -> String {
        switch name {
        case "or": try tree(value[...], joiner: "or", prefix: prefix)
        case "and": try tree(value[...], joiner: "and", prefix: prefix)
        default: try condition(column: name, value[...], prefix: prefix)
        }
    }
}
