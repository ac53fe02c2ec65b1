import Foundation

/// Paths and program arguments, resolved against the config's folder.
extension Validation {
    /// An argument that names an existing file or folder relative to the config's folder, as
    /// that path; any other argument (an option, a word, a path that does not exist there) as is.
    func resolve(argument: String) -> String {
        guard !argument.isEmpty, !argument.hasPrefix("/"), !argument.hasPrefix("-") else { return argument }
        let candidate = resolve(argument)
        return FileManager.default.fileExists(atPath: candidate) ? candidate : argument
    }

    func resolve(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        if path == "-" { return path }
        return URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: baseDirectory, isDirectory: true))
            .standardizedFileURL.path
    }
}
