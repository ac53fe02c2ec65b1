/// A set of scalars for membership tests in tight loops: a bit per ASCII scalar, a short list
/// for the rest (no hashing).
struct ScalarSet: Sendable {
    private var ascii: (UInt64, UInt64) = (0, 0)
    private var others: [Unicode.Scalar] = []

    init(_ members: String) {
        for scalar in members.unicodeScalars {
            switch scalar.value {
            case ..<64: ascii.0 |= 1 << UInt64(scalar.value)
            case ..<128: ascii.1 |= 1 << UInt64(scalar.value - 64)
            default: others.append(scalar)
            }
        }
    }

    @inline(__always) func contains(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case ..<64: ascii.0 & (1 << UInt64(scalar.value)) != 0
        case ..<128: ascii.1 & (1 << UInt64(scalar.value - 64)) != 0
        default: others.contains(scalar)
        }
    }
}
