/// A fixed set of lowercase ASCII phrases, up to 63, found in one pass over a text's bytes as
/// they would be found in the lowercased text.
public struct PhraseSet: Sendable {
    /// The phrases as lowercase ASCII bytes, in the order given.
    public let phrases: [[UInt8]]
    /// A bit per phrase (`1 << index`), by the phrase's first byte.
    private let startingWith: [UInt64]
    /// A bit per phrase, by its second byte (a phrase of one byte under every byte): a start
    /// is tried only for the phrases both its bytes allow, since most bytes of a text start
    /// some phrase and few pairs do.
    private let continuingWith: [UInt64]
    /// The phrases of one byte, the only ones that can start at a text's last byte.
    private let singleBytes: UInt64

    /// A set of `phrases`; each must be lowercase ASCII, at most 63 of them.
    public init(_ phrases: [String]) {
        precondition(phrases.count < 64 && phrases.allSatisfy { !$0.isEmpty && $0 == $0.lowercased() && $0.utf8.allSatisfy { $0 < 0x80 } })
        self.phrases = phrases.map { Array($0.utf8) }
        // Indexed by any byte, upper case included, so the scan needs no other test.
        var table = [UInt64](repeating: 0, count: 256)
        // The lead bytes' bit passes the second-byte filter everywhere, so the scan still
        // stops at them.
        var second = [UInt64](repeating: Self.specialLeadByte, count: 256)
        var single: UInt64 = Self.specialLeadByte
        func set(_ table: inout [UInt64], _ byte: UInt8, _ bit: UInt64) {
            table[Int(byte)] |= bit
            if (0x61...0x7A).contains(byte) { table[Int(byte - 0x20)] |= bit }
        }
        for (index, phrase) in self.phrases.enumerated() {
            let bit: UInt64 = 1 << UInt64(index)
            set(&table, phrase[0], bit)
            if phrase.count > 1 {
                set(&second, phrase[1], bit)
            } else {
                single |= bit
                for byte in second.indices { second[byte] |= bit }
            }
        }
        table[0xC4] |= Self.specialLeadByte
        table[0xE2] |= Self.specialLeadByte
        startingWith = table
        continuingWith = second
        singleBytes = single
    }

    /// A bit per phrase (`1 << index`) that occurs in `text.lowercased()`.
    public func found(inLowercased text: String) -> UInt64 {
        var text = text
        // One of the two scalars outside ASCII that lowercase to ASCII letters: lowercase for real.
        return text.withUTF8 { scan($0) } ?? self.found(inLowercased: text.lowercased())
    }

    /// A bit per phrase (`1 << index`) that occurs in the lowercased UTF-8 `bytes`: for text
    /// at hand as bytes, with no string made unless it holds one of the two scalars below.
    public func found(inLowercasedBytes bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        scan(bytes) ?? found(inLowercased: String(decoding: bytes, as: UTF8.self))
    }

    /// The phrases found in `bytes` as they would be in their lowercase form; `nil` when the
    /// bytes hold a scalar outside ASCII that lowercases to an ASCII letter.
    private func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64? {
        var found: UInt64 = 0
        return startingWith.withUnsafeBufferPointer { table in
            continuingWith.withUnsafeBufferPointer { second in
                for start in bytes.indices {
                    var candidates = table[Int(bytes[start])] & ~found
                    guard candidates != 0 else { continue }
                    candidates &= start + 1 < bytes.count ? second[Int(bytes[start + 1])] : singleBytes
                    guard candidates != 0 else { continue }
                    if candidates & Self.specialLeadByte != 0 {
                        if Self.isASCIILowercasingScalar(bytes, at: start) { return nil }
                        candidates &= ~Self.specialLeadByte
                    }
                    while candidates != 0 {
                        let index = candidates.trailingZeroBitCount
                        candidates &= candidates - 1
                        if Self.matches(phrases[index], bytes, at: start) { found |= 1 << UInt64(index) }
                    }
                }
                return found
            }
        }
    }

    /// The bits of `phrases`, each of which must be one of the set's.
    public func mask(_ phrases: [String]) -> UInt64 {
        phrases.reduce(0) { $0 | bit($1) }
    }

    /// The bit that marks the lead bytes of the scalars that lowercase to ASCII letters.
    private static let specialLeadByte: UInt64 = 1 << 63

    /// Whether any phrase occurs in `text.lowercased()`.
    public func occurs(inLowercased text: String) -> Bool { found(inLowercased: text) != 0 }

    /// The bit of `phrase`, which must be one of the set's.
    public func bit(_ phrase: String) -> UInt64 {
        1 << UInt64(phrases.firstIndex(of: Array(phrase.utf8))!)
    }

    /// Whether `phrase` (lowercase ASCII) starts at `start` in the lowercased bytes.
    @inline(__always) package static func matches(_ phrase: [UInt8], _ bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> Bool {
        guard bytes.count - start >= phrase.count else { return false }
        for offset in phrase.indices where lowercasedASCII(bytes[start + offset]) != phrase[offset] { return false }
        return true
    }

    /// `byte` with ASCII upper case folded to lower case; other bytes as they are.
    @inline(__always) package static func lowercasedASCII(_ byte: UInt8) -> UInt8 {
        byte &- 0x41 < 26 ? byte | 0x20 : byte
    }

    /// Whether one of the two scalars outside ASCII whose lowercase mapping holds an ASCII letter
    /// starts at `index`: U+0130 (İ, to "i̇") and U+212A (the Kelvin sign, to "k").
    @inline(__always) public static func isASCIILowercasingScalar(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        switch bytes[index] {
        case 0xC4: bytes.count - index >= 2 && bytes[index + 1] == 0xB0
        case 0xE2: bytes.count - index >= 3 && bytes[index + 1] == 0x84 && bytes[index + 2] == 0xAA
        default: false
        }
    }
}
