import Foundation

extension String {
    /// `trimmingCharacters(in: .whitespacesAndNewlines)`, without Foundation's conversions for
    /// the usual text that starts and ends with a visible ASCII character. Anything else goes to
    /// Foundation, whose set has members (the zero-width space) that Unicode's White_Space has not.
    var trimmingWhitespace: String {
        guard let first = unicodeScalars.first, let last = unicodeScalars.last else { return self }
        func isVisibleASCII(_ scalar: Unicode.Scalar) -> Bool { scalar.value > 0x20 && scalar.value < 0x7F }
        if isVisibleASCII(first), isVisibleASCII(last) { return self }
        return trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
