import Foundation

/// How `--publisher` (and a source's `publisher` key) matches, the same in every source: the
/// given name and the stored one are compared with surrounding white space trimmed and case
/// ignored, so `--publisher espn` finds rows stored as `ESPN` or `ESPN `.
public enum PublisherFilter {
    /// The filter value, trimmed; `nil` when none was given or it is blank.
    public static func normalize(_ value: String?) -> String? {
        guard let trimmed = value?.trimmingCharacters(in: .whitespacesAndNewlines), !trimmed.isEmpty else { return nil }
        return trimmed
    }

    /// Whether a stored publisher matches the filter `wanted`.
    public static func matches(_ stored: String?, _ wanted: String) -> Bool {
        guard let wanted = normalize(wanted) else { return true }
        guard let stored = normalize(stored) else { return false }
        return stored.compare(wanted, options: [.caseInsensitive]) == .orderedSame
    }

    /// A PostgreSQL regular expression (for PostgREST's case-insensitive `imatch`) that matches
    /// the stored value exactly as ``matches(_:_:)`` does: every character that is not a letter
    /// or digit is escaped, and white space around the name is allowed.
    public static func regularExpression(_ wanted: String) -> String {
        let name = normalize(wanted) ?? ""
        var escaped = ""
        for character in name {
            if character.isLetter || character.isNumber {
                escaped.append(character)
            } else {
                escaped.append("\\")
                escaped.append(character)
            }
        }
        return "^\\s*" + escaped + "\\s*$"
    }
}
