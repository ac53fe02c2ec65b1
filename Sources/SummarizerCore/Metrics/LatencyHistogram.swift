import Foundation

/// Durations kept in logarithmic buckets, for the quantiles of the run report.
///
/// Each bucket is 5% wider than the one before, so a quantile is off by at most 5% whatever the
/// number of samples, and memory stays fixed (a few hundred counts) over a run of any length.
/// The maximum is kept exactly.
public struct LatencyHistogram: Sendable, Hashable {
    static let smallest = 1e-6
    static let growth = 1.05
    static let logGrowth = log(growth)

    private(set) var counts: [Int] = []
    /// Samples recorded.
    public private(set) var count = 0
    /// Their sum, in seconds.
    public private(set) var sum = 0.0
    /// The longest, in seconds.
    public private(set) var max = 0.0

    /// An empty histogram.
    public init() {}

    /// Records one duration in seconds (negative ones count as zero).
    public mutating func record(_ seconds: Double) {
        let value = seconds.isFinite ? Swift.max(0, seconds) : 0
        let index = Self.index(of: value)
        if index >= counts.count { counts.append(contentsOf: repeatElement(0, count: index + 1 - counts.count)) }
        counts[index] += 1
        count += 1
        sum += value
        max = Swift.max(max, value)
    }

    static func index(of value: Double) -> Int {
        guard value > smallest else { return 0 }
        // Capped so a absurd value cannot allocate a huge array: 1e-6 × 1.05^600 is ~5e6 s.
        return Swift.min(600, Int((log(value / smallest) / logGrowth).rounded(.down)) + 1)
    }

    /// The upper bound of bucket `index`, in seconds.
    static func upperBound(of index: Int) -> Double {
        smallest * pow(growth, Double(index))
    }

    /// The duration below which a fraction `q` (0...1) of the samples fall; 0 when empty.
    public func quantile(_ q: Double) -> Double {
        guard count > 0 else { return 0 }
        let rank = Swift.max(1, Int((q * Double(count)).rounded(.up)))
        var seen = 0
        for (index, bucketCount) in counts.enumerated() {
            seen += bucketCount
            if seen >= rank { return Swift.min(max, Self.upperBound(of: index)) }
        }
        return max
    }

    /// The figures the run report gives of one stage.
    public var summary: LatencySummary {
        LatencySummary(count: count, sumSeconds: sum, p50: quantile(0.5), p90: quantile(0.9), p99: quantile(0.99), max: max)
    }
}

/// A stage's latency in the run report: count, total and quantiles in seconds.
public struct LatencySummary: Sendable, Hashable, Codable {
    /// Calls measured.
    public var count: Int
    /// Their total, in seconds.
    public var sumSeconds: Double
    /// The median, in seconds.
    public var p50: Double
    /// The 90th percentile, in seconds.
    public var p90: Double
    /// The 99th percentile, in seconds.
    public var p99: Double
    /// The longest, in seconds.
    public var max: Double
}
