import Foundation

/// Why a file's Go build information could not be read.
public enum GoBuildInfoError: Error, CustomStringConvertible, Equatable, Sendable {
    case notELF
    /// An ELF file without Go build information: not a Go program (or a stripped one beyond recovery).
    case noBuildInfo
    /// Go before 1.18 stored pointers to the strings, which need the program's memory layout to follow.
    case beforeGo118
    case corrupt(String)

    /// A message for a report.
    public var description: String {
        switch self {
        case .notELF: return "not an ELF file"
        case .noBuildInfo: return "no Go build information"
        case .beforeGo118: return "Go binary built before Go 1.18; build info not read"
        case .corrupt(let reason): return "corrupt Go build information: \(reason)"
        }
    }
}

/// The build information the Go linker embeds in a program (`go version -m` shows it): the toolchain
/// version and the module graph, from the `.go.buildinfo` section in Go 1.18's inline format.
public struct GoBuildInfo: Sendable, Hashable {
    /// A module as modinfo records it.
    public struct Module: Sendable, Hashable {
        /// Module path, e.g. "golang.org/x/net".
        public var path: String
        /// "v0.17.0", or "(devel)" for the main module built from a work tree.
        public var version: String
        /// go.sum hash ("h1:…"), nil when not recorded.
        public var sum: String?
        /// The `=>` line that replaces this module, if any (a directory replacement has version "(devel)" or none).
        public var replacement: Replacement?

        /// A module as a "mod" or "dep" line gives it.
        public init(path: String, version: String, sum: String? = nil, replacement: Replacement? = nil) {
            self.path = path
            self.version = version
            self.sum = sum
            self.replacement = replacement
        }
    }

    /// A `replace` directive's target.
    public struct Replacement: Sendable, Hashable {
        /// Module path, or a directory ("../fork") for a local replacement.
        public var path: String
        /// The replacement's version; empty or "(devel)" for a directory.
        public var version: String
        /// go.sum hash, nil when not recorded.
        public var sum: String?

        /// A replacement as an "=>" line gives it.
        public init(path: String, version: String, sum: String? = nil) {
            self.path = path
            self.version = version
            self.sum = sum
        }
    }

    /// "go1.21.5" (possibly with " X:…" experiments after it).
    public var goVersion: String
    /// The main package's import path ("path" line).
    public var path: String?
    /// The main module ("mod" line); nil for programs built outside module mode.
    public var main: Module?
    /// "dep" lines, in order.
    public var dependencies: [Module]
    /// "build" lines: "-ldflags", "GOOS", "vcs.revision", …
    public var settings: [String: String]
    /// modinfo lines that could not be read.
    public var problems: [String]

    static let magic: [UInt8] = [0xFF] + Array(" Go buildinf:".utf8)

    /// Reads the build information of an ELF executable: the `.go.buildinfo` section when the section headers are
    /// there, else the magic searched at 16-byte aligned offsets of the whole file.
    public static func read(binary: Data) throws -> GoBuildInfo {
        try binary.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> GoBuildInfo in
            guard raw.count >= 52, raw[0] == 0x7F, raw[1] == 0x45, raw[2] == 0x4C, raw[3] == 0x46 else {
                throw GoBuildInfoError.notELF
            }
            if let section = ELF.section(named: ".go.buildinfo", in: raw),
                let start = alignedMagic(in: raw, from: section.lowerBound, to: section.upperBound)
            {
                return try parse(raw, at: start)
            }
            guard let start = alignedMagic(in: raw, from: 0, to: raw.count) else { throw GoBuildInfoError.noBuildInfo }
            return try parse(raw, at: start)
        }
    }

    private static func alignedMagic(in raw: UnsafeRawBufferPointer, from start: Int, to end: Int) -> Int? {
        var offset = start
        let last = min(end, raw.count) - 32
        while offset <= last {
            if raw[offset] == 0xFF, raw[offset + 1] == 0x20, raw[offset + 2] == 0x47 {
                if (0..<magic.count).allSatisfy({ raw[offset + $0] == magic[$0] }) { return offset }
            }
            offset += 16
        }
        return nil
    }

    /// The 32-byte header: magic (14), pointer size (1), flags (1); flag 2 means the strings follow inline.
    private static func parse(_ raw: UnsafeRawBufferPointer, at start: Int) throws -> GoBuildInfo {
        let flags = raw[start + 15]
        guard flags & 2 != 0 else { throw GoBuildInfoError.beforeGo118 }
        var cursor = start + 32
        func bytes() throws -> [UInt8] {
            var length: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                guard cursor < raw.count, shift < 64 else { throw GoBuildInfoError.corrupt("bad string length") }
                let byte = raw[cursor]
                cursor += 1
                length |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 { break }
                shift += 7
            }
            guard length <= UInt64(raw.count - cursor) else {
                throw GoBuildInfoError.corrupt("a \(length)-byte string runs past the end of the file")
            }
            let value = Array(raw[cursor..<(cursor + Int(length))])
            cursor += Int(length)
            return value
        }
        let version = String(decoding: try bytes(), as: UTF8.self)
        var modinfo = try bytes()
        // The linker wraps modinfo in 16-byte sentinels; the text ends with "\n" just before the closing one.
        if modinfo.count >= 33, modinfo[modinfo.count - 17] == UInt8(ascii: "\n") {
            modinfo = Array(modinfo[16..<(modinfo.count - 16)])
        } else {
            modinfo = []
        }
        return GoBuildInfo(goVersion: version, modinfo: String(decoding: modinfo, as: UTF8.self))
    }

    /// Parses modinfo text as runtime/debug.ParseBuildInfo does ("path", "mod", "dep", "=>", "build" lines).
    public init(goVersion: String, modinfo: String) {
        self.goVersion = goVersion
        self.path = nil
        self.main = nil
        self.dependencies = []
        self.settings = [:]
        self.problems = []
        var last: WritableKeyPath<GoBuildInfo, Module?>? = nil
        var lastDependency: Int?
        for line in modinfo.split(separator: "\n", omittingEmptySubsequences: true) {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            switch fields[0] {
            case "path" where fields.count >= 2:
                path = fields[1]
            case "mod" where fields.count >= 3, "dep" where fields.count >= 3:
                let module = Module(path: fields[1], version: fields[2],
                                    sum: fields.count >= 4 && !fields[3].isEmpty ? fields[3] : nil)
                if fields[0] == "mod" {
                    main = module
                    last = \.main
                    lastDependency = nil
                } else {
                    dependencies.append(module)
                    lastDependency = dependencies.count - 1
                    last = nil
                }
            case "=>" where fields.count >= 3:
                let replacement = Replacement(path: fields[1], version: fields[2],
                                              sum: fields.count >= 4 && !fields[3].isEmpty ? fields[3] : nil)
                if let index = lastDependency {
                    dependencies[index].replacement = replacement
                } else if let key = last {
                    self[keyPath: key]?.replacement = replacement
                } else {
                    problems.append("replacement without a module: \(line)")
                }
                lastDependency = nil
                last = nil
            case "build" where fields.count >= 2:
                let setting = fields[1...].joined(separator: "\t")
                if let equals = setting.firstIndex(of: "=") {
                    settings[String(setting[..<equals])] = String(setting[setting.index(after: equals)...])
                } else {
                    problems.append("build line without '=': \(line)")
                }
            default:
                problems.append("unknown modinfo line: \(line)")
            }
        }
    }
}

/// ELF section lookup, for 32- and 64-bit files of either byte order.
enum ELF {
    /// The file range of the section called `name`, when the section headers are present and sane.
    static func section(named name: String, in raw: UnsafeRawBufferPointer) -> Range<Int>? {
        let is64: Bool
        switch raw[4] {
        case 1: is64 = false
        case 2: is64 = true
        default: return nil
        }
        let bigEndian: Bool
        switch raw[5] {
        case 1: bigEndian = false
        case 2: bigEndian = true
        default: return nil
        }
        func uint(_ offset: Int, _ size: Int) -> UInt64? {
            guard offset >= 0, offset + size <= raw.count else { return nil }
            var value: UInt64 = 0
            for index in 0..<size {
                let byte = UInt64(raw[offset + (bigEndian ? index : size - 1 - index)])
                value = value << 8 | byte
            }
            return value
        }
        let word = is64 ? 8 : 4
        guard let headerOffset = uint(is64 ? 0x28 : 0x20, word),
            let entrySize = uint(is64 ? 0x3A : 0x2E, 2),
            let count = uint(is64 ? 0x3C : 0x30, 2),
            let namesIndex = uint(is64 ? 0x3E : 0x32, 2),
            headerOffset > 0, headerOffset < UInt64(raw.count), entrySize >= UInt64(is64 ? 64 : 40),
            count > 0, namesIndex < count
        else { return nil }

        func header(_ index: Int) -> (name: UInt64, type: UInt64, offset: UInt64, size: UInt64)? {
            let base = Int(headerOffset) + index * Int(entrySize)
            guard let nameOffset = uint(base, 4), let type = uint(base + 4, 4),
                let offset = uint(base + (is64 ? 0x18 : 0x10), word),
                let size = uint(base + (is64 ? 0x20 : 0x14), word)
            else { return nil }
            return (nameOffset, type, offset, size)
        }
        guard let names = header(Int(namesIndex)), names.offset < UInt64(raw.count) else { return nil }
        let namesEnd = Int(min(names.offset + min(names.size, UInt64(raw.count)), UInt64(raw.count)))
        let wanted = Array(name.utf8)
        for index in 0..<Int(count) {
            guard let section = header(index) else { return nil }
            let nameStart = Int(names.offset) + Int(min(section.name, UInt64(raw.count)))
            guard nameStart + wanted.count < namesEnd else { continue }
            guard (0..<wanted.count).allSatisfy({ raw[nameStart + $0] == wanted[$0] }),
                raw[nameStart + wanted.count] == 0
            else { continue }
            // SHT_NOBITS (8) has no bytes in the file.
            guard section.type != 8, section.offset < UInt64(raw.count) else { return nil }
            let end = min(section.offset + min(section.size, UInt64(raw.count)), UInt64(raw.count))
            return Int(section.offset)..<Int(end)
        }
        return nil
    }
}

/// Go programs: the toolchain ("stdlib"), the main module and every dependency module.
enum GoBinary {
    static func isELF(_ data: Data) -> Bool {
        data.count >= 4 && data.starts(with: [0x7F, 0x45, 0x4C, 0x46])
    }

    static func catalog(path: String, data: Data) -> CatalogResult {
        var diagnostics = Diagnostics(path: path)
        let info: GoBuildInfo
        do {
            info = try GoBuildInfo.read(binary: data)
        } catch GoBuildInfoError.notELF, GoBuildInfoError.noBuildInfo {
            return CatalogResult()
        } catch {
            diagnostics.warn("\(error)")
            return diagnostics.result([])
        }
        var packages: [InstalledPackage] = []
        let toolchain = info.goVersion.split(separator: " ").first.map(String.init) ?? ""
        if toolchain.hasPrefix("go"), toolchain.count > 2 {
            packages.append(InstalledPackage(kind: .golang, name: "stdlib", version: "v" + toolchain.dropFirst(2),
                                             path: path))
        } else {
            diagnostics.warn("unrecognised Go version \(excerpt(info.goVersion)); stdlib not reported")
        }
        if let main = info.main, !main.path.isEmpty {
            packages.append(package(main, path: path))
        }
        for dependency in info.dependencies where !dependency.path.isEmpty {
            packages.append(package(dependency, path: path))
        }
        for problem in info.problems {
            diagnostics.warn(problem)
        }
        return diagnostics.result(packages)
    }

    /// A module replaced by another module (`=> example.com/fork v1.2.0`) is reported as the replacement; one
    /// replaced by a local directory (`=> ../fork`) keeps its module path, with version "(devel)": a directory
    /// path names no package anyone could look up.
    private static func package(_ module: GoBuildInfo.Module, path: String) -> InstalledPackage {
        var name = module.path
        var version = module.version
        if let replacement = module.replacement {
            if replacement.version.isEmpty || replacement.version == "(devel)" || isDirectoryPath(replacement.path) {
                version = "(devel)"
            } else {
                name = replacement.path
                version = replacement.version
            }
        }
        if version.isEmpty { version = "(devel)" }
        return InstalledPackage(kind: .golang, name: name, version: version, path: path)
    }

    /// As Go's modfile.IsDirectoryPath: "./x", "../x", "/x", ".", "..", or a Windows path.
    static func isDirectoryPath(_ path: String) -> Bool {
        path == "." || path == ".." || path.hasPrefix("./") || path.hasPrefix("../") || path.hasPrefix("/")
            || path.hasPrefix(".\\") || path.hasPrefix("..\\") || path.hasPrefix("\\")
            || (path.count >= 3 && path.dropFirst().hasPrefix(":\\"))
    }
}
