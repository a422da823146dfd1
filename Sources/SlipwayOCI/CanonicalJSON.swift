import Foundation

/// The one JSON encoding used wherever Slipway produces bytes that are hashed (manifests, indexes, configs):
/// keys sorted, no insignificant whitespace, `/` unescaped. Encoding the same value always gives the same bytes,
/// so the same image always gets the same digest.
public enum CanonicalJSON {
    public static func encode(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }

    /// Decodes `bytes`, turning a decoding failure into an `OCIError` that names the document and the path
    /// of the offending field, e.g. `malformed image manifest: at layers[0].digest: …`.
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8], what: String) throws(OCIError) -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch let error as DecodingError {
            throw .invalidJSON(what: what, reason: describe(error))
        } catch {
            throw .invalidJSON(what: what, reason: "\(error)")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            var out = ""
            for key in keys {
                if let index = key.intValue {
                    out += "[\(index)]"
                } else {
                    out += out.isEmpty ? key.stringValue : ".\(key.stringValue)"
                }
            }
            return out.isEmpty ? "top level" : out
        }
        switch error {
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return "not valid JSON (\(context.debugDescription))" }
            return "at \(path(context.codingPath)): \(context.debugDescription)"
        case .keyNotFound(let key, let context):
            return "at \(path(context.codingPath + [key])): required field is missing"
        case .typeMismatch(let type, let context):
            return "at \(path(context.codingPath)): expected \(type)"
        case .valueNotFound(let type, let context):
            return "at \(path(context.codingPath)): expected \(type), found null"
        @unknown default:
            return "\(error)"
        }
    }
}
