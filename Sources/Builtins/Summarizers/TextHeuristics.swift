import Foundation

/// Small, deterministic text heuristics for the mock summarizer.
enum TextHeuristics {
    private static let abbreviations: Set<String> = [
        "mr", "mrs", "ms", "dr", "st", "jr", "sr", "vs", "no", "inc", "co", "corp", "lt", "gen", "sgt", "etc", "e.g", "i.e",
        "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "a.m", "p.m",
    ]

    /// Splits text into sentences at `.`, `!` or `?` followed by white space, skipping common
    /// abbreviations and initials.
    static func sentences(_ text: String) -> [String] {
        var sentences: [String] = []
        for paragraph in text.components(separatedBy: "\n") {
            var current = ""
            let characters = Array(paragraph)
            var index = 0
            while index < characters.count {
                let character = characters[index]
                current.append(character)
                let atEnd = index + 1 == characters.count
                if ".!?".contains(character), atEnd || characters[index + 1].isWhitespace {
                    let lastWord = current.split(whereSeparator: \.isWhitespace).last.map(String.init) ?? ""
                    let bare = lastWord.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: ".\"'()“”‘’"))
                    let isAbbreviation = character == "." && (abbreviations.contains(bare) || bare.count == 1)
                    if !isAbbreviation {
                        let sentence = current.trimmingCharacters(in: .whitespaces)
                        if !sentence.isEmpty { sentences.append(sentence) }
                        current = ""
                    }
                }
                index += 1
            }
            let rest = current.trimmingCharacters(in: .whitespaces)
            if !rest.isEmpty { sentences.append(rest) }
        }
        return sentences
    }

    static func words(_ text: String) -> [String] {
        text.split { !$0.isLetter && !$0.isNumber && $0 != "'" && $0 != "’" }.map(String.init)
    }

    static let stopWords: Set<String> = [
        "the", "a", "an", "and", "or", "but", "of", "to", "in", "on", "at", "for", "with", "by", "from", "as", "is", "was",
        "are", "were", "be", "been", "it", "its", "this", "that", "these", "those", "he", "she", "they", "his", "her",
        "their", "we", "our", "you", "i", "not", "no", "has", "have", "had", "will", "would", "can", "could", "after",
        "before", "said", "says", "also", "than", "then", "there", "who", "which", "what", "when", "into", "over", "about",
        "le", "la", "les", "de", "des", "du", "et", "un", "une", "en", "el", "los", "las", "der", "die", "das", "und",
    ]

    /// The sentences that carry the most frequent content words, in article order.
    static func keySentences(_ sentences: [String], count: Int) -> [String] {
        var frequency: [String: Int] = [:]
        for sentence in sentences {
            for word in words(sentence) {
                let lowered = word.lowercased()
                if !stopWords.contains(lowered), lowered.count > 2 { frequency[lowered, default: 0] += 1 }
            }
        }
        let scored = sentences.enumerated().map { index, sentence -> (Int, Double) in
            let content = words(sentence).map { $0.lowercased() }.filter { !stopWords.contains($0) && $0.count > 2 }
            guard content.count >= 4 else { return (index, 0) }
            let score = Double(content.reduce(0) { $0 + (frequency[$1] ?? 0) }) / Double(content.count).squareRoot()
            return (index, score)
        }
        let chosen = scored.filter { $0.1 > 0 }.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.prefix(count).map(\.0)
        return chosen.sorted().map { sentences[$0] }
    }

    private static let sentenceStarters: Set<String> = [
        "The", "A", "An", "In", "On", "At", "After", "Before", "But", "And", "He", "She", "They", "It", "This", "That",
        "When", "With", "For", "His", "Her", "Their", "We", "Our", "If", "As", "By", "From", "Last", "Next", "Sources",
        "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January", "February", "March",
        "April", "May", "June", "July", "August", "September", "October", "November", "December", "Week", "Le", "La",
        "Les", "El", "Der", "Die", "Das", "Il", "Coach", "Head", "Quarterback", "General", "Manager", "Against",
        "Over", "Still", "Home", "Sorry", "Both", "Weather", "Kicker", "Council", "Wide", "Tight", "Offensive",
    ]

    /// Runs of capitalized words, e.g. "Kansas City Chiefs", "Marcus Hale".
    static func capitalizedRuns(_ sentence: String) -> [[String]] {
        var runs: [[String]] = []
        var current: [String] = []
        for raw in sentence.split(whereSeparator: \.isWhitespace) {
            let trailingBreak = raw.last.map { ",.;:!?)”\"".contains($0) } ?? false
            let word = raw.trimmingCharacters(in: CharacterSet(charactersIn: ",.;:!?()“”\"'’s")).isEmpty
                ? "" : String(raw).trimmingCharacters(in: CharacterSet(charactersIn: ",.;:!?()“”\""))
            let bare = word.hasSuffix("'s") || word.hasSuffix("’s") ? String(word.dropLast(2)) : word
            if let first = bare.first, first.isUppercase, bare.count > 1, bare.dropFirst().contains(where: \.isLowercase) {
                if current.isEmpty, sentenceStarters.contains(bare) {
                    // A capital that only starts the sentence, not a name.
                } else {
                    current.append(bare)
                }
            } else if !current.isEmpty {
                runs.append(current)
                current = []
            }
            if trailingBreak || bare != word, !current.isEmpty {
                runs.append(current)
                current = []
            }
        }
        if !current.isEmpty { runs.append(current) }
        return runs
    }

    /// Words that make a capitalized run a place or an organisation rather than a person.
    private static let organisationWords: Set<String> = [
        "Field", "Stadium", "Arena", "Park", "Sports", "Daily", "News", "Wire", "Ledger", "Council", "Club", "Media",
        "Tribune", "Times", "Post", "Press", "Diario", "Deportivo", "Season", "Result", "City", "University", "League",
    ]

    /// People ("FirstName LastName") and teams by shape: a team is a run whose last word the
    /// text also uses on its own after "the" ("the Pioneers"), or that ends in a plural.
    static func entities(_ sentences: [String]) -> (people: [String], teams: [String]) {
        let lowered = " " + sentences.joined(separator: " ").lowercased()
        var people: [String] = []
        var teams: [String] = []
        for sentence in sentences {
            for run in capitalizedRuns(sentence) {
                let name = run.joined(separator: " ")
                guard let last = run.last, run.count <= 4 else { continue }
                let referredAsTeam = lowered.contains(" the \(last.lowercased())") || lowered.contains(" los \(last.lowercased())")
                let plural = last.hasSuffix("ers") || last.hasSuffix("men") || last.hasSuffix("ons") || last.hasSuffix("os")
                if run.count >= 2, referredAsTeam || plural {
                    if !teams.contains(name) { teams.append(name) }
                } else if run.count == 2 || (run.count == 3 && run[1].count <= 2),
                    !run.contains(where: organisationWords.contains)
                {
                    if !people.contains(name) { people.append(name) }
                }
            }
        }
        // A person's name that is part of a team's name is the team's city, not a person.
        people.removeAll { person in teams.contains { $0.hasPrefix(person + " ") || $0 == person } }
        return (people, teams)
    }

    private static let gamePattern =
        #"\p{Lu}[\p{L}'’-]+(?: \p{Lu}[\p{L}'’-]+){0,3} (?:vs\.?|versus) \p{Lu}[\p{L}'’-]+(?: \p{Lu}[\p{L}'’-]+){0,3}"#

    /// "Team vs Team" mentions, with a week number from the same sentence when there is one.
    static func gameReferences(_ sentences: [String]) -> [String] {
        var games: [String] = []
        for sentence in sentences {
            guard let match = sentence.range(of: gamePattern, options: .regularExpression) else { continue }
            let sides = sentence[match].components(separatedBy: " ").split { $0 == "vs" || $0 == "vs." || $0 == "versus" }
            guard sides.count == 2 else { continue }
            let left = sides[0].drop { sentenceStarters.contains($0) }.joined(separator: " ")
            let right = sides[1].prefix { $0 != "Week" }.joined(separator: " ")
            guard !left.isEmpty, !right.isEmpty else { continue }
            var game = "\(left) vs \(right)"
            if let week = sentence.range(of: #"Week \d+"#, options: .regularExpression) {
                game += ", \(sentence[week])"
            }
            if !games.contains(game) { games.append(game) }
        }
        return games
    }

    static let injuryWords = [
        "injury", "injured", "hamstring", "ankle", "knee", "concussion", "questionable", "doubtful", "sprain",
        "torn", "fracture", "injured reserve", "day-to-day", "shoulder", "groin", "achilles",
    ]

    static let positiveWords: Set<String> = [
        "win", "won", "wins", "victory", "record", "best", "strong", "success", "improved", "dominant", "celebrate",
        "praised", "impressive", "healthy", "return", "returns", "comeback", "star", "breakout", "clinched",
    ]
    static let negativeWords: Set<String> = [
        "loss", "lost", "lose", "injury", "injured", "suspended", "fined", "worst", "struggled", "struggle", "defeat",
        "out", "miss", "missed", "poor", "fumble", "interception", "controversy", "released", "criticism", "setback",
    ]
}
