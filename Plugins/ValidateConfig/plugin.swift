import Foundation
import PackagePlugin

/// `swift package validate-config [PATH]`: runs `summarize validate` on `config.json` (or PATH)
/// and exits with its code, so a config can be checked without remembering the binary's path.
@main
struct ValidateConfig: CommandPlugin {
    func performCommand(context: PluginContext, arguments: [String]) async throws {
        let tool = try context.tool(named: "summarize")
        let path = arguments.first { !$0.hasPrefix("-") } ?? "config.json"
        let absolute = path.hasPrefix("/") ? path : context.package.directoryURL.appendingPathComponent(path).path

        let process = Process()
        process.executableURL = tool.url
        process.arguments = ["validate", "--config", absolute]
        process.currentDirectoryURL = context.package.directoryURL
        try process.run()
        process.waitUntilExit()
        if process.terminationStatus != 0 {
            Diagnostics.error("\(path) is not valid (summarize validate exited with \(process.terminationStatus))")
            exit(process.terminationStatus)
        }
    }
}
