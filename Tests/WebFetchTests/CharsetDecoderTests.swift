import Foundation
import Testing

@testable import WebFetch

@Suite("Charset decoding")
struct CharsetDecoderTests {
    @Test func metaCharsetSelectsWindows1252() {
        let html = "<html><head><meta charset=\"windows-1252\"></head><body>Pe\u{F1}a \u{201C}caf\u{E9}\u{201D} \u{2014} 5 \u{20AC}</body></html>"
        let bytes = Array(html.data(using: .windowsCP1252)!)
        let decoded = CharsetDecoder.decode(bytes)
        #expect(decoded.charset == "windows-1252")
        #expect(decoded.text.contains("Peña “café” — 5 €"))
    }

    @Test func httpEquivAndLatin1LabelMeanWindows1252() {
        let html = "<meta http-equiv='Content-Type' content='text/html; charset=ISO-8859-1'><p>M\u{FC}ller \u{93}x\u{94}"
        let bytes = html.unicodeScalars.map { UInt8($0.value) }
        let decoded = CharsetDecoder.decode(bytes)
        #expect(decoded.charset == "windows-1252")
        #expect(decoded.text.contains("Müller “x”"))
    }

    @Test func headerCharsetWinsOverMeta() {
        let bytes = Array("<meta charset=\"utf-8\"><p>caf".utf8) + [0xE9]
        let decoded = CharsetDecoder.decode(bytes, headerCharset: "iso-8859-1")
        #expect(decoded.text.hasSuffix("café"))
        #expect(CharsetDecoder.charset(fromContentType: "text/html; charset=\"Shift_JIS\"") == "Shift_JIS")
        #expect(CharsetDecoder.charset(fromContentType: "text/html") == nil)
    }

    @Test func byteOrderMarksAreHonoured() {
        #expect(CharsetDecoder.decode([0xEF, 0xBB, 0xBF] + Array("héllo".utf8)).text == "héllo")
        let units: [UInt8] = "hé".utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        let utf16: [UInt8] = [0xFF, 0xFE] + units
        let decoded = CharsetDecoder.decode(utf16)
        #expect(decoded.text == "hé")
        #expect(decoded.charset == "utf-16le")
    }

    @Test func invalidBytesAreReplacedNeverCrash() {
        let decoded = CharsetDecoder.decode(Array("ok ".utf8) + [0xC3, 0x28, 0xFF] + Array(" end".utf8))
        #expect(decoded.text.hasPrefix("ok "))
        #expect(decoded.text.hasSuffix(" end"))
        #expect(decoded.text.contains("\u{FFFD}"))
        let legacy = CharsetDecoder.decode([0x61, 0x81, 0x62], as: "windows-1252")
        #expect(legacy.text.first == "a")
        #expect(legacy.text.last == "b")
    }

    @Test func eastAsianEncodingsDecode() {
        let japanese = "日本語のニュース"
        let sjis = Array(japanese.data(using: .shiftJIS)!)
        #expect(CharsetDecoder.decode(Array("<meta charset=shift_jis>".utf8) + sjis).text.hasSuffix(japanese))
        // "뉴스" (news) in EUC-KR.
        let eucKR: [UInt8] = [0xB4, 0xBA, 0xBD, 0xBA]
        #expect(CharsetDecoder.decode(eucKR, as: "euc-kr").text == "뉴스")
        // "新闻" (news) in GBK, declared with the gb2312 label as many pages do.
        let gbk: [UInt8] = [0xD0, 0xC2, 0xCE, 0xC5]
        #expect(CharsetDecoder.decode(Array("<meta charset=\"gb2312\">".utf8) + gbk).text.hasSuffix("新闻"))
    }

    @Test func unknownLabelFallsBackToUTF8() {
        let decoded = CharsetDecoder.decode(Array("<meta charset=\"x-klingon\"><p>héllo".utf8))
        #expect(decoded.charset == "utf-8")
        #expect(decoded.text.hasSuffix("héllo"))
    }
}

@Suite("Meta charset")
struct MetaCharsetTests {
    @Test func theFirstMetaNamingACharsetWinsInAnyCaseAndQuoting() {
        #expect(CharsetDecoder.metaCharset(Array("<META CharSet = 'Windows-1251'>".utf8)) == "windows-1251")
        #expect(CharsetDecoder.metaCharset(Array("<meta name=x><meta charset=utf-8/>".utf8)) == "utf-8")
        #expect(CharsetDecoder.metaCharset(Array("<meta http-equiv=\"Content-Type\" content=\"text/html; charset=euc-jp\">".utf8)) == "euc-jp")
        // Only the first 1,024 bytes are read, and a charset outside a meta tag is not one.
        #expect(CharsetDecoder.metaCharset(Array((String(repeating: " ", count: 1_100) + "<meta charset=utf-8>").utf8)) == nil)
        #expect(CharsetDecoder.metaCharset(Array("<p>charset=utf-8</p><meta name=x>".utf8)) == nil)
        #expect(CharsetDecoder.metaCharset(Array("<meta charset=>".utf8)) == nil)
        #expect(CharsetDecoder.metaCharset([0xC9, 0x3C] + Array("meta charset=\"ISO-8859-2\">".utf8)) == "iso-8859-2")
    }
}
