import Foundation

/// Which package world a package comes from; raw values are purl types.
public enum PackageKind: String, Sendable, Codable, CaseIterable {
    case deb, apk, rpm, pypi, npm, composer, gem, golang, maven

    /// True for the packages of a Linux distribution (dpkg, apk, rpm), whose purls carry the distribution.
    public var isOperatingSystemPackage: Bool {
        switch self {
        case .deb, .apk, .rpm: return true
        default: return false
        }
    }
}

/// A package found installed in an image's filesystem.
public struct InstalledPackage: Hashable, Codable, Sendable {
    /// The package world (and purl type).
    public var kind: PackageKind
    /// The package's name: npm with its scope ("@scope/name"), maven "groupId:artifactId" (only "artifactId" when
    /// no group was recorded), golang the module path, composer "vendor/package".
    public var name: String
    /// The version as recorded: dpkg with epoch and revision ("1:2.38.1-5+b1"); rpm "version-release" without the
    /// epoch (see `epoch`); golang "v1.2.3" or "(devel)"; gem without its platform (see `architecture`).
    public var version: String
    /// dpkg "Source:" name (without its parenthesised version), apk "o:" origin, rpm SOURCERPM name.
    /// Nil when the database names none; the source is then the package itself.
    public var sourceName: String?
    /// dpkg Source's "(version)" if present, else nil; rpm source "version-release".
    public var sourceVersion: String?
    /// The image file it was read from, relative, no leading "/": "var/lib/dpkg/status".
    public var path: String
    /// Licenses as the package metadata writes them (an SPDX expression, a name, or several names).
    public var licenses: [String]
    /// The architecture the database records (dpkg "amd64", apk and rpm "x86_64", "noarch", "all");
    /// for gems the platform of a platform-specific gem ("x86_64-linux"). Nil when none is recorded.
    public var architecture: String?
    /// rpm epoch, nil when the header has none.
    public var epoch: Int?
    /// For distribution packages (deb, apk, rpm): os-release ID and VERSION_ID of the image, for the purl.
    public var distroID: String?
    /// os-release VERSION_ID, for the purl's distro qualifier (deb).
    public var distroVersion: String?
    /// For a package found inside a nested archive (a jar in a war or a fat jar): the entry names leading to it
    /// from the file at `path`, joined by "!/" ("WEB-INF/lib/a.jar", "BOOT-INF/lib/b.jar!/lib/c.jar").
    public var pathInArchive: String?
    /// A development-only dependency: package-lock "dev": true, composer packages-dev.
    public var isDevelopment: Bool

    /// A package; only kind, name, version and path are required.
    public init(
        kind: PackageKind,
        name: String,
        version: String,
        sourceName: String? = nil,
        sourceVersion: String? = nil,
        path: String,
        licenses: [String] = [],
        architecture: String? = nil,
        epoch: Int? = nil,
        distroID: String? = nil,
        distroVersion: String? = nil,
        pathInArchive: String? = nil,
        isDevelopment: Bool = false
    ) {
        self.kind = kind
        self.name = name
        self.version = version
        self.sourceName = sourceName
        self.sourceVersion = sourceVersion
        self.path = path
        self.licenses = licenses
        self.architecture = architecture
        self.epoch = epoch
        self.distroID = distroID
        self.distroVersion = distroVersion
        self.pathInArchive = pathInArchive
        self.isDevelopment = isDevelopment
    }
}

/// Something in a file that could not be read as package metadata. `line` is 1-based, where the format has lines.
public struct CatalogWarning: Hashable, Codable, Sendable, CustomStringConvertible {
    /// The image file, as given to `Catalogers.catalog`.
    public var path: String
    /// 1-based line in the file, where the format has lines and the problem has one.
    public var line: Int?
    /// What was wrong.
    public var message: String

    /// A warning about `path` (at `line`).
    public init(path: String, line: Int? = nil, message: String) {
        self.path = path
        self.line = line
        self.message = message
    }

    /// "path:line: message", as compilers print it.
    public var description: String {
        if let line { return "\(path):\(line): \(message)" }
        return "\(path): \(message)"
    }
}

/// The packages one file records, and what in it could not be read.
public struct CatalogResult: Sendable {
    /// Packages in the order the file lists them.
    public var packages: [InstalledPackage]
    /// What could not be read (at most 100, then one saying how many more).
    public var warnings: [CatalogWarning]

    /// A result of these packages and warnings.
    public init(packages: [InstalledPackage] = [], warnings: [CatalogWarning] = []) {
        self.packages = packages
        self.warnings = warnings
    }
}

/// Pure catalogers: each reads the bytes of one image file and says which packages it records.
/// Nothing here touches the filesystem or runs anything; the caller walks the image and hands files in.
public enum Catalogers {
    /// Largest text metadata file read (dpkg status, lock files, METADATA, …).
    public static let maxTextFileSize: Int64 = 64 << 20
    /// Largest rpmdb.sqlite read.
    public static let maxDatabaseSize: Int64 = 512 << 20
    /// Largest Java archive read.
    public static let maxArchiveSize: Int64 = 512 << 20
    /// Executables outside this range are not read as Go binaries (the smallest real Go binary is over 1 MiB).
    public static let goBinarySizes: ClosedRange<Int64> = (64 << 10)...(512 << 20)

    /// Where an image keeps its os-release, in the order to try them.
    public static let osReleasePaths = ["etc/os-release", "usr/lib/os-release"]

    /// True when a file at `path` (relative, no leading slash) should be read. `size` lets you skip giant files;
    /// `isExecutable` marks regular files with any x bit (Go binaries are found among these, by ELF magic).
    public static func wants(path: String, size: Int64, isExecutable: Bool) -> Bool {
        guard size >= 0 else { return false }
        let path = normalize(path)
        if let role = FileRole(path: path) {
            if size <= role.sizeLimit { return true }
        }
        return isExecutable && goBinarySizes.contains(size)
    }

    /// Packages recorded in one file. Never throws for bad content: garbage becomes warnings with line numbers.
    /// `osRelease` names the distribution for the purls of deb, apk and rpm packages.
    public static func catalog(path: String, contents: Data, osRelease: OSRelease?) -> CatalogResult {
        let path = normalize(path)
        guard let role = FileRole(path: path) else {
            if GoBinary.isELF(contents) {
                return GoBinary.catalog(path: path, data: contents)
            }
            return CatalogResult()
        }
        switch role {
        case .dpkgStatus:
            return Dpkg.catalog(path: path, data: contents, osRelease: osRelease, requireStatus: true)
        case .dpkgStatusFile:
            return Dpkg.catalog(path: path, data: contents, osRelease: osRelease, requireStatus: false)
        case .apkInstalled:
            return APK.catalog(path: path, data: contents, osRelease: osRelease)
        case .rpmSQLite:
            return RPM.catalogSQLite(path: path, data: contents, osRelease: osRelease)
        case .osRelease:
            return CatalogResult()
        case .pythonMetadata:
            return Python.catalog(path: path, data: contents)
        case .nodePackageJSON:
            return Node.catalogPackageJSON(path: path, data: contents)
        case .npmLock:
            return Node.catalogLockfile(path: path, data: contents)
        case .composerLock, .composerInstalled:
            return Composer.catalog(path: path, data: contents)
        case .gemfileLock:
            return Ruby.catalogGemfileLock(path: path, data: contents)
        case .gemspec:
            return Ruby.catalogGemspec(path: path, data: contents)
        case .javaArchive:
            return Java.catalog(path: path, data: contents)
        }
    }

    /// The OS release of an image from the contents of its os-release file, when `path` is one of `osReleasePaths`.
    public static func osRelease(path: String, contents: Data) -> OSRelease? {
        guard osReleasePaths.contains(normalize(path)) else { return nil }
        return OSRelease(parsing: String(decoding: contents, as: UTF8.self))
    }

    /// Drops a leading "/" or "./": the walker's paths are relative, but a stray slash should not hide a file.
    static func normalize(_ path: String) -> String {
        var path = Substring(path)
        while path.hasPrefix("/") || path.hasPrefix("./") {
            path = path.hasPrefix("/") ? path.dropFirst() : path.dropFirst(2)
        }
        return String(path)
    }
}

/// What a file is to the catalogers, judged by its path alone.
enum FileRole: Equatable {
    case dpkgStatus, dpkgStatusFile, apkInstalled, rpmSQLite, osRelease
    case pythonMetadata, nodePackageJSON, npmLock, composerLock, composerInstalled, gemfileLock, gemspec
    case javaArchive

    static let javaExtensions: Set<String> = ["jar", "war", "ear", "jpi", "hpi", "sar", "par", "nar", "kar", "lpkg"]

    init?(path: String) {
        switch path {
        case "var/lib/dpkg/status":
            self = .dpkgStatus
            return
        case "lib/apk/db/installed", "usr/lib/apk/db/installed":
            self = .apkInstalled
            return
        case "var/lib/rpm/rpmdb.sqlite", "usr/lib/sysimage/rpm/rpmdb.sqlite":
            self = .rpmSQLite
            return
        case "etc/os-release", "usr/lib/os-release":
            self = .osRelease
            return
        default:
            break
        }
        let components = path.split(separator: "/", omittingEmptySubsequences: true)
        guard let base = components.last else { return nil }
        let parent = components.count >= 2 ? components[components.count - 2] : ""
        if path.hasPrefix("var/lib/dpkg/status.d/"), components.count == 5, !base.hasSuffix(".md5sums"),
            !base.hasPrefix(".")
        {
            self = .dpkgStatusFile
        } else if base == "METADATA", parent.hasSuffix(".dist-info") {
            self = .pythonMetadata
        } else if base == "PKG-INFO", parent.hasSuffix(".egg-info") {
            self = .pythonMetadata
        } else if base.hasSuffix(".egg-info"), base.count > ".egg-info".count {
            self = .pythonMetadata
        } else if base == "package.json", FileRole.isNodePackageRoot(components) {
            self = .nodePackageJSON
        } else if base == "package-lock.json", !components.contains("node_modules") {
            self = .npmLock
        } else if base == "composer.lock" {
            self = .composerLock
        } else if base == "installed.json", parent == "composer", components.count >= 3,
            components[components.count - 3] == "vendor"
        {
            self = .composerInstalled
        } else if base == "Gemfile.lock" {
            self = .gemfileLock
        } else if base.hasSuffix(".gemspec"), parent == "specifications" {
            self = .gemspec
        } else if let dot = base.lastIndex(of: "."),
            FileRole.javaExtensions.contains(base[base.index(after: dot)...].lowercased())
        {
            self = .javaArchive
        } else {
            return nil
        }
    }

    /// `…/node_modules/<name>/package.json` or `…/node_modules/@scope/<name>/package.json`.
    static func isNodePackageRoot(_ components: [Substring]) -> Bool {
        guard let modules = components.dropLast().lastIndex(of: "node_modules") else { return false }
        let tail = components[(modules + 1)...]
        switch tail.count {
        case 2:
            let name = tail[tail.startIndex]
            return !name.hasPrefix("@") && !name.hasPrefix(".")
        case 3:
            let scope = tail[tail.startIndex]
            let name = tail[tail.startIndex + 1]
            return scope.hasPrefix("@") && scope.count > 1 && !name.hasPrefix(".") && !name.hasPrefix("@")
        default:
            return false
        }
    }

    var sizeLimit: Int64 {
        switch self {
        case .rpmSQLite: return Catalogers.maxDatabaseSize
        case .javaArchive: return Catalogers.maxArchiveSize
        default: return Catalogers.maxTextFileSize
        }
    }
}
