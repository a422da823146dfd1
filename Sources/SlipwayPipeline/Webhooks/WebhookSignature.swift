import Crypto
import Foundation

/// Checks that a webhook came from the host that knows the source's secret.
public enum WebhookSignature {
    /// `sha256=<hex>` (GitHub's X-Hub-Signature-256, Bitbucket's X-Hub-Signature): HMAC-SHA256 of the raw body with
    /// the secret, compared in constant time.
    public static func verifyHMAC(header: String?, body: [UInt8], secret: String) -> Bool {
        guard let header, header.hasPrefix("sha256="), let mac = hexBytes(header.dropFirst("sha256=".count)), mac.count == 32
        else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: body, using: SymmetricKey(data: Array(secret.utf8)))
    }

    /// GitLab's X-Gitlab-Token: the secret itself, compared in constant time.
    public static func verifyToken(header: String?, secret: String) -> Bool {
        guard let header else { return false }
        // Compare MACs of both, so neither the length nor the first difference shows in the time taken.
        let key = SymmetricKey(size: .bits256)
        let expected = HMAC<SHA256>.authenticationCode(for: Array(secret.utf8), using: key)
        return HMAC<SHA256>.isValidAuthenticationCode(Data(expected), authenticating: Array(header.utf8), using: key)
    }

    /// The signature a host sends for `body`: `sha256=` and the hex HMAC.
    public static func sign(_ body: [UInt8], secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8)))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    static func hexBytes(_ text: Substring) -> [UInt8]? {
        guard text.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}
