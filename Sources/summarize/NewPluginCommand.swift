import ArgumentParser
import Foundation

/// `summarize new-plugin`: writes a plugin skeleton into `Sources/LocalPlugins`, lists it in
/// `LocalPluginsPlugins.all`, and adds its test and fixture. `swift package new-plugin` runs it.
struct NewPluginCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new-plugin",
        abstract: "Write a new plugin (source, fetcher, extractor, summarizer, sink or middleware) with its test, ready to build.",
        discussion: """
            Writes Sources/LocalPlugins/<Name><Role>.swift, lists it in Sources/LocalPlugins/LocalPluginsPlugins.swift, and adds \
            Tests/LocalPluginsTests/<Name><Role>Tests.swift with its fixture, copied from Examples/plugin-templates/<role>/ \
            with the names replaced. Nothing is overwritten: if a file exists, nothing is written. Usually run as:
              swift package --allow-writing-to-package-directory new-plugin --role extractor --name Headline
            """
    )

    static let roles = ["source", "fetcher", "extractor", "summarizer", "sink", "middleware"]

    @Option(help: "The stage the plugin fills: \(roles.joined(separator: ", ")).")
    var role: String

    @Option(help: "The plugin's name in UpperCamelCase, e.g. Headline; the config type is its lowerCamelCase form (headline).")
    var name: String

    @Option(help: "The package's root folder.")
    var packageDir = "."

    /// The Swift type: the name with the role appended (unless it already ends with it).
    static func typeName(name: String, role: String) -> String {
        let suffix = role.prefix(1).uppercased() + role.dropFirst()
        return name.hasSuffix(suffix) && name != suffix ? name : name + suffix
    }

    /// The config `type`: the name with its leading capitals lowercased (`CSVFile` → `csvFile`).
    static func pluginType(name: String) -> String {
        let capitals = name.prefix { $0.isUppercase }
        let lowered =
            capitals.count > 1 && capitals.count < name.count
            ? capitals.dropLast().lowercased() + name.dropFirst(capitals.count - 1)
            : capitals.lowercased() + name.dropFirst(capitals.count)
        return String(lowered)
    }

    func validate() throws {
        guard Self.roles.contains(role) else {
            throw ValidationError("--role \"\(role)\" is not one of \(Self.roles.joined(separator: ", "))")
        }
        let scalars = name.unicodeScalars
        guard let first = scalars.first, ("A"..."Z").contains(first),
            scalars.allSatisfy({ ("A"..."Z").contains($0) || ("a"..."z").contains($0) || ("0"..."9").contains($0) })
        else {
            throw ValidationError("--name \"\(name)\" must be UpperCamelCase ASCII letters and digits, starting with a capital, e.g. Headline")
        }
    }

    func run() throws {
        let root = URL(fileURLWithPath: packageDir)
        let registryFile = root.appendingPathComponent("Sources/LocalPlugins/LocalPluginsPlugins.swift")
        guard let registry = try? String(contentsOf: registryFile, encoding: .utf8) else {
            throw ValidationError("\(registryFile.path) is missing: run this in the news-summarizer package (or pass --package-dir)")
        }
        let marker = "        // new-plugin: new plugins are listed above this line."
        guard registry.contains(marker) else {
            throw ValidationError(
                "\(registryFile.path) has lost its marker line (\(marker.trimmingCharacters(in: .whitespaces))); put it back in `all`"
            )
        }
        let type = Self.typeName(name: name, role: role)
        let plugin = Self.pluginType(name: name)
        let templates = root.appendingPathComponent("Examples/plugin-templates/\(role)")
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: templates.path), !names.isEmpty else {
            throw ValidationError("\(templates.path) is missing: the templates come with the package")
        }
        func fill(_ text: String) -> String {
            text.replacingOccurrences(of: "__TYPE__", with: type).replacingOccurrences(of: "__PLUGIN__", with: plugin)
        }
        var files: [(path: String, content: String)] = []
        // The plugin first, then its test, then fixtures: the order they are printed in.
        let order = ["__TYPE__.swift": 0, "__TYPE__Tests.swift": 1]
        for name in names.sorted(by: { (order[$0] ?? 2, $0) < (order[$1] ?? 2, $1) }) {
            let text = try String(contentsOf: templates.appendingPathComponent(name), encoding: .utf8)
            switch name {
            case "__TYPE__.swift": files.append(("Sources/LocalPlugins/\(type).swift", fill(Self.header + text)))
            case "__TYPE__Tests.swift": files.append(("Tests/LocalPluginsTests/\(type)Tests.swift", fill(Self.header + text)))
            default: files.append(("Tests/LocalPluginsTests/Fixtures/\(fill(name))", text))
            }
        }
        // Check everything before writing anything, so a refusal leaves the package untouched.
        let existing = files.filter { FileManager.default.fileExists(atPath: root.appendingPathComponent($0.path).path) }
        guard existing.isEmpty else {
            throw ValidationError("not overwriting \(existing.map(\.path).joined(separator: ", ")); choose another --name or remove the files")
        }
        guard !registry.contains("\(type).plugin,") else {
            throw ValidationError("\(type).plugin is already listed in \(registryFile.path)")
        }
        for file in files {
            let url = root.appendingPathComponent(file.path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try file.content.write(to: url, atomically: true, encoding: .utf8)
        }
        try Self.listing(type, in: registry, above: marker).write(to: registryFile, atomically: true, encoding: .utf8)

        let usage =
            switch role {
            case "sink": "\"sinks\": [{\"type\": \"\(plugin)\", \"path\": \"out/\(plugin).tsv\"}]"
            case "middleware": "\"middleware\": {\"\(plugin)\": {\"type\": \"\(plugin)\"}}, and \"middleware\": [\"\(plugin)\"] in a stage"
            default: "\"\(role)\": {\"type\": \"\(plugin)\"}"
            }
        print(
            """
            Wrote the \(role) plugin "\(plugin)":
            \(files.map { "  " + $0.path }.joined(separator: "\n"))
            (the plugin with its config keys and a working skeleton, its test, run by Scripts/test.sh, and any fixture)
            and listed \(type).plugin in Sources/LocalPlugins/LocalPluginsPlugins.swift.

            Next:
              swift build && swift run summarize plugins describe \(plugin)
              swift test --filter LocalPluginsTests
              use it in config.json: \(usage)
            then replace the skeleton in \(type).swift with your logic (docs/writing-a-plugin.md).
            """
        )
    }

    /// `registry` with `type.plugin` listed on the line above `marker`. The entry before it gets
    /// its comma back if it lost it: swift-format drops the trailing comma of a lone element.
    static func listing(_ type: String, in registry: String, above marker: String) -> String {
        var lines = registry.components(separatedBy: "\n")
        guard let index = lines.firstIndex(of: marker) else { return registry }
        let entry = lines[..<index].lastIndex { line in
            let text = line.trimmingCharacters(in: .whitespaces)
            return !text.isEmpty && !text.hasPrefix("//")
        }
        if let entry, !lines[entry].hasSuffix(","), !lines[entry].hasSuffix("[") { lines[entry] += "," }
        lines.insert("        \(type).plugin,", at: index)
        return lines.joined(separator: "\n")
    }

    /// The first lines of every generated Swift file.
    static let header = """
        // Generated by `swift package new-plugin`. Replace the skeleton with your logic; keep the
        // spec's keys documented: `summarize plugins describe __PLUGIN__` prints them.


        """
}
