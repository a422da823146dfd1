import Foundation
import SlipwayOCI
import Testing

private func digest(_ text: String) -> Digest { Digest(of: Array(text.utf8)) }
private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
private func string(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

private let configDigest = digest("config")
private let layer1 = digest("layer1")
private let layer2 = digest("layer2")
private let layer3 = digest("layer3")
private let amd64Manifest = digest("amd64")
private let arm64Manifest = digest("arm64")
private let armManifest = digest("arm")
private let windowsManifest = digest("windows")
private let attestation = digest("attestation")

// MARK: - Documents as registries serve them

private let ociManifestJSON = #"""
{
  "schemaVersion": 2,
  "mediaType": "application/vnd.oci.image.manifest.v1+json",
  "config": {
    "mediaType": "application/vnd.oci.image.config.v1+json",
    "digest": "\#(configDigest)",
    "size": 7023
  },
  "layers": [
    {
      "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
      "digest": "\#(layer1)",
      "size": 32654,
      "x-vendor-extension": {"compressed": true, "level": 9, "ratio": 2.5, "tags": ["a", null]}
    },
    {
      "mediaType": "application/vnd.oci.image.layer.v1.tar+zstd",
      "digest": "\#(layer2)",
      "size": 16724,
      "annotations": {"org.opencontainers.image.title": "layer2.tar.zst"},
      "urls": ["https://cdn.example.com/layer2"]
    }
  ],
  "annotations": {
    "org.opencontainers.image.created": "2024-01-02T03:04:05Z",
    "org.opencontainers.image.source": "https://github.com/acme/app"
  },
  "x-future-field": ["a", 1, 2.5, true, null, {"k": "v"}]
}
"""#

private let dockerManifestJSON = #"""
{
   "schemaVersion": 2,
   "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
   "config": {
      "mediaType": "application/vnd.docker.container.image.v1+json",
      "size": 7023,
      "digest": "\#(configDigest)"
   },
   "layers": [
      {
         "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
         "size": 32654,
         "digest": "\#(layer1)"
      },
      {
         "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
         "size": 16724,
         "digest": "\#(layer2)"
      },
      {
         "mediaType": "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
         "size": 73109,
         "digest": "\#(layer3)",
         "urls": ["https://mcr.microsoft.com/v2/windows/servercore/blobs/\#(layer3)"]
      }
   ]
}
"""#

private let ociIndexJSON = #"""
{
  "schemaVersion": 2,
  "mediaType": "application/vnd.oci.image.index.v1+json",
  "manifests": [
    {
      "mediaType": "application/vnd.oci.image.manifest.v1+json",
      "digest": "\#(windowsManifest)",
      "size": 700,
      "platform": {"architecture": "amd64", "os": "windows", "os.version": "10.0.17763.5206"}
    },
    {
      "mediaType": "application/vnd.oci.image.manifest.v1+json",
      "digest": "\#(amd64Manifest)",
      "size": 7143,
      "platform": {"architecture": "amd64", "os": "linux"}
    },
    {
      "mediaType": "application/vnd.oci.image.manifest.v1+json",
      "digest": "\#(arm64Manifest)",
      "size": 7682,
      "platform": {"architecture": "arm64", "os": "linux", "variant": "v8"}
    },
    {
      "mediaType": "application/vnd.oci.image.manifest.v1+json",
      "digest": "\#(armManifest)",
      "size": 7682,
      "platform": {"architecture": "arm", "os": "linux", "variant": "v7"}
    },
    {
      "mediaType": "application/vnd.oci.image.manifest.v1+json",
      "digest": "\#(attestation)",
      "size": 566,
      "annotations": {
        "vnd.docker.reference.digest": "\#(amd64Manifest)",
        "vnd.docker.reference.type": "attestation-manifest"
      },
      "platform": {"architecture": "unknown", "os": "unknown"}
    }
  ],
  "annotations": {"org.opencontainers.image.ref.name": "1.0"}
}
"""#

private let dockerManifestListJSON = #"""
{
  "schemaVersion": 2,
  "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
  "manifests": [
    {
      "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
      "digest": "\#(layer1)",
      "size": 7143,
      "platform": {"architecture": "ppc64le", "os": "linux"}
    },
    {
      "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
      "digest": "\#(amd64Manifest)",
      "size": 7682,
      "platform": {"architecture": "amd64", "os": "linux"}
    }
  ]
}
"""#

private let dockerConfigJSON = #"""
{
  "architecture": "amd64",
  "config": {
    "Hostname": "",
    "Domainname": "",
    "User": "app",
    "AttachStdin": false,
    "AttachStdout": false,
    "AttachStderr": false,
    "ExposedPorts": {"80/tcp": {}, "443/tcp": {}},
    "Tty": false,
    "OpenStdin": false,
    "StdinOnce": false,
    "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "NGINX_VERSION=1.25.3"],
    "Cmd": ["nginx", "-g", "daemon off;"],
    "Healthcheck": {
      "Test": ["CMD-SHELL", "curl -f http://localhost/ || exit 1"],
      "Interval": 30000000000,
      "Retries": 3
    },
    "Image": "\#(layer3)",
    "Volumes": {"/var/cache/nginx": {}},
    "WorkingDir": "/srv",
    "Entrypoint": ["/docker-entrypoint.sh"],
    "OnBuild": null,
    "Labels": {"maintainer": "NGINX Docker Maintainers"},
    "StopSignal": "SIGQUIT"
  },
  "container": "3f4b6a8a5e1c0d2f7a9b8c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f",
  "container_config": {
    "Hostname": "3f4b6a8a5e1c",
    "Cmd": ["/bin/sh", "-c", "#(nop) ", "CMD [\"nginx\" \"-g\" \"daemon off;\"]"]
  },
  "created": "2023-11-01T12:34:56.789012345Z",
  "docker_version": "20.10.23",
  "history": [
    {
      "created": "2023-10-31T00:00:00Z",
      "created_by": "/bin/sh -c #(nop) ADD file:0123abcd in / "
    },
    {
      "created": "2023-10-31T00:00:01Z",
      "created_by": "/bin/sh -c #(nop)  CMD [\"bash\"]",
      "empty_layer": true
    },
    {
      "created": "2023-11-01T12:34:56Z",
      "created_by": "RUN /bin/sh -c apt-get update # buildkit",
      "comment": "buildkit.dockerfile.v0"
    }
  ],
  "os": "linux",
  "rootfs": {
    "type": "layers",
    "diff_ids": ["\#(layer1)", "\#(layer2)"]
  }
}
"""#

@Suite struct ManifestTests {
    @Test func decodesOCIManifest() throws {
        let manifest = try ImageManifest.decode(bytes(ociManifestJSON))
        #expect(manifest.schemaVersion == 2)
        #expect(manifest.mediaType == MediaType.ociManifest)
        #expect(manifest.artifactType == nil)
        #expect(manifest.subject == nil)
        #expect(manifest.config.mediaType == MediaType.ociConfig)
        #expect(manifest.config.digest == configDigest)
        #expect(manifest.config.size == 7023)
        #expect(manifest.config.unknownFields.isEmpty)
        try #require(manifest.layers.count == 2)
        #expect(manifest.layers.map(\.digest) == [layer1, layer2])
        #expect(manifest.layers.map(\.size) == [32654, 16724])
        #expect(manifest.layers[0].mediaType == MediaType.ociLayerGzip)
        #expect(manifest.layers[1].annotations == ["org.opencontainers.image.title": "layer2.tar.zst"])
        #expect(manifest.layers[1].urls == ["https://cdn.example.com/layer2"])
        #expect(manifest.annotations?[Annotation.created] == "2024-01-02T03:04:05Z")
        #expect(manifest.annotations?[Annotation.source] == "https://github.com/acme/app")
    }

    @Test func keepsUnknownFieldsOfManifestAndDescriptor() throws {
        let manifest = try ImageManifest.decode(bytes(ociManifestJSON))
        #expect(manifest.unknownFields == [
            "x-future-field": .array([.string("a"), .integer(1), .number(2.5), .bool(true), .null,
                                      .object(["k": .string("v")])]),
        ])
        #expect(manifest.layers[0].unknownFields == [
            "x-vendor-extension": .object([
                "compressed": .bool(true), "level": .integer(9), "ratio": .number(2.5),
                "tags": .array([.string("a"), .null]),
            ]),
        ])
        #expect(manifest.layers[1].unknownFields.isEmpty)
    }

    @Test func ociManifestRoundTripsThroughCanonicalJSON() throws {
        let manifest = try ImageManifest.decode(bytes(ociManifestJSON))
        let encoded = try CanonicalJSON.encode(manifest)
        #expect(try manifest.encoded() == encoded)
        let text = string(encoded)
        #expect(text.contains(#""x-future-field":["a",1,2.5,true,null,{"k":"v"}]"#))
        #expect(text.contains(#""x-vendor-extension":{"compressed":true,"level":9,"ratio":2.5,"tags":["a",null]}"#))
        #expect(text.contains(#""org.opencontainers.image.source":"https://github.com/acme/app""#))
        let again = try ImageManifest.decode(encoded)
        #expect(again == manifest)
        // Canonical bytes are a fixed point.
        #expect(try CanonicalJSON.encode(again) == encoded)
    }

    @Test func decodesDockerSchema2Manifest() throws {
        let manifest = try ImageManifest.decode(bytes(dockerManifestJSON))
        #expect(manifest.mediaType == MediaType.dockerManifest)
        #expect(manifest.config.mediaType == MediaType.dockerConfig)
        #expect(manifest.config.digest == configDigest)
        #expect(manifest.layers.map(\.mediaType) == [
            MediaType.dockerLayerGzip, MediaType.dockerLayerGzip, MediaType.dockerForeignLayerGzip,
        ])
        #expect(manifest.layers.map(\.size) == [32654, 16724, 73109])
        #expect(manifest.layers[2].urls == ["https://mcr.microsoft.com/v2/windows/servercore/blobs/\(layer3)"])
        #expect(manifest.annotations == nil)
        #expect(manifest.unknownFields.isEmpty)
        #expect(try ImageManifest.decode(manifest.encoded()) == manifest)
    }

    @Test func manifestWithoutMediaTypeIsAccepted() throws {
        let json = #"{"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\#(configDigest)","size":2},"layers":[]}"#
        let manifest = try ImageManifest.decode(bytes(json))
        #expect(manifest.mediaType == nil)
        #expect(manifest.layers.isEmpty)
        #expect(!string(try manifest.encoded()).contains("mediaType\":\"application/vnd.oci.image.manifest"))
    }

    @Test func decodesSubjectAndArtifactType() throws {
        let json = #"""
        {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
         "artifactType":"application/spdx+json",
         "config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"\#(configDigest)","size":2,"data":"e30="},
         "layers":[],
         "subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\#(amd64Manifest)","size":7143}}
        """#
        let manifest = try ImageManifest.decode(bytes(json))
        #expect(manifest.artifactType == "application/spdx+json")
        #expect(manifest.config.mediaType == MediaType.ociEmpty)
        #expect(manifest.config.data == "e30=")
        #expect(manifest.subject?.digest == amd64Manifest)
        #expect(manifest.subject?.size == 7143)
        #expect(try ImageManifest.decode(manifest.encoded()) == manifest)
    }
}

@Suite struct IndexTests {
    @Test func decodesOCIIndex() throws {
        let index = try ImageIndex.decode(bytes(ociIndexJSON))
        #expect(index.schemaVersion == 2)
        #expect(index.mediaType == MediaType.ociIndex)
        #expect(index.annotations == [Annotation.refName: "1.0"])
        #expect(index.manifests.map(\.digest) == [
            windowsManifest, amd64Manifest, arm64Manifest, armManifest, attestation,
        ])
        #expect(index.manifests[0].platform == Platform(os: "windows", architecture: "amd64",
                                                         osVersion: "10.0.17763.5206"))
        #expect(index.manifests[1].platform == .linuxAMD64)
        #expect(index.manifests[2].platform == Platform(os: "linux", architecture: "arm64", variant: "v8"))
        #expect(index.manifests[2].platform?.description == "linux/arm64/v8")
        #expect(index.manifests[4].annotations?["vnd.docker.reference.type"] == "attestation-manifest")
    }

    @Test func indexRoundTripsThroughCanonicalJSON() throws {
        let index = try ImageIndex.decode(bytes(ociIndexJSON))
        let encoded = try index.encoded()
        #expect(string(encoded).contains(#""os.version":"10.0.17763.5206""#))
        #expect(try ImageIndex.decode(encoded) == index)
    }

    @Test(arguments: [
        ("linux/amd64", amd64Manifest),  // skips the windows/amd64 entry listed first
        ("windows/amd64", windowsManifest),
        ("linux/arm64", arm64Manifest),  // no variant asked: any variant matches
        ("linux/arm64/v8", arm64Manifest),
        ("linux/arm/v7", armManifest),
        ("linux/arm", armManifest),
        ("unknown/unknown", attestation),
    ])
    func selectsManifestForPlatform(platform: String, expected: Digest) throws {
        let index = try ImageIndex.decode(bytes(ociIndexJSON))
        #expect(index.manifest(for: try Platform(parsing: platform))?.digest == expected)
    }

    @Test(arguments: ["linux/arm/v6", "linux/arm64/v9", "linux/s390x", "darwin/arm64", "linux/amd64/v3"])
    func selectsNothingForAbsentPlatform(platform: String) throws {
        let index = try ImageIndex.decode(bytes(ociIndexJSON))
        #expect(index.manifest(for: try Platform(parsing: platform)) == nil)
    }

    @Test func entriesWithoutPlatformAreNeverSelected() throws {
        let index = ImageIndex(manifests: [
            Descriptor(mediaType: MediaType.ociManifest, digest: layer1, size: 1),
            Descriptor(mediaType: MediaType.ociManifest, digest: layer2, size: 2, platform: .linuxAMD64),
        ])
        #expect(index.manifest(for: .linuxAMD64)?.digest == layer2)
        #expect(ImageIndex(manifests: []).manifest(for: .linuxAMD64) == nil)
    }

    @Test func decodesDockerManifestList() throws {
        let list = try ImageIndex.decode(bytes(dockerManifestListJSON))
        #expect(list.mediaType == MediaType.dockerManifestList)
        #expect(list.manifests.count == 2)
        #expect(list.manifests.allSatisfy { $0.mediaType == MediaType.dockerManifest })
        #expect(list.manifests[0].platform == Platform(os: "linux", architecture: "ppc64le"))
        #expect(list.manifest(for: .linuxAMD64)?.digest == amd64Manifest)
        #expect(list.manifest(for: .linuxAMD64)?.size == 7682)
        #expect(try ImageIndex.decode(list.encoded()) == list)
    }

    @Test func platformFeaturesAreKeptThroughARoundTrip() throws {
        // Docker's manifest list spec documents `platform.features` (e.g. ["sse4"]).
        let json = #"""
        {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json",
         "manifests":[{"mediaType":"application/vnd.docker.distribution.manifest.v2+json",
           "digest":"\#(amd64Manifest)","size":7682,
           "platform":{"architecture":"amd64","os":"linux","features":["sse4"]}}]}
        """#
        let encoded = string(try ImageIndex.decode(bytes(json)).encoded())
        #expect(encoded.contains(#""platform":{"architecture":"amd64","features":["sse4"],"os":"linux"}"#))
    }
}

@Suite struct ConfigurationTests {
    @Test func decodesDockerImageConfig() throws {
        let config = try ImageConfiguration.decode(bytes(dockerConfigJSON))
        #expect(config.architecture == "amd64")
        #expect(config.os == "linux")
        #expect(config.variant == nil)
        #expect(config.platform == .linuxAMD64)
        #expect(config.created == "2023-11-01T12:34:56.789012345Z")
        #expect(config.rootfs.type == "layers")
        #expect(config.rootfs.diffIDs == [layer1, layer2])

        let container = try #require(config.config)
        #expect(container.user == "app")
        #expect(container.exposedPorts == ["80/tcp", "443/tcp"])
        #expect(container.volumes == ["/var/cache/nginx"])
        #expect(container.env == [
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "NGINX_VERSION=1.25.3",
        ])
        #expect(container.entrypoint == ["/docker-entrypoint.sh"])
        #expect(container.cmd == ["nginx", "-g", "daemon off;"])
        #expect(container.workingDir == "/srv")
        #expect(container.labels == ["maintainer": "NGINX Docker Maintainers"])
        #expect(container.stopSignal == "SIGQUIT")
        #expect(container.healthcheck == ContainerConfig.Healthcheck(
            test: ["CMD-SHELL", "curl -f http://localhost/ || exit 1"], interval: 30_000_000_000, retries: 3))
        #expect(container.healthcheck?.timeout == nil)

        let history = try #require(config.history)
        #expect(history.count == 3)
        #expect(history.map(\.emptyLayer) == [nil, true, nil])
        #expect(history.filter { $0.emptyLayer != true }.count == config.rootfs.diffIDs.count)
        #expect(history[1].createdBy == #"/bin/sh -c #(nop)  CMD ["bash"]"#)
        #expect(history[2].comment == "buildkit.dockerfile.v0")
    }

    @Test func keepsDockerSpecificFields() throws {
        let config = try ImageConfiguration.decode(bytes(dockerConfigJSON))
        #expect(config.unknownFields["docker_version"] == .string("20.10.23"))
        #expect(config.unknownFields["container"]
                    == .string("3f4b6a8a5e1c0d2f7a9b8c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f"))
        guard case .object(let containerConfig)? = config.unknownFields["container_config"] else {
            Issue.record("container_config not kept: \(String(describing: config.unknownFields["container_config"]))")
            return
        }
        #expect(containerConfig["Hostname"] == .string("3f4b6a8a5e1c"))
        #expect(Set(config.unknownFields.keys) == ["container", "container_config", "docker_version"])

        let container = try #require(config.config)
        #expect(container.unknownFields["Hostname"] == .string(""))
        #expect(container.unknownFields["AttachStdin"] == .bool(false))
        #expect(container.unknownFields["OnBuild"] == .null)
        #expect(container.unknownFields["Image"] == .string(layer3.description))
        #expect(container.unknownFields["User"] == nil)  // modelled, so not an unknown field
    }

    @Test func dockerConfigRoundTripsThroughCanonicalJSON() throws {
        let config = try ImageConfiguration.decode(bytes(dockerConfigJSON))
        let encoded = try config.encoded()
        let text = string(encoded)
        #expect(text.contains(#""docker_version":"20.10.23""#))
        #expect(text.contains(#""Hostname":"""#))
        #expect(text.contains(#""AttachStdin":false"#))
        #expect(text.contains(#""OnBuild":null"#))
        #expect(text.contains(#""ExposedPorts":{"443/tcp":{},"80/tcp":{}}"#))
        #expect(text.contains(#""Volumes":{"/var/cache/nginx":{}}"#))
        #expect(text.contains(#""Healthcheck":{"Interval":30000000000,"Retries":3,"Test":["CMD-SHELL","#))
        #expect(text.contains(#""empty_layer":true"#))
        #expect(text.contains(#""diff_ids":["\#(layer1)","\#(layer2)"]"#))
        #expect(try ImageConfiguration.decode(encoded) == config)
        #expect(try ImageConfiguration.decode(encoded).encoded() == encoded)
    }

    @Test func configWithVariantAndOSVersion() throws {
        let json = #"""
        {"architecture":"arm64","os":"linux","variant":"v8","os.version":"6.1","os.features":["f1"],
         "rootfs":{"type":"layers","diff_ids":[]}}
        """#
        let config = try ImageConfiguration.decode(bytes(json))
        #expect(config.platform == Platform(os: "linux", architecture: "arm64", variant: "v8", osVersion: "6.1",
                                            osFeatures: ["f1"]))
        #expect(config.config == nil)
        #expect(config.history == nil)
        #expect(config.rootfs.diffIDs.isEmpty)
        #expect(config.unknownFields.isEmpty)
        #expect(string(try config.encoded()).contains(#""os.features":["f1"],"os.version":"6.1""#))
    }

    @Test func builtConfigEncodesAsTheSpecSays() throws {
        let config = ImageConfiguration(
            config: ContainerConfig(exposedPorts: ["8080/tcp"], cmd: ["serve"]),
            rootfs: .init(diffIDs: [layer1]),
            history: [.init(createdBy: "slipway", emptyLayer: false)])
        #expect(string(try config.encoded()) == #"""
            {"architecture":"amd64","config":{"Cmd":["serve"],"ExposedPorts":{"8080/tcp":{}}},"history":[{"created_by":"slipway","empty_layer":false}],"os":"linux","rootfs":{"diff_ids":["\#(layer1)"],"type":"layers"}}
            """#)
    }
}

@Suite struct CanonicalJSONTests {
    static func smallManifest(annotations: [String: String]) -> ImageManifest {
        var manifest = ImageManifest(
            config: Descriptor(mediaType: MediaType.ociConfig, digest: configDigest, size: 2),
            layers: [Descriptor(mediaType: MediaType.ociLayerGzip, digest: layer1, size: 3)],
            annotations: annotations)
        manifest.unknownFields = ["aa": .integer(1), "zz": .string("a/b")]
        return manifest
    }

    @Test func sortsKeysWithoutWhitespaceOrEscapedSlashes() throws {
        let manifest = Self.smallManifest(annotations: ["org.opencontainers.image.source": "https://x/y"])
        let expected = #"{"aa":1,"annotations":{"org.opencontainers.image.source":"https://x/y"},"#
            + #""config":{"digest":"\#(configDigest)","mediaType":"application/vnd.oci.image.config.v1+json","size":2},"#
            + #""layers":[{"digest":"\#(layer1)","mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","size":3}],"#
            + #""mediaType":"application/vnd.oci.image.manifest.v1+json","schemaVersion":2,"zz":"a/b"}"#
        #expect(string(try CanonicalJSON.encode(manifest)) == expected)
    }

    @Test func sameValueGivesSameBytes() throws {
        let keys = (0..<40).map { "key.\($0)" }
        var forward: [String: String] = [:]
        for key in keys { forward[key] = key.uppercased() }
        var backward: [String: String] = [:]
        for key in keys.reversed() { backward[key] = key.uppercased() }
        let first = try CanonicalJSON.encode(Self.smallManifest(annotations: forward))
        let second = try CanonicalJSON.encode(Self.smallManifest(annotations: backward))
        #expect(first == second)
        #expect(Digest(of: first) == Digest(of: second))
        #expect(try CanonicalJSON.encode(Self.smallManifest(annotations: forward)) == first)
        let text = string(first)
        #expect(!text.contains(" ") && !text.contains("\n"))
        #expect(text.range(of: "\"key.0\"")!.lowerBound < text.range(of: "\"key.1\"")!.lowerBound)
        #expect(text.range(of: "\"key.19\"")!.lowerBound < text.range(of: "\"key.2\"")!.lowerBound)
    }

    @Test func differentlyFormattedInputsGiveSameBytes() throws {
        let compact = #"{"layers":[],"config":{"size":2,"digest":"\#(configDigest)","mediaType":"application/vnd.oci.image.config.v1+json"},"schemaVersion":2,"x":{"b":1,"a":2}}"#
        let spaced = #"""
        {
            "schemaVersion" : 2,
            "x" : { "a" : 2, "b" : 1 },
            "config" : { "mediaType" : "application/vnd.oci.image.config.v1+json", "digest" : "\#(configDigest)", "size" : 2 },
            "layers" : [ ]
        }
        """#
        let a = try CanonicalJSON.encode(ImageManifest.decode(bytes(compact)))
        let b = try CanonicalJSON.encode(ImageManifest.decode(bytes(spaced)))
        #expect(a == b)
        #expect(string(a).hasPrefix(#"{"config":{"digest":"#))
        #expect(string(a).hasSuffix(#""layers":[],"schemaVersion":2,"x":{"a":2,"b":1}}"#))
    }

    @Test func jsonValueRoundTrips() throws {
        let value = JSONValue.object([
            "n": .null, "t": .bool(true), "f": .bool(false), "i": .integer(-42), "big": .integer(Int64.max),
            "d": .number(0.25), "s": .string("é/\"x\""), "a": .array([.integer(0), .array([])]), "o": .object([:]),
        ])
        let encoded = try CanonicalJSON.encode(value)
        #expect(string(encoded) == #"{"a":[0,[]],"big":9223372036854775807,"d":0.25,"f":false,"i":-42,"n":null,"o":{},"s":"é/\"x\"","t":true}"#)
        #expect(try JSONDecoder().decode(JSONValue.self, from: Data(encoded)) == value)
    }
}

@Suite struct DocumentErrorTests {
    private func manifestError(_ json: String) throws -> OCIError {
        try #require(throws: OCIError.self) { try ImageManifest.decode(bytes(json)) }
    }

    private func layerJSON(digest: String = layer1.description, size: String = "3") -> String {
        #"{"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\#(configDigest)","size":2},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"\#(digest)","size":\#(size)}]}"#
    }

    @Test(arguments: ["{", "", "not json", #"{"schemaVersion":2,"#])
    func malformedJSONIsRefused(json: String) throws {
        let error = try manifestError(json)
        guard case .invalidJSON(let what, let reason) = error else {
            Issue.record("expected invalidJSON, got \(error)")
            return
        }
        #expect(what == "image manifest")
        #expect(reason.hasPrefix("not valid JSON"))
        #expect(error.description.hasPrefix("malformed image manifest: not valid JSON"))
    }

    @Test func missingConfigIsNamed() throws {
        let error = try manifestError(#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[]}"#)
        #expect(error == .invalidJSON(what: "image manifest", reason: "at config: required field is missing"))
        #expect(error.description.contains("config"))
        #expect(error.description.contains("missing"))
    }

    @Test func missingFieldInsideADescriptorIsNamedWithItsPath() throws {
        let json = #"{"schemaVersion":2,"config":{"mediaType":"x","digest":"\#(configDigest)","size":2},"layers":[{"mediaType":"x","digest":"\#(layer1)","size":1},{"mediaType":"x","digest":"\#(layer2)"}]}"#
        let error = try manifestError(json)
        #expect(error.description.contains("layers[1].size"), "\(error)")
        #expect(error.description.contains("missing"))
    }

    @Test func badLayerDigestIsNamedWithItsPath() throws {
        let error = try manifestError(layerJSON(digest: "sha256:1234"))
        guard case .invalidJSON(_, let reason) = error else {
            Issue.record("expected invalidJSON, got \(error)")
            return
        }
        #expect(reason.hasPrefix("at layers[0].digest: "), "\(reason)")
        #expect(reason.contains("needs 64 hex digits, found 4"))
        #expect(error.description.contains("layers[0].digest"))
    }

    @Test func badConfigDigestIsNamedWithItsPath() throws {
        let json = #"{"schemaVersion":2,"config":{"mediaType":"x","digest":"md5:900150983cd24fb0d6963f7d28e17f72","size":2},"layers":[]}"#
        let error = try manifestError(json)
        #expect(error.description.contains("at config.digest:"), "\(error)")
        #expect(error.description.contains("md5"))
    }

    @Test func layerSizeOfWrongTypeIsNamed() throws {
        let error = try manifestError(layerJSON(size: #""3""#))
        #expect(error.description.contains("at layers[0].size: expected"), "\(error)")
    }

    @Test(arguments: ["-1", "-9223372036854775808"])
    func negativeDescriptorSizeIsRefused(size: String) throws {
        let error = try manifestError(layerJSON(size: size))
        guard case .invalidJSON(let what, let reason) = error else {
            Issue.record("expected invalidJSON, got \(error)")
            return
        }
        #expect(what == "image manifest")
        #expect(reason.contains("layers[0].size"), "\(reason)")
        #expect(reason.contains("negative"))
    }

    @Test func zeroDescriptorSizeIsAccepted() throws {
        #expect(try ImageManifest.decode(bytes(layerJSON(size: "0"))).layers[0].size == 0)
    }

    @Test(arguments: [1, 0, 3])
    func schemaVersionOtherThanTwoIsRefused(version: Int) throws {
        let json = layerJSON().replacingOccurrences(of: #""schemaVersion":2"#, with: #""schemaVersion":\#(version)"#)
        let error = try manifestError(json)
        #expect(error == .invalidJSON(what: "image manifest", reason: "schemaVersion is \(version), must be 2"))

        let index = #"{"schemaVersion":\#(version),"manifests":[]}"#
        let indexError = try #require(throws: OCIError.self) { try ImageIndex.decode(bytes(index)) }
        #expect(indexError == .invalidJSON(what: "image index", reason: "schemaVersion is \(version), must be 2"))
    }

    @Test(arguments: [
        "application/vnd.docker.distribution.manifest.v1+prettyjws",
        MediaType.ociIndex,
        MediaType.dockerManifestList,
        "application/json",
    ])
    func unknownManifestMediaTypeIsRefused(mediaType: String) throws {
        let json = layerJSON().replacingOccurrences(
            of: #"{"schemaVersion":2,"#, with: #"{"schemaVersion":2,"mediaType":"\#(mediaType)","#)
        let error = try manifestError(json)
        #expect(error == .unsupportedMediaType(mediaType, expected: [MediaType.dockerManifest, MediaType.ociManifest]))
        #expect(error.description.contains(MediaType.ociManifest))
    }

    @Test(arguments: [MediaType.ociManifest, MediaType.dockerManifest, "application/octet-stream"])
    func unknownIndexMediaTypeIsRefused(mediaType: String) throws {
        let json = #"{"schemaVersion":2,"mediaType":"\#(mediaType)","manifests":[]}"#
        let error = try #require(throws: OCIError.self) { try ImageIndex.decode(bytes(json)) }
        #expect(error == .unsupportedMediaType(mediaType, expected: [MediaType.dockerManifestList, MediaType.ociIndex]))
    }

    @Test func indexWithoutManifestsIsRefused() throws {
        let error = try #require(throws: OCIError.self) { try ImageIndex.decode(bytes(#"{"schemaVersion":2}"#)) }
        #expect(error == .invalidJSON(what: "image index", reason: "at manifests: required field is missing"))
    }

    @Test func configWithOtherRootfsTypeIsRefused() throws {
        let json = #"{"architecture":"amd64","os":"linux","rootfs":{"type":"snapshot","diff_ids":[]}}"#
        let error = try #require(throws: OCIError.self) { try ImageConfiguration.decode(bytes(json)) }
        #expect(error == .invalidJSON(what: "image configuration",
                                      reason: #"at rootfs.type: must be "layers", found "snapshot""#))
    }

    @Test(arguments: [
        (#"{"os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#, "architecture"),
        (#"{"architecture":"amd64","os":"linux"}"#, "rootfs"),
        (#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers"}}"#, "rootfs.diff_ids"),
    ])
    func configMissingRequiredFieldIsNamed(json: String, field: String) throws {
        let error = try #require(throws: OCIError.self) { try ImageConfiguration.decode(bytes(json)) }
        #expect(error == .invalidJSON(what: "image configuration", reason: "at \(field): required field is missing"))
    }

    @Test func configWithBadDiffIDIsNamed() throws {
        let json = #"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["\#(layer1)","sha256:XYZ"]}}"#
        let error = try #require(throws: OCIError.self) { try ImageConfiguration.decode(bytes(json)) }
        #expect(error.description.contains("at rootfs.diff_ids[1]:"), "\(error)")
    }
}

@Suite struct MediaTypeTests {
    @Test(arguments: [
        (MediaType.ociLayer, MediaType.LayerCompression.none),
        (MediaType.ociLayerGzip, .gzip),
        (MediaType.ociLayerZstd, .zstd),
        (MediaType.dockerLayerGzip, .gzip),
        (MediaType.dockerForeignLayerGzip, .gzip),
        ("application/vnd.oci.image.layer.nondistributable.v1.tar", .none),
        ("application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", .gzip),
        ("application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", .zstd),
    ])
    func layerCompression(mediaType: String, expected: MediaType.LayerCompression) {
        #expect(MediaType.layerCompression(mediaType) == expected)
    }

    @Test(arguments: [
        MediaType.ociManifest, MediaType.ociIndex, MediaType.ociConfig, MediaType.ociEmpty,
        MediaType.dockerManifest, MediaType.dockerConfig, "application/vnd.oci.image.layer.v1.tar+bzip2", "",
    ])
    func nonLayerTypesHaveNoCompression(mediaType: String) {
        #expect(MediaType.layerCompression(mediaType) == nil)
    }

    @Test func mediaTypeSets() {
        #expect(MediaType.manifests == [MediaType.ociManifest, MediaType.dockerManifest])
        #expect(MediaType.indexes == [MediaType.ociIndex, MediaType.dockerManifestList])
        #expect(MediaType.configs == [MediaType.ociConfig, MediaType.dockerConfig])
        #expect(MediaType.dockerManifest == "application/vnd.docker.distribution.manifest.v2+json")
        #expect(MediaType.dockerLayerGzip == "application/vnd.docker.image.rootfs.diff.tar.gzip")
    }
}

@Suite struct PlatformTests {
    @Test(arguments: [
        ("linux/amd64", "linux", "amd64", nil as String?),
        ("linux/arm64/v8", "linux", "arm64", "v8"),
        ("linux/arm/v7", "linux", "arm", "v7"),
        ("windows/amd64", "windows", "amd64", nil),
    ])
    func parsesPlatform(text: String, os: String, architecture: String, variant: String?) throws {
        let platform = try Platform(parsing: text)
        #expect(platform.os == os)
        #expect(platform.architecture == architecture)
        #expect(platform.variant == variant)
        #expect(platform.osVersion == nil)
        #expect(platform.description == text)
    }

    @Test(arguments: ["linux", "linux/", "/amd64", "a/b/c/d", "", "/", "linux//v8", "linux/arm64/"])
    func refusesInvalidPlatform(text: String) throws {
        let error = try #require(throws: OCIError.self) { try Platform(parsing: text) }
        #expect(error == .invalidPlatform(text))
        #expect(error.description.contains("OS/ARCH[/VARIANT]"))
    }

    @Test func linuxAMD64() {
        #expect(Platform.linuxAMD64 == Platform(os: "linux", architecture: "amd64"))
        #expect(Platform.linuxAMD64.description == "linux/amd64")
    }

    @Test func codesDottedKeys() throws {
        let platform = Platform(os: "windows", architecture: "amd64", osVersion: "10.0", osFeatures: ["win32k"])
        let text = string(try CanonicalJSON.encode(platform))
        #expect(text == #"{"architecture":"amd64","os":"windows","os.features":["win32k"],"os.version":"10.0"}"#)
        #expect(try JSONDecoder().decode(Platform.self, from: Data(text.utf8)) == platform)
    }
}

@Suite struct PlatformMatchingTests {
    @Test func arm64WithoutVariantMeansV8() {
        let plain = Platform(os: "linux", architecture: "arm64")
        #expect(plain.satisfies(Platform(os: "linux", architecture: "arm64", variant: "v8")))
        #expect(!plain.satisfies(Platform(os: "linux", architecture: "arm64", variant: "v9")))
        #expect(!Platform(os: "linux", architecture: "arm").satisfies(Platform(os: "linux", architecture: "arm", variant: "v7")))
        let index = ImageIndex(manifests: [
            Descriptor(mediaType: MediaType.ociManifest, digest: Digest(of: Array("a".utf8)), size: 1, platform: plain)
        ])
        #expect(index.manifest(for: Platform(os: "linux", architecture: "arm64", variant: "v8")) != nil)
    }
}
