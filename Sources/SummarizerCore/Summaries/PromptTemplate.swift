import Foundation

/// A prompt template: text with `{{placeholder}}`s filled per item.
///
/// Placeholders: `{{article}}` (required: the article block, or in URL mode the instruction to
/// read the URL), `{{format}}` (how to reply: the schema in words when the backend cannot use
/// structured output), `{{title}}`, `{{url}}`, `{{publisher}}`, `{{published}}`.
public struct PromptTemplate: Sendable, Hashable {
    /// The placeholders a template may use; `article` is required.
    public static let placeholders = ["article", "format", "title", "url", "publisher", "published"]

    /// The template's text.
    public var text: String

    /// Checks the placeholders; `file` names the template in errors.
    public init(_ text: String, file: String = "the prompt template") throws(ConfigError) {
        var problems: [String] = []
        var rest = Substring(text)
        var found: Set<String> = []
        while let open = rest.range(of: "{{") {
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                problems.append("an unclosed \"{{\"")
                break
            }
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            if Self.placeholders.contains(name) {
                found.insert(name)
            } else {
                let suggestion = Suggestion.closest(to: name, in: Self.placeholders).map { "; did you mean {{\($0)}}?" } ?? ""
                problems.append(
                    "unknown placeholder {{\(name)}}\(suggestion) (known: \(Self.placeholders.map { "{{\($0)}}" }.joined(separator: ", ")))"
                )
            }
            rest = rest[close.upperBound...]
        }
        if !found.contains("article") {
            problems.append("the template must contain {{article}}, where the article goes")
        }
        guard problems.isEmpty else {
            throw ConfigError(file: file, problems: problems.map { ConfigProblem(.root, $0) })
        }
        self.text = text
    }

    /// Reads a template file.
    public static func load(path: String) throws(ConfigError) -> PromptTemplate {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(file: path, problems: [ConfigProblem(.root, "cannot read the prompt template as UTF-8 text")])
        }
        return try PromptTemplate(text, file: path)
    }

    /// The default template of the `news` schema.
    public static let news = try! PromptTemplate(
        """
        Summarize the sports news article below for a database of facts.

        {{format}}

        {{article}}
        """
    )

    func render(_ values: [String: String]) -> String {
        var output = ""
        var rest = Substring(text)
        while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
            output += rest[..<open.lowerBound]
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            output += values[name] ?? ""
            rest = rest[close.upperBound...]
        }
        output += rest
        return output
    }
}
