import CLibXML2
import CParseArena
import Foundation
import Synchronization
import Testing

@testable import HTMLExtraction

/// The allocator given to libxml2: arena blocks inside an arena, heap blocks outside, and blocks
/// of either kind (or of the plain C heap) freed and grown correctly wherever they are used.
@Suite struct ParseArenaTests {
    /// Fills `count` bytes at `block` with a pattern that tells blocks apart.
    static func fill(_ block: UnsafeMutableRawPointer, count: Int, seed: UInt8) {
        for offset in 0..<count { block.storeBytes(of: seed &+ UInt8(truncatingIfNeeded: offset), toByteOffset: offset, as: UInt8.self) }
    }

    static func holds(_ block: UnsafeMutableRawPointer, count: Int, seed: UInt8) -> Bool {
        (0..<count).allSatisfy { block.load(fromByteOffset: $0, as: UInt8.self) == seed &+ UInt8(truncatingIfNeeded: $0) }
    }

    @Test func smallBlocksComeFromTheArenaOnlyInsideIt() throws {
        let arena = try #require(summarizer_parse_arena_create())
        defer { summarizer_parse_arena_destroy(arena) }
        let outside = try #require(summarizer_parse_arena_malloc(64))
        #expect(summarizer_parse_arena_reserved(arena) == 0)
        let previous = summarizer_parse_arena_enter(arena)
        let inside = try #require(summarizer_parse_arena_malloc(64))
        // A large block goes to the heap even inside the arena.
        let large = try #require(summarizer_parse_arena_malloc(4 << 20))
        summarizer_parse_arena_enter(previous)
        let reserved = summarizer_parse_arena_reserved(arena)
        #expect(reserved > 0 && reserved < 4 << 20)
        #expect(Int(bitPattern: inside) % 16 == 0)
        Self.fill(inside, count: 64, seed: 7)
        #expect(Self.holds(inside, count: 64, seed: 7))
        summarizer_parse_arena_free(inside)
        summarizer_parse_arena_free(large)
        summarizer_parse_arena_free(outside)
        #expect(summarizer_parse_arena_reserved(arena) == reserved)
    }

    @Test func growingKeepsTheContentsWhereverTheBlockLives() throws {
        let arena = try #require(summarizer_parse_arena_create())
        defer { summarizer_parse_arena_destroy(arena) }
        let previous = summarizer_parse_arena_enter(arena)
        let older = try #require(summarizer_parse_arena_malloc(40))
        Self.fill(older, count: 40, seed: 1)
        let newest = try #require(summarizer_parse_arena_malloc(24))
        Self.fill(newest, count: 24, seed: 2)
        // The newest block grows where it is; an older one moves, contents and all.
        let grownNewest = try #require(summarizer_parse_arena_realloc(newest, 200))
        #expect(grownNewest == newest)
        #expect(Self.holds(grownNewest, count: 24, seed: 2))
        let grownOlder = try #require(summarizer_parse_arena_realloc(older, 300))
        #expect(grownOlder != older)
        #expect(Self.holds(grownOlder, count: 40, seed: 1))
        // Past the large-block size, a block moves to the heap.
        let moved = try #require(summarizer_parse_arena_realloc(grownOlder, 100_000))
        #expect(Self.holds(moved, count: 40, seed: 1))
        summarizer_parse_arena_enter(previous)
        // Outside the arena, an arena block grows into a heap block that frees normally.
        let copied = try #require(summarizer_parse_arena_realloc(grownNewest, 5_000))
        #expect(Self.holds(copied, count: 24, seed: 2))
        let duplicate = try #require(summarizer_parse_arena_strdup("a string"))
        #expect(String(cString: duplicate) == "a string")
        summarizer_parse_arena_free(duplicate)
        summarizer_parse_arena_free(copied)
        summarizer_parse_arena_free(moved)
    }

    @Test func aThreadKeepsChunksOfReleasedArenasForItsNextOnes() async throws {
        // On a thread of its own, so that no other test's arenas share its spare chunks.
        let counts: (before: Int32, kept: Int32, reused: Int32)? = await withCheckedContinuation { continuation in
            Thread {
                guard let first = summarizer_parse_arena_create(), let second = summarizer_parse_arena_create() else {
                    return continuation.resume(returning: nil)
                }
                let before = summarizer_parse_arena_spare_chunks()
                summarizer_parse_arena_enter(first)
                // Blocks of 1,024 bytes with their headers: 1,023 fill a chunk of 1 MiB, so 2,500 take three.
                for _ in 0..<2_500 { _ = summarizer_parse_arena_malloc(1_000) }
                summarizer_parse_arena_enter(nil)
                summarizer_parse_arena_destroy(first)
                let kept = summarizer_parse_arena_spare_chunks()
                summarizer_parse_arena_enter(second)
                _ = summarizer_parse_arena_malloc(1_000)
                summarizer_parse_arena_enter(nil)
                let reused = summarizer_parse_arena_spare_chunks()
                summarizer_parse_arena_destroy(second)
                continuation.resume(returning: (before, kept, reused))
            }.start()
        }
        let (before, kept, reused) = try #require(counts)
        #expect(before == 0)
        #expect(kept == 3)
        #expect(reused == kept - 1)
    }

    @Test func blocksFromThePlainHeapAreFreedAndGrown() throws {
        // libxml2 may have allocated blocks with malloc before the functions were installed.
        let plain = try #require(malloc(48))
        Self.fill(plain, count: 48, seed: 9)
        let grown = try #require(summarizer_parse_arena_realloc(plain, 4_096))
        #expect(Self.holds(grown, count: 48, seed: 9))
        summarizer_parse_arena_free(grown)
    }

    @Test func theParserLeavesNoErrorPointingIntoTheArena() throws {
        // Broken markup makes libxml2 record an error, with strings, in its per-thread state.
        let document = try #require(HTMLDocument(text: "<p>one<b>two</i></table><p x=\"a\" x=\"b\">"))
        #expect(xmlGetLastError() == nil)
        #expect(document.root != nil)
    }

    /// Parses `page`, adds a node after the parse (a heap block, freed with the document) and
    /// serializes the tree.
    static func render(_ page: String) -> String? {
        guard let document = HTMLDocument(text: page) else { return nil }
        xmlAddChild(document.root, xmlNewText("added after the parse"))
        return ScriptBodiesTests.serialized(document)
    }

    @Test func documentsParsedOnManyThreadsAtOnceAreThoseParsedOneByOne() throws {
        let pages = (0..<24).map { index in
            "<html><body><article><h1>Title \(index)</h1>"
                + (0..<(40 + index)).map { "<p class=\"c\(index)\">Paragraph \($0) of page \(index), <a href=\"/\($0)\">a link</a>.</p>" }.joined()
                + "</article><div><p>Footer</div></body></html>"
        }
        let expected = pages.map(Self.render)
        #expect(expected.allSatisfy { $0?.contains("added after the parse") == true })
        let results = Mutex([[String?]](repeating: [], count: pages.count))
        DispatchQueue.concurrentPerform(iterations: pages.count * 4) { iteration in
            let index = iteration % pages.count
            let text = Self.render(pages[index])
            results.withLock { $0[index].append(text) }
        }
        let rendered = results.withLock { $0 }
        for index in pages.indices {
            #expect(rendered[index] == Array(repeating: expected[index], count: 4), "page \(index)")
        }
    }
}
