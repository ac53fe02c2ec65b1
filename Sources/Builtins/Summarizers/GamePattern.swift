/// The mock's game pattern, matched by hand: up to four capitalized words, "vs", "vs." or
/// "versus", and up to four capitalized words, as the regular expression
/// `\p{Lu}[\p{L}'’-]+(?: \p{Lu}[\p{L}'’-]+){0,3} (?:vs\.?|versus) \p{Lu}[\p{L}'’-]+(?: \p{Lu}[\p{L}'’-]+){0,3}`
/// would find it, leftmost first.
enum GamePattern {
    static func firstMatch(in sentence: String) -> String? {
        let scalars = Array(sentence.unicodeScalars)
        for start in scalars.indices where isUppercaseLetter(scalars[start]) {
            if let end = match(scalars, at: start) { return text(scalars[start..<end]) }
        }
        return nil
    }

    /// "Week" and the number after it, e.g. "Week 12".
    static func week(in sentence: String) -> String? {
        let scalars = Array(sentence.unicodeScalars)
        for index in scalars.indices where has(weekMarker, in: scalars, at: index) {
            var end = index + weekMarker.count
            while end < scalars.count, scalars[end].properties.generalCategory == .decimalNumber { end += 1 }
            if end > index + weekMarker.count { return text(scalars[index..<end]) }
        }
        return nil
    }

    private static let weekMarker = Array("Week ".unicodeScalars)
    private static let separators = ["vs.", "vs", "versus"].map { Array($0.unicodeScalars) }

    static func has(_ word: [Unicode.Scalar], in scalars: [Unicode.Scalar], at start: Int) -> Bool {
        scalars.count - start >= word.count && word.indices.allSatisfy { scalars[start + $0] == word[$0] }
    }

    static func text(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        var text = String.UnicodeScalarView()
        text.append(contentsOf: scalars)
        return String(text)
    }

    static func match(_ scalars: [Unicode.Scalar], at start: Int) -> Int? {
        guard let left = side(scalars, at: start), left < scalars.count, scalars[left] == " " else { return nil }
        for word in separators {
            let after = left + 1 + word.count
            guard has(word, in: scalars, at: left + 1), after < scalars.count, scalars[after] == " " else { continue }
            if let end = side(scalars, at: after + 1) { return end }
        }
        return nil
    }

    /// The end of one to four capitalized words separated by single spaces, taken greedily.
    static func side(_ scalars: [Unicode.Scalar], at start: Int) -> Int? {
        guard var end = word(scalars, at: start) else { return nil }
        for _ in 0..<3 {
            guard end < scalars.count, scalars[end] == " ", let next = word(scalars, at: end + 1) else { break }
            end = next
        }
        return end
    }

    static func word(_ scalars: [Unicode.Scalar], at start: Int) -> Int? {
        guard start < scalars.count, isUppercaseLetter(scalars[start]) else { return nil }
        var end = start + 1
        while end < scalars.count, isWordTail(scalars[end]) { end += 1 }
        return end > start + 1 ? end : nil
    }

    static func isUppercaseLetter(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII ? scalar.value >= 0x41 && scalar.value <= 0x5A : scalar.properties.generalCategory == .uppercaseLetter
    }

    static func isWordTail(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            return (scalar.value >= 0x41 && scalar.value <= 0x5A) || (scalar.value >= 0x61 && scalar.value <= 0x7A)
                || scalar == "'" || scalar == "-"
        }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return scalar == "’"
        }
    }
}
