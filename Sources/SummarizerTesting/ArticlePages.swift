/// Generated news-article pages for benchmarks and tests: a page chrome (navigation, a related
/// box, a footer) around an article whose sentences name people, teams, games and injuries, so
/// that every heuristic of the extractor and the mock summarizer has work to do.
///
/// The same index and size give the same page on every run and machine.
public enum ArticlePages {
    /// The page numbered `index`, about `bytes` long (never less than one paragraph).
    public static func page(_ index: Int, bytes: Int) -> String {
        var random = SeededGenerator(seed: UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9 &+ 1)
        let home = teams[random.below(teams.count)]
        var away = teams[random.below(teams.count)]
        if away == home { away = teams[(teams.firstIndex(of: home)! + 1) % teams.count] }
        let title = "\(home.city) \(home.name) \(verbs[random.below(verbs.count)]) \(away.city) in Week \(1 + random.below(17))"
        let author = person(&random)
        var html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>\(title) | Daily Sports Wire</title>
            <meta property="og:title" content="\(title)"><meta name="author" content="\(author)"></head>
            <body><header class="site-header"><nav class="main-nav"><a href="/">Home</a> <a href="/nfl">NFL</a> \
            <a href="/nba">NBA</a> <a href="/scores">Scores</a> <a href="/subscribe">Subscribe</a></nav></header>
            <main><article><h1>\(title)</h1><p class="byline">By \(author), staff writer</p>

            """
        let closing = """
            </article><aside class="related"><h2>More from Daily Sports Wire</h2><ul>\
            <li><a href="/a">Power rankings after Week 9</a></li><li><a href="/b">Trade tracker</a></li></ul></aside></main>
            <footer class="site-footer"><p>© 2026 Daily Sports Wire. All rights reserved.</p> \
            <a href="/privacy">Privacy</a> <a href="/terms">Terms</a></footer></body></html>

            """
        repeat {
            html += "<p>"
            for _ in 0..<(3 + random.below(3)) {
                html += sentence(&random, home: home, away: away) + " "
            }
            html += "</p>\n"
        } while html.utf8.count + closing.utf8.count < bytes
        return html + closing
    }

    struct Team: Equatable {
        var city: String
        var name: String
    }

    static let teams = [
        Team(city: "Kansas City", name: "Pioneers"), Team(city: "Portland", name: "Rangers"),
        Team(city: "Lakeview", name: "Mariners"), Team(city: "Cedar Falls", name: "Wolves"),
        Team(city: "Bay Harbor", name: "Admirals"), Team(city: "Summit", name: "Miners"),
        Team(city: "Riverton", name: "Falcons"), Team(city: "Oak Ridge", name: "Titans"),
    ]
    static let firstNames = ["Marcus", "Elena", "Darius", "Priya", "Tomás", "Keisha", "Jonah", "Mei", "Andre", "Sofia"]
    static let lastNames = ["Hale", "Okafor", "Lindqvist", "Ramírez", "Chen", "Whitaker", "Novak", "Adeyemi", "Brooks", "Moreau"]
    static let verbs = ["beat", "edge", "fall to", "rout", "stun", "hold off"]
    static let injuries = ["hamstring", "ankle", "knee", "shoulder", "concussion"]

    static func person(_ random: inout SeededGenerator) -> String {
        "\(firstNames[random.below(firstNames.count)]) \(lastNames[random.below(lastNames.count)])"
    }

    static func sentence(_ random: inout SeededGenerator, home: Team, away: Team) -> String {
        let player = person(&random)
        let coach = person(&random)
        let yards = 10 + random.below(140)
        switch random.below(8) {
        case 0:
            return "\(player) ran for \(yards) yards as the \(home.name) won their third straight game on Sunday."
        case 1:
            return "Coach \(coach) said the \(away.name) struggled to stop the run in the second half."
        case 2:
            return "\(player) is questionable for next week with a \(injuries[random.below(injuries.count)]) injury, the team said."
        case 3:
            return "The \(home.city) \(home.name) vs \(away.city) \(away.name) game drew a record crowd of \(40 + random.below(30)),000."
        case 4:
            return "“We executed the plan,” \(player) told reporters after the victory, adding that the defense was impressive."
        case 5:
            return "A late interception by \(player) sealed it, and the \(away.name) lost for the fourth time in five weeks."
        case 6:
            return "Dr. \(coach) of the team's medical staff expects \(player) to return at practice on Wednesday."
        default:
            return "The \(home.name) improved to \(1 + random.below(9))-\(random.below(6)) and will host the \(away.name) again in December."
        }
    }
}

/// A small, fast, seedable random number generator (SplitMix64), so generated inputs are the
/// same on every run and platform.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    /// The generator's state.
    public var state: UInt64

    /// A generator starting from `seed`; equal seeds give equal sequences.
    public init(seed: UInt64) { state = seed }

    /// The next number of the sequence.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `0..<bound`, by remainder (the generated pages depend on exactly this).
    public mutating func below(_ bound: Int) -> Int {
        Int(next() % UInt64(bound))
    }
}
