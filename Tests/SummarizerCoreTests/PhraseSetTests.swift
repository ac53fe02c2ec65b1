import Testing

@testable import SummarizerCore

@Suite struct PhraseSetTests {
    /// The scan tries a start only where the first two bytes allow a phrase; on every text of
    /// up to four symbols it must find what `lowercased().contains` finds.
    @Test func findsWhatTheLowercasedTextContains() {
        let phrases = ["a", "ad", "-ad-", "hid", "x", "zz", "sh", "k"]
        let set = PhraseSet(phrases)
        // Bytes the phrases are made of, upper case, a separator, a letter outside ASCII, and
        // the two scalars that lowercase to ASCII letters (the Kelvin sign to "k").
        let alphabet: [String] = ["a", "A", "d", "-", "s", "H", "i", "x", "z", " ", "é", "\u{212A}", "İ"]
        var texts = [""]
        var wrong: [String] = []
        for _ in 1...4 {
            texts = texts.flatMap { text in alphabet.map { text + $0 } }
            for text in texts {
                let lowered = text.lowercased()
                let expected = phrases.reduce(UInt64(0)) { lowered.contains($1) ? $0 | set.bit($1) : $0 }
                var copy = lowered
                if set.found(inLowercased: text) != expected || copy.withUTF8({ set.found(inLowercasedBytes: $0) }) != expected {
                    wrong.append(text)
                }
            }
        }
        #expect(wrong.isEmpty, "\(wrong.prefix(10))")
    }

    @Test func masksHoldTheirPhrasesBits() {
        let set = PhraseSet(["footer", "menu", "article"])
        let frame = set.mask(["footer", "menu"])
        #expect(set.found(inLowercased: "site-FOOTER") & frame != 0)
        #expect(set.found(inLowercased: "article-body") & frame == 0)
        #expect(frame == set.bit("footer") | set.bit("menu"))
    }
}
