import Foundation

/// The rules of a robots.txt (RFC 9309) that apply to one user agent.
public struct RobotsRules: Sendable, Hashable {
    struct Rule: Sendable, Hashable {
        var allow: Bool
        var path: String
    }

    var rules: [Rule]

    /// Everything allowed.
    public static let allowAll = RobotsRules(rules: [])
    /// Everything disallowed.
    public static let disallowAll = RobotsRules(rules: [Rule(allow: false, path: "/")])

    /// The rules of the group for `userAgent` (matched by product token, case-insensitive),
    /// or of the `*` group when none names it.
    public init(parsing text: String, userAgent: String) {
        let token = userAgent.split(separator: "/").first.map { $0.lowercased() } ?? userAgent.lowercased()
        var groups: [(agents: [String], rules: [Rule])] = []
        var lastWasAgent = false
        for rawLine in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let field = parts[0].trimmingCharacters(in: .whitespaces).lowercased()
            let value = parts[1].trimmingCharacters(in: .whitespaces)
            switch field {
            case "user-agent":
                if !lastWasAgent || groups.isEmpty { groups.append(([], [])) }
                groups[groups.count - 1].agents.append(value.lowercased())
                lastWasAgent = true
            case "allow", "disallow":
                lastWasAgent = false
                guard !groups.isEmpty, !(field == "disallow" && value.isEmpty) else { continue }
                groups[groups.count - 1].rules.append(Rule(allow: field == "allow", path: value))
            default:
                continue
            }
        }
        let specific = groups.filter { $0.agents.contains { $0 != "*" && token.hasPrefix($0) } }
        let chosen = specific.isEmpty ? groups.filter { $0.agents.contains("*") } : specific
        rules = chosen.flatMap(\.rules)
    }

    init(rules: [Rule]) {
        self.rules = rules
    }

    /// Whether `path` (with its query) may be fetched: the longest matching rule wins, allow on a tie.
    public func allows(_ path: String) -> Bool {
        var best: Rule?
        for rule in rules where Self.matches(rule.path, path) {
            if let current = best {
                if rule.path.count > current.path.count || (rule.path.count == current.path.count && rule.allow) {
                    best = rule
                }
            } else {
                best = rule
            }
        }
        return best?.allow ?? true
    }

    /// Matches a robots pattern with `*` wildcards and a `$` end anchor.
    static func matches(_ pattern: String, _ path: String) -> Bool {
        let anchored = pattern.hasSuffix("$")
        let pieces = (anchored ? String(pattern.dropLast()) : pattern).split(separator: "*", omittingEmptySubsequences: false)
        var rest = Substring(path)
        for (index, piece) in pieces.enumerated() {
            if index == 0 {
                guard rest.hasPrefix(piece) else { return false }
                rest = rest.dropFirst(piece.count)
            } else if let range = rest.range(of: piece) {
                rest = rest[range.upperBound...]
            } else {
                return false
            }
        }
        if anchored {
            if pieces.count > 1, let last = pieces.last { return path.hasSuffix(last) }
            return rest.isEmpty
        }
        return true
    }
}
