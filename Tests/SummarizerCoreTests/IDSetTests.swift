import Testing

@testable import SummarizerCore

@Suite("IDSet")
struct IDSetTests {
    static func uuid(_ n: Int) -> String {
        let hex = String(n, radix: 16)
        return "00000000-0000-4000-8000-" + String(repeating: "0", count: 12 - hex.count) + hex
    }

    @Test func canonicalUUIDsAreKeptCompactlyAndOtherIdsAsTheyAre() {
        #expect(UUIDBits("5f2b8c1e-9d3a-4e7b-8a6f-0c1d2e3f4a5b") != nil)
        // Upper case, no hyphens, braces, other lengths: kept as strings, never merged with the
        // canonical form, since they are different ids to every sink.
        for id in [
            "5F2B8C1E-9D3A-4E7B-8A6F-0C1D2E3F4A5B", "5f2b8c1e9d3a4e7b8a6f0c1d2e3f4a5b", "{5f2b8c1e-9d3a-4e7b-8a6f-0c1d2e3f4a5b}", "item-1", "",
        ] {
            #expect(UUIDBits(id) == nil, "\(id)")
        }
        var set = IDSet()
        func add(_ id: String) -> Bool { set.insert(id) }
        #expect(add("5f2b8c1e-9d3a-4e7b-8a6f-0c1d2e3f4a5b"))
        #expect(!add("5f2b8c1e-9d3a-4e7b-8a6f-0c1d2e3f4a5b"))
        #expect(!set.contains("5F2B8C1E-9D3A-4E7B-8A6F-0C1D2E3F4A5B"))
        #expect(add("5F2B8C1E-9D3A-4E7B-8A6F-0C1D2E3F4A5B"))
        #expect(add("item-1"))
        #expect(set.contains("item-1"))
        #expect(!set.contains("item-2"))
        #expect(set.count == 3)
    }

    @Test func theAllZeroUUIDIsAnIdLikeAnyOther() {
        var set = IDSet()
        func add(_ id: String) -> Bool { set.insert(id) }
        let zero = "00000000-0000-0000-0000-000000000000"
        #expect(!set.contains(zero))
        #expect(add(zero))
        #expect(!add(zero))
        #expect(set.contains(zero))
        #expect(set.count == 1)
    }

    @Test func everyIdIsFoundAfterTheTableGrows() {
        var set = IDSet(["a", "b"])
        func add(_ id: String) -> Bool { set.insert(id) }
        for n in 0..<50_000 { #expect(add(Self.uuid(n * 7919))) }
        #expect(set.count == 50_002)
        #expect((0..<50_000).allSatisfy { set.contains(Self.uuid($0 * 7919)) })
        #expect(!(1..<7919).contains { set.contains(Self.uuid($0)) })
        #expect(set.contains("a") && set.contains("b"))
    }
}
