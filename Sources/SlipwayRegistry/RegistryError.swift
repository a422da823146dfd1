import Foundation
import HTTPTypes
import Hummingbird
import SlipwayOCI

/// An error as the distribution spec returns it: a status, and a JSON body
/// `{"errors":[{"code":…,"message":…,"detail":…}]}` whose code is one of the spec's.
/// https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#error-codes
public struct RegistryError: Error, HTTPResponseError, CustomStringConvertible, Equatable {
    public enum Code: String, Sendable {
        case blobUnknown = "BLOB_UNKNOWN"
        case blobUploadInvalid = "BLOB_UPLOAD_INVALID"
        case blobUploadUnknown = "BLOB_UPLOAD_UNKNOWN"
        case digestInvalid = "DIGEST_INVALID"
        case manifestBlobUnknown = "MANIFEST_BLOB_UNKNOWN"
        case manifestInvalid = "MANIFEST_INVALID"
        case manifestUnknown = "MANIFEST_UNKNOWN"
        case nameInvalid = "NAME_INVALID"
        case nameUnknown = "NAME_UNKNOWN"
        case sizeInvalid = "SIZE_INVALID"
        case unauthorized = "UNAUTHORIZED"
        case denied = "DENIED"
        case unsupported = "UNSUPPORTED"
        case tooManyRequests = "TOOMANYREQUESTS"

        /// The status the spec pairs with each code.
        var defaultStatus: HTTPResponse.Status {
            switch self {
            case .blobUnknown, .blobUploadUnknown, .manifestUnknown, .nameUnknown: .notFound
            case .unauthorized: .unauthorized
            case .denied: .forbidden
            case .tooManyRequests: .tooManyRequests
            case .unsupported: .methodNotAllowed
            default: .badRequest
            }
        }
    }

    public var code: Code
    public var message: String
    public var status: HTTPResponse.Status
    /// Headers the response must carry (e.g. `Range` on a 416, `WWW-Authenticate` on a 401).
    public var headers: HTTPFields

    public init(_ code: Code, _ message: String, status: HTTPResponse.Status? = nil, headers: HTTPFields = [:]) {
        self.code = code
        self.message = message
        self.status = status ?? code.defaultStatus
        self.headers = headers
    }

    public var description: String { "\(code.rawValue): \(message)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let bytes = try JSONEncoder().encode(ErrorBody(errors: [.init(code: code.rawValue, message: message)]))
        var headers = self.headers
        headers[.contentType] = "application/json"
        headers[.contentLength] = String(bytes.count)
        let response = Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        return request.method == .head ? response.createHeadResponse() : response
    }
}

/// The spec's error document.
private struct ErrorBody: Encodable {
    struct Item: Encodable {
        var code: String
        var message: String
    }
    var errors: [Item]
}
