import Foundation

/// `${VAR}` references in config values.
extension Validation {
    /// Replaces `${VAR}` in every string of `value`; an unset variable is a problem naming it.
    mutating func substitute(_ value: JSONValue, at pointer: JSONPointer) -> (JSONValue?, Bool) {
        switch value {
        case .string(let text):
            guard text.contains("${") else { return (value, false) }
            var result = ""
            var rest = text[...]
            var failed = false
            while let start = rest.range(of: "${") {
                result += rest[..<start.lowerBound]
                guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                    problem(pointer, "unterminated \"${\" in a value; write ${NAME}")
                    return (nil, true)
                }
                let name = String(rest[start.upperBound..<end])
                if name.isEmpty || !name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
                    problem(pointer, "\"${\(name)}\" is not a valid variable reference; write ${NAME}")
                    failed = true
                } else if let replacement = loader.environment[name] {
                    result += replacement
                } else {
                    problem(pointer, "environment variable \(name) is not set")
                    failed = true
                }
                rest = rest[rest.index(after: end)...]
            }
            result += rest
            return (failed ? nil : .string(result), true)
        case .array(let elements):
            var output: [JSONValue] = []
            var any = false
            for (index, element) in elements.enumerated() {
                let (substituted, did) = substitute(element, at: pointer.appending(index))
                guard let substituted else { return (nil, true) }
                any = any || did
                output.append(substituted)
            }
            return (.array(output), any)
        case .object(let members):
            var output: [String: JSONValue] = [:]
            var any = false
            for (name, member) in members {
                let (substituted, did) = substitute(member, at: pointer.appending(name))
                guard let substituted else { return (nil, true) }
                any = any || did
                output[name] = substituted
            }
            return (.object(output), any)
        default:
            return (value, false)
        }
    }
}
