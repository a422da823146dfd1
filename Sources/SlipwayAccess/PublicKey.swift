import Crypto
import Foundation

/// An OpenSSH public key line, `TYPE BASE64 [COMMENT]`, as `ssh-keygen` writes it to `id_ed25519.pub`.
public struct PublicKey: Sendable, Equatable {
    public static let types: Set<String> = [
        "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
        "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
    ]

    public var type: String
    /// The key blob, base64 as in the file.
    public var base64: String

    /// Parses the first key line of a `.pub` file's text; `source` names it in errors.
    public init(parsing text: String, source: String) throws {
        guard let line = text.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) })
            .first(where: { !$0.isEmpty && !$0.hasPrefix("#") }) else {
            throw AccessError("\(source) holds no public key")
        }
        let fields = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard fields.count >= 2, Self.types.contains(fields[0]) else {
            throw AccessError("\(source) is not an OpenSSH public key line (TYPE BASE64 [COMMENT]; types: \(Self.types.sorted().joined(separator: ", ")))"
                              + (line.contains("PRIVATE KEY") ? "; this looks like a private key: give the .pub file" : ""))
        }
        guard let blob = Data(base64Encoded: fields[1]), Self.blobType(blob) == fields[0] else {
            throw AccessError("\(source): the key data is not valid base64 of a \(fields[0]) key")
        }
        type = fields[0]
        base64 = fields[1]
    }

    /// `SHA256:…`, as `ssh-keygen -l` and sshd's logs show it.
    public var fingerprint: String {
        let digest = SHA256.hash(data: Data(base64Encoded: base64)!)
        return "SHA256:" + Data(digest).base64EncodedString().replacingOccurrences(of: "=", with: "")
    }

    /// The type named inside the blob (a length-prefixed string), which must agree with the line's.
    static func blobType(_ blob: Data) -> String? {
        guard blob.count >= 4 else { return nil }
        let bytes = [UInt8](blob)
        let length = Int(bytes[0]) << 24 | Int(bytes[1]) << 16 | Int(bytes[2]) << 8 | Int(bytes[3])
        guard length > 0, 4 + length <= bytes.count else { return nil }
        return String(bytes: bytes[4..<(4 + length)], encoding: .ascii)
    }
}

public struct AccessError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
