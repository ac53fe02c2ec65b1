import Foundation

/// Finds a page's character encoding and decodes its bytes to text.
///
/// Order of evidence, as browsers use it: the HTTP header's charset, a byte-order mark, a
/// `<meta charset>` or `http-equiv` declaration in the first 1024 bytes, then UTF-8.
/// Legacy encodings are decoded with the system's iconv; invalid bytes become U+FFFD.
public enum CharsetDecoder {
    /// The result of decoding.
    public struct Decoded: Sendable, Hashable {
        /// The decoded text.
        public var text: String
        /// The encoding's canonical label, e.g. `utf-8`, `windows-1252`.
        public var charset: String
    }

    /// Decodes `bytes`, given the charset of a `Content-Type` header if there was one.
    public static func decode(_ bytes: [UInt8], headerCharset: String? = nil) -> Decoded {
        if let label = headerCharset, let charset = canonical(label) {
            return decode(bytes, as: charset)
        }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { return decode(Array(bytes.dropFirst(3)), as: "utf-8") }
        if bytes.starts(with: [0xFF, 0xFE]) { return decode(Array(bytes.dropFirst(2)), as: "utf-16le") }
        if bytes.starts(with: [0xFE, 0xFF]) { return decode(Array(bytes.dropFirst(2)), as: "utf-16be") }
        if let label = metaCharset(bytes), let charset = canonical(label) {
            // A page that says UTF-16 in ASCII-compatible bytes is not UTF-16 (HTML standard).
            let usable = charset.hasPrefix("utf-16") ? "utf-8" : charset
            // Pages re-saved as UTF-8 often keep their old meta tag. Non-ASCII text that is valid
            // UTF-8 is almost never legacy-encoded by accident, so the bytes win over the tag.
            if usable != "utf-8", bytes.contains(where: { $0 >= 0x80 }), String(validating: bytes, as: UTF8.self) != nil {
                return decode(bytes, as: "utf-8")
            }
            return decode(bytes, as: usable)
        }
        return decode(bytes, as: "utf-8")
    }

    /// The charset parameter of a `Content-Type` value, e.g. `text/html; charset=ISO-8859-1`.
    public static func charset(fromContentType value: String) -> String? {
        for parameter in value.split(separator: ";").dropFirst() {
            let parts = parameter.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces).lowercased() == "charset" else { continue }
            let charset = parts[1].trimmingCharacters(in: CharacterSet.whitespaces.union(CharacterSet(charactersIn: "\"'")))
            return charset.isEmpty ? nil : charset
        }
        return nil
    }

    /// The charset declared by a `<meta>` tag in the first 1024 bytes.
    public static func metaCharset(_ bytes: [UInt8]) -> String? {
        // ASCII case folding of the bytes is all the matching needs; the label found is
        // decoded as Latin-1, one character a byte.
        let head = bytes.prefix(1024).map { $0 &- 0x41 < 26 ? $0 | 0x20 : $0 }
        func find(_ needle: String, from start: Int, before end: Int) -> Int? {
            let needle = Array(needle.utf8)
            guard end - start >= needle.count else { return nil }
            return (start...(end - needle.count)).first { head[$0..<$0 + needle.count].elementsEqual(needle) }
        }
        let quotesAndSpace: [UInt8] = Array(" \"'".utf8)
        let valueEnds: [UInt8] = Array(" \"';/>".utf8)
        var searchStart = 0
        while let meta = find("<meta", from: searchStart, before: head.count) {
            let tagStart = meta + 5
            let tagEnd = head[tagStart...].firstIndex(of: UInt8(ascii: ">")) ?? head.count
            if let found = find("charset", from: tagStart, before: tagEnd) {
                var index = found + 7
                while index < tagEnd, head[index] == UInt8(ascii: " ") { index += 1 }
                if index < tagEnd, head[index] == UInt8(ascii: "=") {
                    index += 1
                    while index < tagEnd, quotesAndSpace.contains(head[index]) { index += 1 }
                    var end = index
                    while end < tagEnd, !valueEnds.contains(head[end]) { end += 1 }
                    if end > index {
                        return String(String.UnicodeScalarView(head[index..<end].map { Unicode.Scalar($0) })).lowercased()
                    }
                }
            }
            searchStart = tagEnd
        }
        return nil
    }

    /// The canonical name of an encoding label (WHATWG aliases), or `nil` if unknown.
    public static func canonical(_ label: String) -> String? {
        let key = label.trimmingCharacters(in: .whitespaces).lowercased()
        if let alias = aliases[key] { return alias }
        if key.hasPrefix("iso-8859-") || key.hasPrefix("windows-125") { return key }
        if key.hasPrefix("iso8859-") { return "iso-8859-" + key.dropFirst(8) }
        return nil
    }

    private static let aliases: [String: String] = [
        "utf-8": "utf-8", "utf8": "utf-8", "unicode-1-1-utf-8": "utf-8",
        "utf-16": "utf-16le", "utf-16le": "utf-16le", "utf-16be": "utf-16be",
        // The web treats these Latin-1 labels as windows-1252, its superset.
        "iso-8859-1": "windows-1252", "latin1": "windows-1252", "l1": "windows-1252", "ascii": "windows-1252",
        "us-ascii": "windows-1252", "cp1252": "windows-1252", "cp819": "windows-1252", "iso_8859-1": "windows-1252",
        "x-cp1252": "windows-1252", "cp1251": "windows-1251", "cp1250": "windows-1250",
        "latin2": "iso-8859-2", "iso-8859-15": "iso-8859-15", "latin9": "iso-8859-15",
        "shift_jis": "shift_jis", "shift-jis": "shift_jis", "sjis": "shift_jis", "x-sjis": "shift_jis",
        "ms_kanji": "shift_jis", "windows-31j": "shift_jis", "csshiftjis": "shift_jis",
        "euc-jp": "euc-jp", "x-euc-jp": "euc-jp", "iso-2022-jp": "iso-2022-jp",
        "euc-kr": "euc-kr", "ks_c_5601-1987": "euc-kr", "korean": "euc-kr", "windows-949": "euc-kr",
        "gbk": "gbk", "gb2312": "gbk", "x-gbk": "gbk", "chinese": "gbk", "gb_2312-80": "gbk", "cp936": "gbk",
        "gb18030": "gb18030", "big5": "big5", "big5-hkscs": "big5", "x-x-big5": "big5",
        "koi8-r": "koi8-r", "koi8-u": "koi8-u", "windows-874": "windows-874", "tis-620": "windows-874",
        "macintosh": "macintosh", "x-mac-roman": "macintosh",
    ]

    /// iconv's names for canonical labels where they differ; supersets where the web uses them.
    private static let iconvNames: [String: String] = [
        "shift_jis": "CP932", "euc-kr": "CP949", "gbk": "GB18030", "big5": "BIG5-HKSCS", "windows-874": "CP874",
        "macintosh": "MACINTOSH",
    ]

    /// Decodes `bytes` as `charset`; invalid sequences become U+FFFD.
    public static func decode(_ bytes: [UInt8], as charset: String) -> Decoded {
        if charset == "utf-8" {
            return Decoded(text: String(decoding: bytes, as: UTF8.self), charset: charset)
        }
        let name = iconvNames[charset] ?? charset.uppercased()
        guard let text = Iconv.decode(bytes, from: name) else {
            return Decoded(text: String(decoding: bytes, as: UTF8.self), charset: "utf-8")
        }
        return Decoded(text: text, charset: charset)
    }
}

/// The system's iconv, for legacy encodings Foundation does not cover on Linux.
enum Iconv {
    /// Decodes to UTF-8; `nil` if iconv does not know the encoding.
    static func decode(_ input: [UInt8], from encoding: String) -> String? {
        let descriptor = iconv_open("UTF-8", encoding)
        guard let descriptor, descriptor != iconv_t(bitPattern: -1) else { return nil }
        defer { iconv_close(descriptor) }

        var output = [UInt8]()
        output.reserveCapacity(input.count + input.count / 2)
        var buffer = [UInt8](repeating: 0, count: max(4096, input.count * 2))
        var input = input
        input.withUnsafeMutableBufferPointer { inputBuffer in
            var inPointer = UnsafeMutableRawPointer(inputBuffer.baseAddress)?.assumingMemoryBound(to: CChar.self)
            var inLeft = inputBuffer.count
            while inLeft > 0 {
                buffer.withUnsafeMutableBufferPointer { outputBuffer in
                    var outPointer = UnsafeMutableRawPointer(outputBuffer.baseAddress)?.assumingMemoryBound(to: CChar.self)
                    var outLeft = outputBuffer.count
                    let result = iconv(descriptor, &inPointer, &inLeft, &outPointer, &outLeft)
                    output.append(contentsOf: outputBuffer[0..<(outputBuffer.count - outLeft)])
                    if result == -1 {
                        switch errno {
                        case E2BIG:
                            break
                        default:
                            // EILSEQ or a truncated sequence at the end: replace one byte, go on.
                            output.append(contentsOf: [0xEF, 0xBF, 0xBD])
                            inPointer = inPointer.map { $0 + 1 }
                            inLeft -= 1
                            _ = iconv(descriptor, nil, nil, nil, nil)
                        }
                    }
                }
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}
