import Foundation
import SummarizerCore
import Synchronization

/// What a dead-letter file holds, by item id: read once, when a run first asks, and kept up to
/// date with what the run appends and delivers (a few dozen bytes per failed item).
final class DeadLetterIndex: Sendable {
    struct Entry: Sendable {
        var failedRuns: Int
        var lines: Int
        /// Where the newest line holding a failure at the sink stage starts, and its length.
        var sinkLine: (offset: Int, length: Int)?
        var failedIn: [String]?
    }

    private struct State {
        var entries: [String: Entry]?
        var loadedAt = Date()
        var needsCompaction = false
        var resolved: Set<String> = []
    }

    let path: String
    private let state = Mutex(State())

    init(path: String) {
        self.path = path
    }

    /// What the file holds of earlier failures of `ids`.
    func earlierFailures(of ids: [String]) throws(PipelineError) -> [String: EarlierFailure] {
        let entries = try loadedEntries()
        var found: [String: EarlierFailure] = [:]
        var records: [String: SummaryRecord] = [:]
        let wanted = ids.compactMap { id in entries[id].map { (id, $0) } }
        if wanted.contains(where: { $0.1.sinkLine != nil }) {
            records = readRecords(wanted.compactMap { id, entry in entry.sinkLine.map { (id, $0) } })
        }
        for (id, entry) in wanted {
            found[id] = EarlierFailure(failedRuns: entry.failedRuns, record: records[id], failedIn: entry.failedIn)
        }
        return found
    }

    /// Counts failures the run appended; an item that already had a line makes the file due for
    /// compaction.
    func appended(_ failures: [FailureRecord]) {
        state.withLock { state in
            guard state.entries != nil else {
                // Not known what the file held: merge at the end to be sure.
                state.needsCompaction = true
                return
            }
            for failure in failures {
                if var entry = state.entries?[failure.newsURLID] {
                    entry.lines += 1
                    entry.failedRuns += failure.failedRuns
                    entry.sinkLine = nil
                    state.entries?[failure.newsURLID] = entry
                    state.needsCompaction = true
                } else {
                    state.entries?[failure.newsURLID] = Entry(failedRuns: failure.failedRuns, lines: 1, failedIn: failure.failedIn)
                }
            }
        }
    }

    /// Notes items every sink now holds: their earlier lines are dropped at compaction.
    func resolved(_ ids: [String]) {
        state.withLock { state in
            guard let entries = state.entries else { return }
            for id in ids where entries[id] != nil {
                state.resolved.insert(id)
                state.needsCompaction = true
            }
        }
    }

    var needsCompaction: Bool { state.withLock { $0.needsCompaction } }
    var resolvedIDs: Set<String> { state.withLock { $0.resolved } }
    /// When the file was read: lines of resolved items older than this are dropped, newer ones
    /// (another run's) are not.
    var loadedAt: Date { state.withLock { $0.loadedAt } }

    /// Forgets everything, after the file was rewritten.
    func reset() {
        state.withLock { $0 = State() }
    }

    private func loadedEntries() throws(PipelineError) -> [String: Entry] {
        if let entries = state.withLock({ $0.entries }) { return entries }
        let loadedAt = Date()
        var entries: [String: Entry] = [:]
        var repeated = false
        if FileManager.default.fileExists(atPath: path) {
            let fd = Foundation.open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                throw PipelineError(.misconfigured, "cannot read \(path): \(String(cString: strerror(errno)))")
            }
            defer { Foundation.close(fd) }
            let decoder = JSONDecoder()
            try JSONLinesFile.forEachLine(fd, path: path) { line, offset in
                guard let failure = try? decoder.decode(FailureRecord.self, from: Data(line)) else { return }
                var entry = entries[failure.newsURLID] ?? Entry(failedRuns: 0, lines: 0)
                entry.lines += 1
                entry.failedRuns += failure.failedRuns
                if failure.stage == .sink, failure.record != nil {
                    entry.sinkLine = (offset, line.count)
                    entry.failedIn = failure.failedIn
                } else {
                    entry.sinkLine = nil
                    entry.failedIn = nil
                }
                if entry.lines > 1 { repeated = true }
                entries[failure.newsURLID] = entry
            }
        }
        return state.withLock { state in
            if let known = state.entries { return known }
            state.entries = entries
            state.loadedAt = loadedAt
            if repeated { state.needsCompaction = true }
            return entries
        }
    }

    /// The stored records at the given places; a line no longer there (the file was rewritten
    /// meanwhile) yields none, and the item is summarized again.
    private func readRecords(_ places: [(String, (offset: Int, length: Int))]) -> [String: SummaryRecord] {
        let fd = Foundation.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return [:] }
        defer { Foundation.close(fd) }
        let decoder = JSONDecoder()
        var records: [String: SummaryRecord] = [:]
        for (id, place) in places {
            var bytes = [UInt8](repeating: 0, count: place.length)
            let count = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, place.length, off_t(place.offset)) }
            guard count == place.length, let failure = try? decoder.decode(FailureRecord.self, from: Data(bytes)),
                failure.newsURLID == id, let record = failure.record
            else { continue }
            records[id] = record
        }
        return records
    }
}
