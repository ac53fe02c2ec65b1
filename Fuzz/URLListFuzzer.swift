// libFuzzer entry point for the URL-list reader and parser: any bytes as a URL list, no crash,
// leak or hang out (junk must become rejections). Built with -enable-testing by Scripts/fuzz.sh.
import Foundation
import SummarizerCore

@testable import Builtins

let scratch = "/tmp/summarize-urllist-fuzz-\(getpid()).txt"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzURLList(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard FileManager.default.createFile(atPath: scratch, contents: Data(bytes: data, count: size)),
        let reader = try? LineReader(path: scratch)
    else { return 0 }
    let parser = URLListParser(baseDirectory: "/lists", listName: "fuzz.txt")
    while let line = try? reader.next() {
        _ = parser.parse(line)
    }
    return 0
}
