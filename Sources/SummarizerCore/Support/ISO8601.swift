import Foundation

/// ISO 8601 times with fractional seconds in UTC, the form every record uses.
public enum ISO8601 {
    private static let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    private static let whole = Date.ISO8601FormatStyle()

    /// Formats `date` as e.g. `2026-11-29T16:30:00.123Z`.
    public static func string(from date: Date) -> String {
        fractional.format(date)
    }

    /// Parses an ISO 8601 time with or without fractional seconds.
    public static func date(from text: String) -> Date? {
        (try? fractional.parse(text)) ?? (try? whole.parse(text))
    }
}
