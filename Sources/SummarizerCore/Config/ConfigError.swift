/// One problem in a config file, located by a JSON pointer.
public struct ConfigProblem: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Where the problem is, e.g. `/run/concurency`.
    public var pointer: JSONPointer
    /// What is wrong, and what would be right.
    public var message: String

    /// A problem at `pointer`.
    public init(_ pointer: JSONPointer, _ message: String) {
        self.pointer = pointer
        self.message = message
    }

    public var description: String { "\(pointer): \(message)" }

    /// Orders problems by where they are, so a report reads top to bottom.
    public static func < (lhs: ConfigProblem, rhs: ConfigProblem) -> Bool {
        (lhs.pointer, lhs.message) < (rhs.pointer, rhs.message)
    }
}

/// Every problem found in a config, reported at once.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    /// The file the problems are in, when read from one.
    public var file: String?
    /// Every problem found, in order of their pointers.
    public var problems: [ConfigProblem]

    /// An error holding `problems`, found in `file` when given.
    public init(file: String? = nil, problems: [ConfigProblem]) {
        self.file = file
        self.problems = problems.sorted()
    }

    /// An error with one problem at `pointer`.
    public init(_ pointer: JSONPointer, _ message: String) {
        self.init(problems: [ConfigProblem(pointer, message)])
    }

    public var description: String {
        let header = "\(problems.count) problem\(problems.count == 1 ? "" : "s") in \(file ?? "the config"):"
        return ([header] + problems.map { "  \($0)" }).joined(separator: "\n")
    }
}
