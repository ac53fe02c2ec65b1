/// A set of item ids that keeps the usual ones, UUIDs written the canonical way (lowercase, with
/// hyphens: `news_urls.id`, and the ids derived from URLs), in 16 bytes each instead of a
/// 36-byte string on the heap; any other id is kept as it is.
///
/// Runs keep one entry per item (the ids seen, those a file holds), so this is what their
/// memory grows by: 16 to 32 bytes an item in a table of its own, against about 100 as strings
/// in a `Set`.
public struct IDSet: Sendable {
    private var uuids = UUIDTable()
    private var others: Set<String> = []

    /// An empty set.
    public init() {}

    /// A set of `ids`.
    public init(_ ids: some Sequence<String>) {
        for id in ids { insert(id) }
    }

    /// How many ids the set holds.
    public var count: Int { uuids.count + others.count }
    /// Whether the set holds none.
    public var isEmpty: Bool { count == 0 }

    /// Whether the set holds `id`.
    public func contains(_ id: String) -> Bool {
        if let bits = UUIDBits(id) { return uuids.contains(bits) }
        return others.contains(id)
    }

    /// Adds `id`; false when it was there already.
    @discardableResult
    public mutating func insert(_ id: String) -> Bool {
        if let bits = UUIDBits(id) { return uuids.insert(bits) }
        return others.insert(id).inserted
    }
}

/// The 128 bits of a UUID in its canonical text form; nil for any other text (upper case
/// included, so that two different strings never share an entry).
struct UUIDBits: Hashable, Sendable {
    var high: UInt64
    var low: UInt64

    init?(_ text: String) {
        var text = text
        guard let bits = text.withUTF8({ Self.parse($0) }) else { return nil }
        self = bits
    }

    init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> UUIDBits? {
        guard bytes.count == 36 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        var digits = 0
        for (index, byte) in bytes.enumerated() {
            if index == 8 || index == 13 || index == 18 || index == 23 {
                guard byte == UInt8(ascii: "-") else { return nil }
                continue
            }
            let value: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = byte - UInt8(ascii: "a") + 10
            default: return nil
            }
            if digits < 16 {
                high = high << 4 | UInt64(value)
            } else {
                low = low << 4 | UInt64(value)
            }
            digits += 1
        }
        return UUIDBits(high: high, low: low)
    }
}

/// An open-addressing hash table of UUIDs, two words a bucket, filled up to seven eighths
/// before it doubles (a `Set` doubles at three quarters and keeps more per bucket).
struct UUIDTable: Sendable {
    /// Buckets of two words; all zero is empty (the all-zero UUID is kept in `hasZero`).
    private var words: [UInt64] = []
    private var hasZero = false
    private(set) var count = 0

    private var bucketCount: Int { words.count / 2 }

    func contains(_ bits: UUIDBits) -> Bool {
        if bits.high == 0, bits.low == 0 { return hasZero }
        guard bucketCount > 0 else { return false }
        var bucket = Self.bucket(of: bits, in: bucketCount)
        while true {
            let high = words[2 * bucket]
            let low = words[2 * bucket + 1]
            if high == 0, low == 0 { return false }
            if high == bits.high, low == bits.low { return true }
            bucket = (bucket + 1) & (bucketCount - 1)
        }
    }

    /// Adds `bits`; false when they were there already.
    mutating func insert(_ bits: UUIDBits) -> Bool {
        if bits.high == 0, bits.low == 0 {
            defer { hasZero = true }
            if !hasZero { count += 1 }
            return !hasZero
        }
        if (count + 1) * 8 > bucketCount * 7 { grow() }
        var bucket = Self.bucket(of: bits, in: bucketCount)
        while true {
            let high = words[2 * bucket]
            let low = words[2 * bucket + 1]
            if high == 0, low == 0 { break }
            if high == bits.high, low == bits.low { return false }
            bucket = (bucket + 1) & (bucketCount - 1)
        }
        words[2 * bucket] = bits.high
        words[2 * bucket + 1] = bits.low
        count += 1
        return true
    }

    private mutating func grow() {
        let old = words
        words = [UInt64](repeating: 0, count: max(32, old.count * 2))
        for index in stride(from: 0, to: old.count, by: 2) where old[index] != 0 || old[index + 1] != 0 {
            var bucket = Self.bucket(of: UUIDBits(high: old[index], low: old[index + 1]), in: bucketCount)
            while words[2 * bucket] != 0 || words[2 * bucket + 1] != 0 { bucket = (bucket + 1) & (bucketCount - 1) }
            words[2 * bucket] = old[index]
            words[2 * bucket + 1] = old[index + 1]
        }
    }

    /// The first bucket to look in: the bits mixed (SplitMix64's finaliser), so ids that share
    /// a prefix or a counter spread over the table.
    private static func bucket(of bits: UUIDBits, in count: Int) -> Int {
        var z = bits.high ^ (bits.low &* 0x9E37_79B9_7F4A_7C15)
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Int(truncatingIfNeeded: z) & (count - 1)
    }
}
