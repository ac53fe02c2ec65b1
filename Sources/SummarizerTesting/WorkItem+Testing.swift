import SummarizerCore

extension WorkItem {
    /// `count` items with URLs `https://example.test/article/<n>`.
    public static func numbered(_ count: Int, host: String = "example.test") -> [WorkItem] {
        (1...max(1, count)).prefix(count).map { WorkItem(url: "https://\(host)/article/\($0)", title: "Article \($0)") }
    }
}
