import CLibXML2
import CParseArena

/// libxml2's allocations while it parses a page come from one arena per document.
///
/// The parser allocates a small block for every node, attribute, name and text, and
/// `xmlFreeDoc` gives each back one at a time: `malloc` and `free` took about a seventh of an
/// extraction's time. The arena (`CParseArena`) hands out those blocks by moving a cursor, makes
/// their `free` a no-op and releases the whole document's memory at once after `xmlFreeDoc`.
///
/// The allocator is process-wide (`xmlMemSetup`) but the arena is per thread: only allocations
/// of up to 64 KiB made on a thread inside ``withArena(_:_:)`` come from the arena; every other
/// block (larger buffers, the parser's globals, nodes our rules add or copy after the parse,
/// libxml2's use elsewhere in the process) comes from the C heap and is freed as usual. Every
/// block carries a header saying which, and a block without one (allocated before
/// ``install()``) goes back to `free`.
enum ParseArena {
    /// Gives libxml2 the arena's allocation functions. Called once, before `xmlInitParser`.
    static func install() {
        xmlMemSetup(
            summarizer_parse_arena_free,
            summarizer_parse_arena_malloc,
            summarizer_parse_arena_realloc,
            summarizer_parse_arena_strdup
        )
    }

    /// Runs `body` (a parse) with `arena` as the calling thread's arena.
    ///
    /// The last error libxml2 keeps per thread holds strings allocated during the parse; it is
    /// cleared before leaving, so that nothing outside the document points into the arena when
    /// the document and its arena are released.
    static func withArena<Result>(_ arena: OpaquePointer?, _ body: () -> Result) -> Result {
        let previous = summarizer_parse_arena_enter(arena)
        defer {
            xmlResetLastError()
            summarizer_parse_arena_enter(previous)
        }
        return body()
    }
}
