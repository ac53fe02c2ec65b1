import SummarizerCore

/// Small, deterministic text heuristics for the mock summarizer.
///
/// Every rule reads the text's UTF-8 in place, once, with ASCII fast paths: walking a `String`
/// by `Character` costs grapheme breaking on every step, and Foundation's string searches and
/// `CharacterSet`s cost far more than the rules themselves (the mock took 11.5 ms a call for a
/// 5 KB article that way; 0.3 ms now). A scalar that extends the character before it (a
/// combining mark) is classed with that character, so words and sentence ends fall where a
/// walk by `Character` puts them. The records are the same as the `Character` version's: on
/// 921 corpus pages, and in `Tests/BuiltinsTests/Fixtures/mock-summaries.jsonl`.
enum TextHeuristics {
    private static let abbreviations: Set<String> = [
        "mr", "mrs", "ms", "dr", "st", "jr", "sr", "vs", "no", "inc", "co", "corp", "lt", "gen", "sgt", "etc", "e.g", "i.e",
        "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "a.m", "p.m",
    ]

    /// What one pass over the text found: its sentences and, per sentence, its words.
    struct Analysis {
        var sentences: [String] = []
        /// Each sentence's words, lowercased, as indices into `vocabulary`.
        var words: [[Int]] = []
        var vocabulary = Vocabulary()
    }

    /// The distinct lowercased words of a text, each with how often it occurs; the word lists
    /// (stop words, sentiment) are asked once per distinct word, not once per occurrence. Words
    /// are compared by their UTF-8: the two spellings of "é" (one scalar, or "e" and a combining
    /// accent) are two words here where `String` equality would make them one.
    struct Vocabulary {
        private(set) var words: [String] = []
        private(set) var occurrences: [Int] = []
        /// An open-addressing table of word ids by an FNV-1a hash of their bytes: a word is
        /// hashed as it is read, and a `String` is made only for a word not seen before.
        private var slots = [Int32](repeating: -1, count: 256)
        private var hashes: [UInt64] = []
        private var spelling: [UInt8] = []
        private var spans: [Range<Int>] = []

        init() {}

        init(words text: String) {
            forEachLowercasedWord(in: text) { _ = add($0) }
        }

        /// The id of the word spelled by `bytes`, added if new.
        mutating func add(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
            var hash: UInt64 = 0xCBF2_9CE4_8422_2325
            for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
            var slot = Int(truncatingIfNeeded: hash) & (slots.count - 1)
            while slots[slot] >= 0 {
                let id = Int(slots[slot])
                if hashes[id] == hash, spelling[spans[id]].elementsEqual(bytes) {
                    occurrences[id] += 1
                    return id
                }
                slot = (slot + 1) & (slots.count - 1)
            }
            let id = words.count
            slots[slot] = Int32(id)
            hashes.append(hash)
            spans.append(spelling.count..<spelling.count + bytes.count)
            spelling.append(contentsOf: bytes)
            words.append(String(decoding: bytes, as: UTF8.self))
            occurrences.append(1)
            if words.count * 2 > slots.count { grow() }
            return id
        }

        private mutating func grow() {
            slots = [Int32](repeating: -1, count: slots.count * 2)
            for (id, hash) in hashes.enumerated() {
                var slot = Int(truncatingIfNeeded: hash) & (slots.count - 1)
                while slots[slot] >= 0 { slot = (slot + 1) & (slots.count - 1) }
                slots[slot] = Int32(id)
            }
        }
    }

    static func analyse(_ text: String) -> Analysis {
        var analysis = Analysis()
        analysis.sentences = sentences(text)
        analysis.words = analysis.sentences.map { sentence in
            var ids: [Int] = []
            forEachLowercasedWord(in: sentence) { ids.append(analysis.vocabulary.add($0)) }
            return ids
        }
        return analysis
    }

    /// Splits text into sentences at `.`, `!` or `?` followed by white space or a line end,
    /// skipping common abbreviations and initials; every line ends a sentence too.
    static func sentences(_ text: String) -> [String] {
        var sentences: [String] = []
        var text = text
        text.withUTF8 { bytes in
            var start = 0
            func close(_ end: Int) {
                if let sentence = UTF8Text.trimmingSpaces(bytes, start..<end) { sentences.append(sentence) }
            }
            // Only ASCII bytes are compared, so the walk can go byte by byte.
            for index in bytes.indices {
                let byte = bytes[index]
                if byte == 0x0A {
                    close(index)
                    start = index + 1
                } else if byte == 0x2E || byte == 0x21 || byte == 0x3F,
                    index + 1 == bytes.count || UTF8Text.isWhitespace(bytes, at: index + 1),
                    byte != 0x2E || !endsInAbbreviation(bytes, start..<index + 1)
                {
                    close(index + 1)
                    start = index + 1
                }
            }
            close(bytes.count)
        }
        return sentences
    }

    /// Whether the last word of `range` (which ends in a full stop) is an abbreviation or an initial.
    private static func endsInAbbreviation(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        var wordStart = range.upperBound
        while wordStart > range.lowerBound {
            let (scalar, start) = UTF8Text.scalar(bytes, before: wordStart)
            if UTF8Text.isWhitespace(scalar) { break }
            wordStart = start
        }
        var word = wordStart..<range.upperBound
        if word.allSatisfy({ bytes[$0] < 0x80 }) {
            while let first = word.first, abbreviationTrim.contains(Unicode.Scalar(bytes[first])) { word = word.dropFirst() }
            while let last = word.last, abbreviationTrim.contains(Unicode.Scalar(bytes[last])) { word = word.dropLast() }
            // The longest abbreviation has four letters.
            guard word.count > 1, word.count <= 4 else { return word.count == 1 }
            return abbreviations.contains(UTF8Text.lowercased(bytes, word, ascii: true))
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[word]), as: UTF8.self)
        let bare = lowercased(String(trimmed(text.unicodeScalars[...], in: abbreviationTrim)))
        return bare.count == 1 || abbreviations.contains(bare)
    }

    private static let abbreviationTrim = ScalarSet(".\"'()“”‘’")

    /// Calls `body` with each word of `text` (runs of letters, digits and apostrophes),
    /// lowercased, as UTF-8 valid only during the call.
    static func forEachLowercasedWord(in text: String, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        var text = text
        var scratch = [UInt8](repeating: 0, count: 64)
        func emit(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, ascii: Bool) {
            guard ascii else {
                var word = lowercased(String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self))
                word.withUTF8(body)
                return
            }
            if scratch.count < range.count { scratch = [UInt8](repeating: 0, count: range.count) }
            scratch.withUnsafeMutableBufferPointer { buffer in
                for (offset, index) in range.enumerated() { buffer[offset] = UTF8Text.lowercasedASCII(bytes[index]) }
                body(UnsafeBufferPointer(rebasing: buffer[..<range.count]))
            }
        }
        text.withUTF8 { bytes in
            var index = 0
            var wordStart = -1
            var ascii = true
            var inWord = false
            while index < bytes.count {
                let byte = bytes[index]
                var length = 1
                if byte < 0x80 {
                    inWord = UTF8Text.isASCIIWordByte(byte)
                } else {
                    let scalar: Unicode.Scalar
                    (scalar, length) = UTF8Text.scalar(bytes, at: index)
                    // A combining mark belongs to the character before it, word or not.
                    if !(scalar.value >= 0x300 && extendsCharacter(scalar)) { inWord = isWordScalar(scalar) }
                }
                if inWord {
                    if wordStart < 0 {
                        wordStart = index
                        ascii = true
                    }
                    if byte >= 0x80 { ascii = false }
                } else if wordStart >= 0 {
                    emit(bytes, wordStart..<index, ascii: ascii)
                    wordStart = -1
                }
                index += length
            }
            if wordStart >= 0 { emit(bytes, wordStart..<bytes.count, ascii: ascii) }
        }
    }

    private static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            let byte = UInt8(scalar.value)
            return (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
                || byte == 0x27
        }
        return scalar == "’" || scalar.properties.isAlphabetic || scalar.properties.numericType != nil
    }

    /// Whether `scalar` joins the character before it (grapheme extenders and spacing marks).
    static func extendsCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return true
        default: return scalar.value == 0x200D || (0xFE00...0xFE0F).contains(scalar.value)
        }
    }

    /// `text.lowercased()`, without the slow path for the whole string when one scalar is not ASCII.
    static func lowercased(_ text: String) -> String {
        var copy = text
        if let ascii = copy.withUTF8({ bytes in
            bytes.allSatisfy { $0 < 0x80 } ? UTF8Text.lowercased(bytes, bytes.indices, ascii: true) : nil
        }) {
            return ascii
        }
        return lowercasedUTF8(text).withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) }
    }

    /// The UTF-8 of `text.lowercased()`: each scalar's lowercase mapping, as the standard library does it.
    static func lowercasedUTF8(_ text: some StringProtocol) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            if scalar.value < 0x80 {
                let byte = UInt8(scalar.value)
                bytes.append(byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte)
            } else if scalar.properties.changesWhenLowercased {
                bytes.append(contentsOf: scalar.properties.lowercaseMapping.utf8)
            } else {
                bytes.append(contentsOf: UTF8.encode(scalar)!)
            }
        }
        return bytes
    }

    /// `text` without the scalars of `set` at either end.
    static func trimmed(_ text: Substring.UnicodeScalarView, in set: ScalarSet) -> Substring.UnicodeScalarView {
        var start = text.startIndex
        var end = text.endIndex
        while start < end, set.contains(text[start]) { start = text.index(after: start) }
        while end > start, set.contains(text[text.index(before: end)]) { end = text.index(before: end) }
        return text[start..<end]
    }

    static let stopWords: Set<String> = [
        "the", "a", "an", "and", "or", "but", "of", "to", "in", "on", "at", "for", "with", "by", "from", "as", "is", "was",
        "are", "were", "be", "been", "it", "its", "this", "that", "these", "those", "he", "she", "they", "his", "her",
        "their", "we", "our", "you", "i", "not", "no", "has", "have", "had", "will", "would", "can", "could", "after",
        "before", "said", "says", "also", "than", "then", "there", "who", "which", "what", "when", "into", "over", "about",
        "le", "la", "les", "de", "des", "du", "et", "un", "une", "en", "el", "los", "las", "der", "die", "das", "und",
    ]

    /// The sentences that carry the most frequent content words, in article order.
    static func keySentences(_ analysis: Analysis, count: Int) -> [String] {
        let vocabulary = analysis.vocabulary
        let isContent = vocabulary.words.map { !stopWords.contains($0) && isLonger($0, than: 2) }
        var scored: [(index: Int, score: Double)] = []
        for (index, sentence) in analysis.words.enumerated() {
            var words = 0
            var total = 0
            for id in sentence where isContent[id] {
                words += 1
                total += vocabulary.occurrences[id]
            }
            guard words >= 4 else { continue }
            scored.append((index, Double(total) / Double(words).squareRoot()))
        }
        let chosen = scored.filter { $0.score > 0 }.sorted { $0.score != $1.score ? $0.score > $1.score : $0.index < $1.index }
            .prefix(count).map(\.index)
        return chosen.sorted().map { analysis.sentences[$0] }
    }

    /// Whether `word` has more than `count` characters.
    static func isLonger(_ word: String, than count: Int) -> Bool {
        word.utf8.count <= count ? false : word.utf8.allSatisfy { $0 < 0x80 } ? true : word.count > count
    }

    private static let sentenceStarters: Set<String> = [
        "The", "A", "An", "In", "On", "At", "After", "Before", "But", "And", "He", "She", "They", "It", "This", "That",
        "When", "With", "For", "His", "Her", "Their", "We", "Our", "If", "As", "By", "From", "Last", "Next", "Sources",
        "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January", "February", "March",
        "April", "May", "June", "July", "August", "September", "October", "November", "December", "Week", "Le", "La",
        "Les", "El", "Der", "Die", "Das", "Il", "Coach", "Head", "Quarterback", "General", "Manager", "Against",
        "Over", "Still", "Home", "Sorry", "Both", "Weather", "Kicker", "Council", "Wide", "Tight", "Offensive",
    ]

    private static let wordBreaks = ScalarSet(",.;:!?)”\"")
    private static let nameTrim = ScalarSet(",.;:!?()“”\"")
    /// Tokens made only of these are not words ("'s", "s," or a lone quote).
    private static let nonWord = ScalarSet(",.;:!?()“”\"'’s")

    /// Runs of capitalized words, e.g. "Kansas City Chiefs", "Marcus Hale".
    static func capitalizedRuns(_ sentence: String) -> [[String]] {
        var runs: [[String]] = []
        var current: [String] = []
        func endRun() {
            if !current.isEmpty {
                runs.append(current)
                current = []
            }
        }
        // Static sets are read through an accessor each time; these loops read locals.
        let nameTrim = Self.nameTrim
        let sets = NameSets(wordBreaks: wordBreaks, nameTrim: nameTrim, nonWord: nonWord)
        var sentence = sentence
        sentence.withUTF8 { bytes in
            var index = 0
            while index < bytes.count {
                let (space, length) = UTF8Text.whitespace(bytes, at: index)
                if space {
                    index += length
                    continue
                }
                let start = index
                while index < bytes.count {
                    let (space, length) = UTF8Text.whitespace(bytes, at: index)
                    if space { break }
                    index += length
                }
                // Most words start with a small letter or a digit: not names, nothing more to look at.
                var position = start
                var first: Unicode.Scalar?
                while position < index {
                    let (scalar, length) = UTF8Text.scalar(bytes, at: position)
                    if !nameTrim.contains(scalar) {
                        first = scalar
                        break
                    }
                    position += length
                }
                guard let first, !first.isASCII || (0x41...0x5A).contains(first.value) else {
                    endRun()
                    continue
                }
                if let name = asciiName(bytes, start..<index, sets) {
                    switch name {
                    case .name(let name, let endsRun):
                        if !current.isEmpty || !sentenceStarters.contains(name) { current.append(name) }
                        if endsRun { endRun() }
                    case .notAName:
                        endRun()
                    }
                    continue
                }
                let token = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                let raw = token.unicodeScalars[...]
                let trailingBreak = wordBreaks.contains(raw[raw.index(before: raw.endIndex)])
                let word = trimmed(raw, in: nonWord).isEmpty ? Substring.UnicodeScalarView() : trimmed(raw, in: nameTrim)
                var bare = word
                if word.count >= 2, word.last == "s",
                    word[word.index(word.endIndex, offsetBy: -2)] == "'" || word[word.index(word.endIndex, offsetBy: -2)] == "’"
                {
                    bare = word[word.startIndex..<word.index(word.endIndex, offsetBy: -2)]
                }
                if let name = capitalizedName(bare) {
                    if current.isEmpty, sentenceStarters.contains(name) {
                        // A capital that only starts the sentence, not a name.
                    } else {
                        current.append(name)
                    }
                } else {
                    endRun()
                }
                if trailingBreak || bare.endIndex != word.endIndex { endRun() }
            }
        }
        endRun()
        return runs
    }

    enum ASCIIName {
        /// A name; `endsRun` when punctuation or a possessive ends the run after it.
        case name(String, endsRun: Bool)
        case notAName
    }

    /// The ASCII-only case of a token of `capitalizedRuns`, decided on its bytes; nil when the
    /// token has other scalars.
    struct NameSets {
        var wordBreaks: ScalarSet
        var nameTrim: ScalarSet
        var nonWord: ScalarSet
    }

    private static func asciiName(_ bytes: UnsafeBufferPointer<UInt8>, _ token: Range<Int>, _ sets: NameSets) -> ASCIIName? {
        guard token.allSatisfy({ bytes[$0] < 0x80 }) else { return nil }
        func isIn(_ set: ScalarSet, _ index: Int) -> Bool { set.contains(Unicode.Scalar(bytes[index])) }
        let trailingBreak = isIn(sets.wordBreaks, token.upperBound - 1)
        guard !token.allSatisfy({ isIn(sets.nonWord, $0) }) else { return .notAName }
        var word = token
        while let first = word.first, isIn(sets.nameTrim, first) { word = word.dropFirst() }
        while let last = word.last, isIn(sets.nameTrim, last) { word = word.dropLast() }
        var bare = word
        let possessive = word.count >= 2 && bytes[word.upperBound - 1] == 0x73 && bytes[word.upperBound - 2] == 0x27
        if possessive { bare = word.dropLast(2) }
        guard let first = bare.first, (0x41...0x5A).contains(bytes[first]), bare.count > 1,
            bare.dropFirst().contains(where: { (0x61...0x7A).contains(bytes[$0]) })
        else { return .notAName }
        let name = String(decoding: UnsafeBufferPointer(rebasing: bytes[bare]), as: UTF8.self)
        return .name(name, endsRun: trailingBreak || possessive)
    }

    /// `word` as a string when it starts with a capital and has a lowercase letter after it.
    private static func capitalizedName(_ word: Substring.UnicodeScalarView) -> String? {
        guard let first = word.first else { return nil }
        if word.allSatisfy(\.isASCII) {
            guard first.value >= 0x41, first.value <= 0x5A, word.count > 1,
                word.dropFirst().contains(where: { $0.value >= 0x61 && $0.value <= 0x7A })
            else { return nil }
            return String(word)
        }
        let text = String(word)
        guard let character = text.first, character.isUppercase, text.count > 1, text.dropFirst().contains(where: \.isLowercase)
        else { return nil }
        return text
    }

    /// Words that make a capitalized run a place or an organisation rather than a person.
    private static let organisationWords: Set<String> = [
        "Field", "Stadium", "Arena", "Park", "Sports", "Daily", "News", "Wire", "Ledger", "Council", "Club", "Media",
        "Tribune", "Times", "Post", "Press", "Diario", "Deportivo", "Season", "Result", "City", "University", "League",
    ]

    /// People ("FirstName LastName") and teams by shape: a team is a run whose last word the
    /// text also uses on its own after "the" ("the Pioneers"), or that ends in a plural.
    static func entities(_ sentences: [String]) -> (people: [String], teams: [String]) {
        let followers = Followers(" " + sentences.joined(separator: " "), after: [" the ", " los "])
        var people: [String] = []
        var teams: [String] = []
        var seenTeams: Set<String> = []
        var seenPeople: Set<String> = []
        // Every team name and each of its leading words ("Kansas", "Kansas City").
        var teamPrefixes: Set<String> = []
        for sentence in sentences {
            for run in capitalizedRuns(sentence) {
                guard let last = run.last, run.count <= 4 else { continue }
                if run.count >= 2, isPlural(last) || followers.containsPrefix(lowercasedUTF8(last)) {
                    let name = run.joined(separator: " ")
                    if seenTeams.insert(name).inserted {
                        teams.append(name)
                        for count in 1...run.count { teamPrefixes.insert(run[..<count].joined(separator: " ")) }
                    }
                } else if run.count == 2 || (run.count == 3 && run[1].count <= 2),
                    !run.contains(where: organisationWords.contains)
                {
                    let name = run.joined(separator: " ")
                    if seenPeople.insert(name).inserted { people.append(name) }
                }
            }
        }
        // A person's name that is part of a team's name is the team's city, not a person.
        people.removeAll(where: teamPrefixes.contains)
        return (people, teams)
    }

    private static let pluralEndings = ["ers", "men", "ons", "os"].map { Array($0.utf8) }

    /// Whether `word` ends like a plural team name: "Pioneers", "Minutemen", "Broncos".
    static func isPlural(_ word: String) -> Bool {
        let bytes = word.utf8
        // A scalar that ends a word never extends the one before it, so bytes compare as characters.
        return pluralEndings.contains { bytes.count >= $0.count && bytes.suffix($0.count).elementsEqual($0) }
    }

    /// What follows each occurrence of some lowercase marker phrases in a text, in any case, up
    /// to the next white space and lowercased, sorted so that "does the lowercased text contain a
    /// marker followed by X" is a binary search.
    struct Followers {
        private var words: [[UInt8]] = []

        init(_ text: String, after markers: [String]) {
            var text = text
            if UTF8Text.hasASCIILowercasingScalar(text) { text = TextHeuristics.lowercased(text) }
            let markers = markers.map { Array($0.utf8) }
            let firstBytes = Set(markers.map { $0[0] })
            precondition(firstBytes.count == 1 && firstBytes.first! < 0x41, "markers start with the same caseless byte")
            let firstByte = firstBytes.first!
            text.withUTF8 { bytes in
                for position in bytes.indices where bytes[position] == firstByte {
                    for marker in markers where PhraseSet.matches(marker, bytes, at: position) {
                        let start = position + marker.count
                        var end = start
                        var ascii = true
                        while end < bytes.count, !UTF8Text.isWhitespace(bytes, at: end) {
                            if bytes[end] >= 0x80 { ascii = false }
                            end += 1
                        }
                        let word = UnsafeBufferPointer(rebasing: bytes[start..<end])
                        words.append(
                            ascii ? word.map(UTF8Text.lowercasedASCII) : TextHeuristics.lowercasedUTF8(String(decoding: word, as: UTF8.self))
                        )
                    }
                }
            }
            words.sort { $0.lexicographicallyPrecedes($1) }
        }

        /// Whether some marker in the text is followed by a word starting with `prefix`.
        func containsPrefix(_ target: [UInt8]) -> Bool {
            var low = 0
            var high = words.count
            while low < high {
                let middle = (low + high) / 2
                if words[middle].lexicographicallyPrecedes(target) { low = middle + 1 } else { high = middle }
            }
            return low < words.count && words[low].starts(with: target)
        }
    }

    /// "Team vs Team" mentions, with a week number from the same sentence when there is one.
    static func gameReferences(_ sentences: [String]) -> [String] {
        var games: [String] = []
        for sentence in sentences {
            var text = sentence
            let mentionsGame = text.withUTF8 { bytes in
                // " vs" or " versus", both after " v".
                for index in bytes.indices.dropLast(2) where bytes[index] == 0x20 && bytes[index + 1] == 0x76 {
                    if bytes[index + 2] == 0x73 || UTF8Text.firstIndex(of: Self.versus, in: bytes, from: index) == index { return true }
                }
                return false
            }
            guard mentionsGame, let match = GamePattern.firstMatch(in: sentence)
            else { continue }
            let parts: [String] = match.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            let sides = parts.split { (part: String) -> Bool in part == "vs" || part == "vs." || part == "versus" }
            guard sides.count == 2 else { continue }
            let left = sides[0].drop { sentenceStarters.contains($0) }.joined(separator: " ")
            let right = sides[1].prefix { $0 != "Week" }.joined(separator: " ")
            guard !left.isEmpty, !right.isEmpty else { continue }
            var game = "\(left) vs \(right)"
            if let week = GamePattern.week(in: sentence) {
                game += ", \(week)"
            }
            if !games.contains(game) { games.append(game) }
        }
        return games
    }

    private static let versus = Array(" versus".utf8)

    /// Phrases that make a sentence an injury update.
    static let injuryPhrases = PhraseSet([
        "injury", "injured", "hamstring", "ankle", "knee", "concussion", "questionable", "doubtful", "sprain",
        "torn", "fracture", "injured reserve", "day-to-day", "shoulder", "groin", "achilles",
    ])

    static let positiveWords: Set<String> = [
        "win", "won", "wins", "victory", "record", "best", "strong", "success", "improved", "dominant", "celebrate",
        "praised", "impressive", "healthy", "return", "returns", "comeback", "star", "breakout", "clinched",
    ]
    static let negativeWords: Set<String> = [
        "loss", "lost", "lose", "injury", "injured", "suspended", "fined", "worst", "struggled", "struggle", "defeat",
        "out", "miss", "missed", "poor", "fumble", "interception", "controversy", "released", "criticism", "setback",
    ]
}
