import SummarizerCore

/// Reading a string's UTF-8 in place (it is valid: it comes from a `String`).
enum UTF8Text {
    /// The scalar that starts at `index`, and its length in bytes.
    @inline(__always) static func scalar(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> (Unicode.Scalar, Int) {
        let lead = UInt32(bytes[index])
        if lead < 0x80 { return (Unicode.Scalar(UInt8(lead)), 1) }
        let length = lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
        var value = lead & (0x7F >> UInt32(length))
        for offset in 1..<length { value = value << 6 | (UInt32(bytes[index + offset]) & 0x3F) }
        return (Unicode.Scalar(value) ?? "\u{FFFD}", length)
    }

    /// The scalar that ends at `end`, and where it starts.
    static func scalar(_ bytes: UnsafeBufferPointer<UInt8>, before end: Int) -> (Unicode.Scalar, Int) {
        var start = end - 1
        while start > 0, bytes[start] & 0xC0 == 0x80 { start -= 1 }
        return (scalar(bytes, at: start).0, start)
    }

    @inline(__always) static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x80 ? scalar.value == 0x20 || (0x09...0x0D).contains(scalar.value) : scalar.properties.isWhitespace
    }

    /// Whether the scalar at `index` is white space, and its length.
    @inline(__always) static func whitespace(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> (Bool, Int) {
        let byte = bytes[index]
        if byte < 0x80 { return (byte == 0x20 || (0x09...0x0D).contains(byte), 1) }
        let (scalar, length) = scalar(bytes, at: index)
        return (scalar.properties.isWhitespace, length)
    }

    @inline(__always) static func isWhitespace(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        whitespace(bytes, at: index).0
    }

    /// Letters, digits and the apostrophe.
    @inline(__always) static func isASCIIWordByte(_ byte: UInt8) -> Bool {
        (byte | 0x20) &- 0x61 < 26 || byte &- 0x30 < 10 || byte == 0x27
    }

    @inline(__always) static func lowercasedASCII(_ byte: UInt8) -> UInt8 {
        PhraseSet.lowercasedASCII(byte)
    }

    /// The lowercased text of `range`; `ascii` says it has only ASCII bytes.
    static func lowercased(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, ascii: Bool) -> String {
        guard ascii else {
            return TextHeuristics.lowercased(String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self))
        }
        // Words are short: usually built in place, without an allocation.
        return String(unsafeUninitializedCapacity: range.count) { buffer in
            for (offset, index) in range.enumerated() { buffer[offset] = lowercasedASCII(bytes[index]) }
            return range.count
        }
    }

    /// `range` without spaces and tabs at either end (`trimmingCharacters(in: .whitespaces)`), or nil when nothing is left.
    static func trimmingSpaces(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String? {
        // Foundation's set: spaces (Zs) and the tab, and the zero-width space as it always had it.
        func isSpace(_ scalar: Unicode.Scalar) -> Bool {
            switch scalar.value {
            case 0x20, 0x09, 0xA0, 0x1680, 0x2000...0x200B, 0x202F, 0x205F, 0x3000: true
            default: false
            }
        }
        var start = range.lowerBound
        var end = range.upperBound
        while start < end {
            let (scalar, length) = scalar(bytes, at: start)
            guard isSpace(scalar) else { break }
            start += length
        }
        while end > start {
            let (scalar, previous) = scalar(bytes, before: end)
            guard isSpace(scalar) else { break }
            end = previous
        }
        return start < end ? String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self) : nil
    }

    static func firstIndex(of needle: [UInt8], in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard let first = needle.first, bytes.count >= needle.count else { return nil }
        var index = start
        while index <= bytes.count - needle.count {
            if bytes[index] == first, needle.indices.allSatisfy({ bytes[index + $0] == needle[$0] }) { return index }
            index += 1
        }
        return nil
    }

    /// Whether `text` has one of the two scalars outside ASCII whose lowercase mapping holds an
    /// ASCII letter: U+0130 (İ, to "i̇") and U+212A (the Kelvin sign, to "k").
    static func hasASCIILowercasingScalar(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in bytes.indices.contains { isASCIILowercasingScalar(bytes, at: $0) } }
    }

    @inline(__always) static func isASCIILowercasingScalar(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        PhraseSet.isASCIILowercasingScalar(bytes, at: index)
    }
}
