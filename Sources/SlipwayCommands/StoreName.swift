import ArgumentParser
import SlipwayOCI

/// An image's name in Slipway's own store: `REPOSITORY[:TAG]`, the repository in the registry's grammar
/// (lowercase components separated by '/').
struct StoreName: Equatable, CustomStringConvertible {
    var repository: String
    var tag: String

    init(parsing text: String, defaultTag: String = ImageReference.defaultTag) throws {
        var repository = Substring(text)
        var tag = defaultTag
        if let colon = text.lastIndex(of: ":"), !text[colon...].contains("/") {
            tag = String(text[text.index(after: colon)...])
            repository = text[..<colon]
        }
        guard !repository.isEmpty,
              repository.split(separator: "/", omittingEmptySubsequences: false).allSatisfy(ImageReference.isValidPathComponent)
        else {
            throw ValidationError("'\(text)': the repository must be lowercase letters and digits in components "
                                   + "separated by '/', e.g. acme/web")
        }
        guard ImageReference.isValidTag(tag) else {
            throw ValidationError("'\(text)': tag '\(tag)' must be 1 to 128 of A-Z a-z 0-9 _ . - and not start with . or -")
        }
        self.repository = String(repository)
        self.tag = tag
    }

    var description: String { "\(repository):\(tag)" }
}
