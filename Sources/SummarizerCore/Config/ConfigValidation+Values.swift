import Foundation

/// Checking a plugin's keys against its spec: types, allowed values, minimums, unknown keys,
/// secrets written in the file, environment overrides and defaults.
extension Validation {
    /// Notes a secret written into the file: files are committed, copied and printed, the
    /// environment is not. A URL counts only when it carries a password.
    mutating func checkSecretLiteral(_ raw: JSONValue?, key: ConfigKey, at pointer: JSONPointer) {
        guard key.isSecret, case .string(let text)? = raw, !text.isEmpty, !text.contains("${") else { return }
        if let scheme = text.range(of: "://") {
            let authority = text[scheme.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
            let userInfo = authority.lastIndex(of: "@").map { authority[..<$0] }
            let hasPassword = userInfo?.contains(":") == true || text.lowercased().contains("password=")
            guard hasPassword else { return }
        }
        warnings.append(
            ConfigProblem(
                pointer,
                "the secret \"\(key.name)\" is written in the file; use ${VAR} (for example \"${\(key.environment.first ?? "SECRET")}\") and set the variable in the environment"
            )
        )
    }

    /// Checks `object`'s keys against `spec`, fills defaults, applies substitutions and overrides.
    mutating func values(
        _ object: [String: JSONValue],
        spec: PluginSpec,
        at pointer: JSONPointer,
        ignoring reserved: Set<String>,
        usedBy: Set<PluginRole> = []
    ) -> PluginConfig {
        var values: [String: JSONValue] = [:]
        var origins: [String: ValueOrigin] = [:]
        let known = spec.keys.map(\.name) + reserved.sorted()

        for name in object.keys.sorted() where !reserved.contains(name) && spec.key(name) == nil {
            unknownKey(pointer.appending(name), name, known: known)
        }

        for key in spec.keys {
            let keyPointer = pointer.appending(key.name)
            checkSecretLiteral(object[key.name], key: key, at: keyPointer)
            var value: JSONValue?
            var origin = ValueOrigin.file

            let environment = loader.environment
            let overrides = key.environmentRoles.map { !$0.isDisjoint(with: usedBy) } ?? true
            if overrides, let variable = key.environment.first(where: { environment[$0]?.isEmpty == false }),
                let override = environment[variable]
            {
                if let parsed = key.type.parse(environment: override) {
                    value = parsed
                    origin = .environment
                } else {
                    let shown = key.isSecret ? "" : ": \"\(override)\""
                    problem(keyPointer, "environment variable \(variable) must be \(key.type)\(shown)")
                    continue
                }
            } else if let raw = object[key.name] {
                let (substituted, wasSubstituted) = substitute(raw, at: keyPointer)
                guard let substituted else { continue }
                if wasSubstituted, let text = substituted.stringValue, !key.type.accepts(substituted),
                    let parsed = key.type.parse(environment: text)
                {
                    // "${PORT}" in an integer key: the variable's text is parsed as the key's type.
                    value = parsed
                } else {
                    value = substituted
                }
            } else if let defaultValue = key.defaultValue {
                value = defaultValue
                origin = .default
            } else if key.isRequired {
                problem(keyPointer, "missing required key \"\(key.name)\" (\(key.type)): \(key.documentation)")
                continue
            } else {
                continue
            }

            guard let checked = value, check(checked, key: key, at: keyPointer) else { continue }
            if key.type == .path, let path = checked.stringValue {
                values[key.name] = .string(resolve(path))
            } else if key.type == .arguments, let arguments = checked.arrayValue {
                values[key.name] = .array(arguments.map { $0.stringValue.map { .string(resolve(argument: $0)) } ?? $0 })
            } else {
                values[key.name] = checked
            }
            origins[key.name] = origin
        }
        return PluginConfig(spec: spec, pointer: pointer, values: values, origins: origins)
    }

    mutating func check(_ value: JSONValue, key: ConfigKey, at pointer: JSONPointer) -> Bool {
        guard key.type.accepts(value) else {
            let shown = key.isSecret ? "" : " \(value.description)"
            problem(pointer, "expected \(key.type), got \(value.typeName)\(shown)")
            return false
        }
        if let allowed = key.allowedValues, let text = value.stringValue,
            !allowed.contains(where: { $0.caseInsensitiveCompare(text) == .orderedSame })
        {
            var message = "\"\(text)\" is not one of \(allowed.joined(separator: ", "))"
            if let suggestion = Suggestion.closest(to: text, in: allowed) { message += "; did you mean \"\(suggestion)\"?" }
            problem(pointer, message)
            return false
        }
        if let minimum = key.minimum, let number = value.doubleValue, number < minimum {
            let shown = Int(exactly: minimum).map(String.init) ?? String(minimum)
            problem(pointer, "must be at least \(shown), got \(value.description)")
            return false
        }
        if key.type == .path, value.stringValue?.isEmpty == true {
            problem(pointer, "must not be empty")
            return false
        }
        return true
    }

    mutating func unknownKey(_ pointer: JSONPointer, _ name: String, known: [String]) {
        var message = "unknown key \"\(name)\""
        if let suggestion = Suggestion.closest(to: name, in: known) {
            message += "; did you mean \"\(suggestion)\"?"
        } else if !known.isEmpty {
            message += "; known keys: \(known.joined(separator: ", "))"
        }
        problem(pointer, message)
    }
}
