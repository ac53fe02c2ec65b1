import Foundation
import PackagePlugin

/// `swift package --allow-writing-to-package-directory new-plugin --role ROLE --name Name`: runs
/// `summarize new-plugin` in the package's folder, which writes the plugin, its test and fixture
/// and lists it in `Sources/LocalPlugins/LocalPluginsPlugins.swift`.
@main
struct NewPlugin: CommandPlugin {
    func performCommand(context: PluginContext, arguments: [String]) async throws {
        let tool = try context.tool(named: "summarize")
        let process = Process()
        process.executableURL = tool.url
        process.arguments = ["new-plugin", "--package-dir", context.package.directoryURL.path] + arguments
        process.currentDirectoryURL = context.package.directoryURL
        try process.run()
        process.waitUntilExit()
        if process.terminationStatus != 0 {
            Diagnostics.error("new-plugin failed (summarize new-plugin exited with \(process.terminationStatus))")
            exit(process.terminationStatus)
        }
    }
}
