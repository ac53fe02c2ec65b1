import Foundation

/// A server's wait hint: the `Retry-After` header (seconds, fractions allowed, or an HTTP date)
/// and the `retry-after-ms` header some APIs add. The one parser every HTTP client here uses.
///
/// Hints are untrusted input: negative, non-finite or unparsable values give `nil`, and a
/// value beyond ``longest`` is clamped to it rather than overflowing a `Duration`. The retry
/// middleware refuses hints longer than its own limit anyway.
package enum RetryAfter {
    /// The longest hint kept: a year.
    package static let longest: Duration = .seconds(365 * 86_400)

    /// The value of a `Retry-After` header; an HTTP date counts from `now`.
    package static func parse(_ value: String, now: Date = Date()) -> Duration? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(trimmed) { return duration(seconds: seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: trimmed) else { return nil }
        return duration(seconds: max(0, date.timeIntervalSince(now)))
    }

    /// The value of a `retry-after-ms` header.
    package static func parse(milliseconds value: String) -> Duration? {
        Double(value.trimmingCharacters(in: .whitespaces)).flatMap { duration(seconds: $0 / 1000) }
    }

    static func duration(seconds: Double) -> Duration? {
        guard seconds.isFinite, seconds >= 0 else { return nil }
        return min(.seconds(min(seconds, longest.seconds)), longest)
    }
}
