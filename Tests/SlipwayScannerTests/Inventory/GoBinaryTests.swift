import Foundation
import SlipwayScanner
import Testing

/// Go programs built at test time from a module with vendored dependencies (no network): one plain dependency,
/// one replaced by another module, one replaced by a local directory.
struct GoFixture: Sendable {
    let goVersion: String
    /// GOARCH → binary.
    let binaries: [String: Data]

    static let architectures = ["amd64", "386", "s390x", "mips"]

    static let shared: Result<GoFixture, SetupError> = {
        do {
            return .success(try build())
        } catch let error as SetupError {
            return .failure(error)
        } catch {
            return .failure(SetupError(description: "building the Go test programs: \(error)"))
        }
    }()

    static func build() throws -> GoFixture {
        let go = try tool("go", debianPackage: "golang-go")
        let root = try temporaryDirectory("go")
        defer { try? FileManager.default.removeItem(at: root) }
        let app = root.appendingPathComponent("app")
        try write("""
            module example.com/app

            go 1.18

            require (
            \texample.com/dep v1.2.3
            \texample.com/forked v1.0.0
            \texample.com/local v0.0.0
            )

            replace example.com/forked => example.com/fork v1.1.0

            replace example.com/local => ../local

            """, to: app.appendingPathComponent("go.mod"))
        try write("""
            package main

            import (
            \t"example.com/dep"
            \t"example.com/forked"
            \t"example.com/local"
            )

            func main() { println(dep.Name(), forked.Name(), local.Name()) }

            """, to: app.appendingPathComponent("main.go"))
        try write("""
            # example.com/dep v1.2.3
            ## explicit; go 1.18
            example.com/dep
            # example.com/forked v1.0.0 => example.com/fork v1.1.0
            ## explicit; go 1.18
            example.com/forked
            # example.com/local v0.0.0 => ../local
            ## explicit; go 1.18
            example.com/local
            # example.com/forked => example.com/fork v1.1.0
            # example.com/local => ../local

            """, to: app.appendingPathComponent("vendor/modules.txt"))
        for name in ["dep", "forked", "local"] {
            try write("package \(name)\n\nfunc Name() string { return \"\(name)\" }\n",
                      to: app.appendingPathComponent("vendor/example.com/\(name)/\(name).go"))
        }
        try write("module example.com/local\n\ngo 1.18\n", to: root.appendingPathComponent("local/go.mod"))
        try write("package local\n\nfunc Name() string { return \"local\" }\n",
                  to: root.appendingPathComponent("local/local.go"))

        let environment = [
            "GOCACHE": FileManager.default.temporaryDirectory.appendingPathComponent("slipway-inventory-gocache").path,
            "GOPATH": root.appendingPathComponent("gopath").path,
            "GOFLAGS": "-mod=vendor", "GOPROXY": "off", "GOTOOLCHAIN": "local", "CGO_ENABLED": "0",
            "GO111MODULE": "on", "HOME": root.path,
        ]
        let version = try run(go, ["env", "GOVERSION"], in: app, environment: environment)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        var binaries: [String: Data] = [:]
        for arch in architectures {
            let output = root.appendingPathComponent("app-\(arch)")
            try run(go, ["build", "-trimpath", "-o", output.path, "."], in: app,
                    environment: environment.merging(["GOARCH": arch, "GOOS": "linux"]) { $1 })
            binaries[arch] = try Data(contentsOf: output)
        }
        return GoFixture(goVersion: version, binaries: binaries)
    }
}

@Suite("Go binaries", .serialized)
struct GoBinaryTests {
    func fixture() throws -> GoFixture {
        try GoFixture.shared.get()
    }

    @Test("build info of real Go binaries: ELF64/32, little and big endian", arguments: GoFixture.architectures)
    func realBinaries(arch: String) throws {
        let go = try fixture()
        let data = try #require(go.binaries[arch])
        #expect(Catalogers.wants(path: "usr/local/bin/app", size: Int64(data.count), isExecutable: true))
        let result = Catalogers.catalog(path: "usr/local/bin/app", contents: data, osRelease: nil)
        #expect(result.warnings.isEmpty, "\(result.warnings)")
        let found = result.packages.map { "\($0.name)@\($0.version)" }
        let stdlib = "stdlib@v" + go.goVersion.dropFirst(2)
        #expect(found == [stdlib, "example.com/app@(devel)", "example.com/dep@v1.2.3", "example.com/fork@v1.1.0",
                          "example.com/local@(devel)"])
        #expect(result.packages.allSatisfy { $0.kind == .golang && $0.path == "usr/local/bin/app" })
        #expect(find(result.packages, "example.com/dep")?.purl == "pkg:golang/example.com/dep@v1.2.3")
        #expect(find(result.packages, "stdlib")?.purl == "pkg:golang/stdlib@v" + go.goVersion.dropFirst(2))

        let info = try GoBuildInfo.read(binary: data)
        #expect(info.goVersion == go.goVersion)
        #expect(info.path == "example.com/app")
        #expect(info.settings["GOARCH"] == arch)
        #expect(info.dependencies.map(\.path) == ["example.com/dep", "example.com/forked", "example.com/local"])
        #expect(info.dependencies.map { $0.replacement?.path } == [nil, "example.com/fork", "../local"])
        #expect(info.problems.isEmpty)
    }

    @Test("GoBuildInfo agrees with `go version -m`")
    func agreesWithGo() throws {
        let go = try fixture()
        let goTool = try tool("go", debianPackage: "golang-go")
        let data = try #require(go.binaries["amd64"])
        let directory = try temporaryDirectory("go-version")
        defer { try? FileManager.default.removeItem(at: directory) }
        let binary = directory.appendingPathComponent("app")
        try data.write(to: binary)
        // `go version` skips files without an x bit.
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: binary.path)
        let listing = try run(goTool, ["version", "-m", binary.path],
                              environment: ["GOCACHE": directory.appendingPathComponent("cache").path,
                                            "HOME": directory.path])
        let info = try GoBuildInfo.read(binary: data)
        var expected: [String] = []
        for line in listing.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).dropFirst()
            let values = Array(fields)
            if values.first == "dep", values.count >= 3 { expected.append("\(values[1])@\(values[2])") }
        }
        #expect(expected.count == 3, "go version -m printed: \(listing)")
        #expect(info.dependencies.map { "\($0.path)@\($0.version)" } == expected)
    }

    @Test("without section headers the build info is found by its aligned magic")
    func noSectionHeaders() throws {
        let go = try fixture()
        var bytes = [UInt8](try #require(go.binaries["amd64"]))
        // ELF64: e_shoff at 0x28 (8 bytes), e_shnum at 0x3C: wipe them.
        for index in 0x28..<0x30 { bytes[index] = 0 }
        bytes[0x3C] = 0
        bytes[0x3D] = 0
        let result = Catalogers.catalog(path: "app", contents: Data(bytes), osRelease: nil)
        #expect(result.warnings.isEmpty)
        #expect(result.packages.count == 5)
    }

    @Test("a pre-1.18 build info header is a warning")
    func beforeGo118() throws {
        let go = try fixture()
        var bytes = [UInt8](try #require(go.binaries["amd64"]))
        let magic: [UInt8] = [0xFF] + Array(" Go buildinf:".utf8)
        var offset = 0
        while offset + 16 <= bytes.count, Array(bytes[offset..<(offset + magic.count)]) != magic { offset += 16 }
        try #require(offset + 16 <= bytes.count)
        bytes[offset + 15] = 0  // flags: pointer format
        let result = Catalogers.catalog(path: "usr/bin/old", contents: Data(bytes), osRelease: nil)
        #expect(result.packages.isEmpty)
        #expect(result.warnings.map(\.message) == ["Go binary built before Go 1.18; build info not read"])
        #expect(throws: GoBuildInfoError.beforeGo118) { try GoBuildInfo.read(binary: Data(bytes)) }
    }

    @Test("a cut-off Go binary and a non-Go ELF file")
    func damaged() throws {
        let go = try fixture()
        let data = try #require(go.binaries["amd64"])
        for length in [64, 4096, data.count / 3, data.count / 2, data.count - 1000] {
            let result = Catalogers.catalog(path: "app", contents: data.prefix(length), osRelease: nil)
            #expect(result.packages.count <= 5)
        }
        let elf = try Data(contentsOf: URL(fileURLWithPath: "/bin/true"))
        let plain = Catalogers.catalog(path: "bin/true", contents: elf, osRelease: nil)
        #expect(plain.packages.isEmpty && plain.warnings.isEmpty)
        #expect(throws: GoBuildInfoError.noBuildInfo) { try GoBuildInfo.read(binary: elf) }
        #expect(throws: GoBuildInfoError.notELF) { try GoBuildInfo.read(binary: Data("#!/bin/sh\n".utf8)) }
    }

    @Test("modinfo text: replacements, build settings, stray lines")
    func modinfoText() {
        let info = GoBuildInfo(goVersion: "go1.21.5", modinfo: """
            path\tgithub.com/acme/tool
            mod\tgithub.com/acme/tool\tv1.4.0\th1:abc=
            dep\tgolang.org/x/net\tv0.17.0\th1:def=
            =>\tgithub.com/acme/net\tv0.17.1\th1:ghi=
            dep\tgolang.org/x/text\tv0.13.0\th1:jkl=
            build\t-ldflags=-s -w
            build\tvcs.revision=0123abcd
            nonsense line

            """)
        #expect(info.main?.version == "v1.4.0")
        #expect(info.dependencies.count == 2)
        #expect(info.dependencies.first?.replacement == GoBuildInfo.Replacement(path: "github.com/acme/net",
                                                                                  version: "v0.17.1", sum: "h1:ghi="))
        #expect(info.settings["-ldflags"] == "-s -w")
        #expect(info.settings["vcs.revision"] == "0123abcd")
        #expect(info.problems.count == 1)
    }
}
