// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "slipway",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "slipway", targets: ["slipway"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.0.0"..<"5.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.20.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.25.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
    ],
    targets: [
        // zlib (Debian: zlib1g-dev) and <sys/xattr.h>.
        .systemLibrary(name: "CSlipwaySystem", path: "Sources/CSlipwaySystem"),
        // SQLite's C API (Debian: libsqlite3-dev), to read an image's rpmdb.sqlite from memory.
        .systemLibrary(name: "CSlipwaySQLite", path: "Sources/CSlipwaySQLite"),

        .target(name: "SlipwayOCI", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "SlipwayArchive", dependencies: ["CSlipwaySystem"]),
        .target(name: "SlipwayConfig", dependencies: [.product(name: "Yams", package: "Yams")]),
        .target(name: "SlipwayStore", dependencies: ["SlipwayOCI", "SlipwayArchive", .product(name: "GRDB", package: "GRDB.swift")]),
        .target(
            name: "SlipwayRegistry",
            dependencies: [
                "SlipwayOCI", "SlipwayArchive", "SlipwayStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                "CSlipwaySystem",
            ]
        ),
        .target(
            name: "SlipwayRegistryClient",
            dependencies: [
                "SlipwayOCI", "SlipwayArchive", "SlipwayStore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .target(
            name: "SlipwayDeploy",
            dependencies: [
                "SlipwayOCI", "SlipwayArchive", "SlipwayStore", "SlipwayConfig",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ]
        ),
        // Vulnerability scanning: versions, CVSS, package inventory, the OSV database, matching and reports.
        .target(
            name: "SlipwayScanner",
            dependencies: [
                "SlipwayOCI", "SlipwayArchive", "SlipwayStore", "SlipwayConfig", "CSlipwaySystem", "CSlipwaySQLite",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // Dockerfile builds: the parser (pure), layers in overlayfs form, RUN steps through runc.
        .target(
            name: "SlipwayBuilder",
            dependencies: [
                "SlipwayOCI", "SlipwayArchive", "SlipwayStore", "SlipwayRegistryClient", "CSlipwaySystem",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        // The path from a push to an image: webhooks, the built-in git remote, fetching with credentials, the build queue.
        .target(
            name: "SlipwayPipeline",
            dependencies: [
                "SlipwayOCI", "SlipwayStore", "SlipwayConfig", "SlipwayBuilder", "SlipwayRegistry", "SlipwayRegistryClient",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(name: "SlipwayAccess", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        .target(
            name: "SlipwayProxy",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .target(
            name: "SlipwayCommands",
            dependencies: [
                "SlipwayOCI", "SlipwayArchive", "SlipwayStore", "SlipwayRegistry", "SlipwayConfig", "SlipwayRegistryClient",
                "SlipwayDeploy", "SlipwayProxy", "SlipwayAccess", "SlipwayScanner", "SlipwayBuilder", "SlipwayPipeline",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            plugins: ["BuildInfoPlugin"]
        ),
        .plugin(name: "BuildInfoPlugin", capability: .buildTool()),
        .executableTarget(name: "slipway", dependencies: ["SlipwayCommands"]),
        .target(name: "SlipwayTestSupport", dependencies: ["SlipwayOCI"]),

        .testTarget(name: "SlipwayOCITests", dependencies: ["SlipwayOCI", "SlipwayTestSupport"]),
        .testTarget(name: "SlipwayArchiveTests", dependencies: ["SlipwayArchive", "SlipwayTestSupport"]),
        .testTarget(name: "SlipwayStoreTests", dependencies: ["SlipwayStore", "SlipwayTestSupport", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(
            name: "SlipwayRegistryTests",
            dependencies: [
                "SlipwayRegistry", "SlipwayTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(name: "SlipwayConfigTests", dependencies: ["SlipwayConfig"]),
        .testTarget(
            name: "SlipwayProxyTests",
            dependencies: [
                "SlipwayProxy",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "SlipwayAccessTests", dependencies: ["SlipwayAccess"]),
        .testTarget(
            name: "SlipwayBuilderTests", dependencies: ["SlipwayBuilder", "SlipwayTestSupport"],
            resources: [.copy("Dockerfile/Fixtures")]
        ),
        .testTarget(
            name: "SlipwayScannerTests",
            dependencies: ["SlipwayScanner", "SlipwayTestSupport", "CSlipwaySQLite"],
            resources: [.copy("Inventory/Fixtures")]
        ),
        .testTarget(
            name: "SlipwayPipelineTests", dependencies: ["SlipwayPipeline", "SlipwayTestSupport"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "SlipwayDeployTests", dependencies: ["SlipwayDeploy", "SlipwayTestSupport"]),
        .testTarget(name: "SlipwayRegistryClientTests", dependencies: ["SlipwayRegistryClient", "SlipwayTestSupport"]),
        .testTarget(name: "IntegrationTests", dependencies: ["SlipwayTestSupport"], exclude: ["Fixtures"]),
        .testTarget(
            name: "SlipwayCommandsTests",
            dependencies: ["SlipwayCommands", "SlipwayTestSupport"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
