// libFuzzer entry point for the HTML extractors: any bytes in, no crash, leak or hang out.
// Built and run by Scripts/fuzz.sh (swiftc -sanitize=fuzzer,address); not part of the package.
import HTMLExtraction

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzExtractors(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let html = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    var readability = ReadabilityExtractor()
    readability.timeBudget = .seconds(1)
    _ = try? readability.extract(html: html)
    _ = PlainTextExtractor.text(of: html)
    return 0
}
