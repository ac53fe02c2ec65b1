import Foundation

extension String {
    /// `trimmingCharacters(in: .whitespacesAndNewlines)`, without Foundation's conversions for
    /// the usual text whose ends are ASCII: ASCII white space is trimmed here, and only an end
    /// outside ASCII goes to Foundation, whose set has members (the zero-width space) that
    /// Unicode's White_Space has not.
    package var trimmingWhitespace: String {
        let scalars = unicodeScalars
        func isASCIISpace(_ scalar: Unicode.Scalar) -> Bool { scalar == " " || (0x09...0x0D).contains(scalar.value) }
        var start = scalars.startIndex
        var end = scalars.endIndex
        while start < end, isASCIISpace(scalars[start]) { start = scalars.index(after: start) }
        while end > start, isASCIISpace(scalars[scalars.index(before: end)]) { end = scalars.index(before: end) }
        guard start < end else { return "" }
        let trimmed = start == scalars.startIndex && end == scalars.endIndex ? self : String(scalars[start..<end])
        if scalars[start].isASCII, scalars[scalars.index(before: end)].isASCII { return trimmed }
        return trimmed.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
