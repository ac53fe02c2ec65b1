/// Where a claiming worker's next `claim_news_urls` starts in the claim order.
///
/// Draining a large backlog, a claim that starts at the head of the claim order walks past the
/// index entries of every row claimed since the queue's last vacuum: thousands a claim by the
/// time a million rows have gone. Starting after the last row this worker was handed skips them.
/// Rows that join the queue ahead of that position (new, released, failed or expired ones) are
/// found by a walk from the head, which happens at least once per ``headWalkInterval`` and
/// whenever the rows after the position run out (the function then goes on from the head
/// itself), so "newest first" holds to within that interval.
///
/// `Key` is how a source holds a row's place: its publication date and id, as values (the
/// postgres source) or as the text the server wrote (the supabase source).
public struct ClaimPosition<Key: Sendable>: Sendable {
    /// The longest a worker goes without a claim that walks from the head of the claim order.
    public static var headWalkInterval: Duration { .seconds(1) }

    /// The claim-order position of the last row handed out.
    public private(set) var resume: Key?
    private var lastHeadWalk: ContinuousClock.Instant?

    /// A worker's position before its first claim: the head.
    public init() {}

    /// The position the next claim starts after, or `nil` for a walk from the head.
    public mutating func start(at now: ContinuousClock.Instant = .now) -> Key? {
        guard let resume, let lastHeadWalk, now - lastHeadWalk < Self.headWalkInterval else {
            lastHeadWalk = now
            return nil
        }
        return resume
    }

    /// Records the last row a claim handed out (claims return rows in claim order); `nil` when it
    /// handed out none, so the next claim walks from the head.
    public mutating func handedOut(last: Key?) {
        resume = last
    }
}
