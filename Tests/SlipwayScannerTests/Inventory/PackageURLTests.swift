import Foundation
import SlipwayScanner
import Testing

@Suite("package URLs")
struct PackageURLTests {
    /// Build cases from the purl-spec test suite (tests/types/*-test.json) and its PURL-TYPES examples.
    @Test("purl-spec examples", arguments: [
        (PackageURL(type: "deb", namespace: "debian", name: "curl", version: "7.50.3-1",
                    qualifiers: ["arch": "i386", "distro": "jessie"]),
         "pkg:deb/debian/curl@7.50.3-1?arch=i386&distro=jessie"),
        (PackageURL(type: "deb", namespace: "debian", name: "attr", version: "1:2.4.47-2+b1",
                    qualifiers: ["arch": "amd64"]),
         "pkg:deb/debian/attr@1:2.4.47-2%2Bb1?arch=amd64"),
        (PackageURL(type: "rpm", name: "centerim", version: "4.22.10-1.el6",
                    qualifiers: ["arch": "i686", "epoch": "1", "distro": "fedora-25"]),
         "pkg:rpm/centerim@4.22.10-1.el6?arch=i686&distro=fedora-25&epoch=1"),
        (PackageURL(type: "apk", namespace: "alpine", name: "curl", version: "7.83.0-r0", qualifiers: ["arch": "x86"]),
         "pkg:apk/alpine/curl@7.83.0-r0?arch=x86"),
        (PackageURL(type: "npm", namespace: "@angular", name: "animation", version: "12.3.1"),
         "pkg:npm/%40angular/animation@12.3.1"),
        (PackageURL(type: "golang", namespace: "github.com/gorilla", name: "context",
                    version: "234fd47e07d1004f0aed9c"),
         "pkg:golang/github.com/gorilla/context@234fd47e07d1004f0aed9c"),
        (PackageURL(type: "golang", namespace: "google.golang.org", name: "genproto", version: "abcdedf",
                    subpath: "/googleapis/api/annotations/"),
         "pkg:golang/google.golang.org/genproto@abcdedf#googleapis/api/annotations"),
        (PackageURL(type: "maven", namespace: "org.apache.xmlgraphics", name: "batik-anim", version: "1.9.1",
                    qualifiers: ["classifier": "sources", "repository_url": "repo.spring.io/release"]),
         "pkg:maven/org.apache.xmlgraphics/batik-anim@1.9.1?classifier=sources"
            + "&repository_url=repo.spring.io%2Frelease"),
        (PackageURL(type: "maven", namespace: "mygroup", name: "myartifact", version: "1.0.0 Final",
                    qualifiers: ["mykey": "my value"]),
         "pkg:maven/mygroup/myartifact@1.0.0%20Final?mykey=my%20value"),
        (PackageURL(type: "gem", name: "jruby-launcher", version: "1.1.2", qualifiers: ["Platform": "java"]),
         "pkg:gem/jruby-launcher@1.1.2?platform=java"),
        (PackageURL(type: "pypi", name: "django-package", version: "1.11.1.dev1"),
         "pkg:pypi/django-package@1.11.1.dev1"),
        (PackageURL(type: "composer", namespace: "laravel", name: "laravel", version: "5.5.0"),
         "pkg:composer/laravel/laravel@5.5.0"),
        (PackageURL(type: "npm", name: "foo", version: "1.2.3-\u{1F603}"), "pkg:npm/foo@1.2.3-%F0%9F%98%83"),
        (PackageURL(type: "generic", name: "openssl", qualifiers: ["empty": ""]), "pkg:generic/openssl"),
    ])
    func examples(purl: PackageURL, expected: String) {
        #expect(purl.description == expected)
    }

    @Test("each kind's purl", arguments: [
        (InstalledPackage(kind: .deb, name: "openssl", version: "3.0.11-1~deb12u2", path: "var/lib/dpkg/status",
                          architecture: "amd64", distroID: "debian", distroVersion: "12"),
         "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12"),
        (InstalledPackage(kind: .apk, name: "musl", version: "1.2.4-r2", path: "lib/apk/db/installed",
                          architecture: "x86_64", distroID: "alpine", distroVersion: "3.18.4"),
         "pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64"),
        (InstalledPackage(kind: .rpm, name: "bash", version: "5.1.8-6.el9", path: "var/lib/rpm/rpmdb.sqlite",
                          architecture: "x86_64", epoch: 1, distroID: "rocky", distroVersion: "9.3"),
         "pkg:rpm/rocky/bash@5.1.8-6.el9?arch=x86_64&epoch=1"),
        (InstalledPackage(kind: .pypi, name: "Django_Package", version: "2.31.0", path: "x"),
         "pkg:pypi/django-package@2.31.0"),
        (InstalledPackage(kind: .pypi, name: "requests", version: "2.31.0", path: "x"), "pkg:pypi/requests@2.31.0"),
        (InstalledPackage(kind: .npm, name: "@scope/name", version: "1.0.0", path: "x"), "pkg:npm/%40scope/name@1.0.0"),
        (InstalledPackage(kind: .npm, name: "LoDash", version: "4.17.21", path: "x"), "pkg:npm/lodash@4.17.21"),
        (InstalledPackage(kind: .composer, name: "vendor/name", version: "1.0", path: "x"),
         "pkg:composer/vendor/name@1.0"),
        (InstalledPackage(kind: .gem, name: "rack", version: "2.2.3", path: "x"), "pkg:gem/rack@2.2.3"),
        (InstalledPackage(kind: .golang, name: "github.com/x/y", version: "v1.2.3", path: "x"),
         "pkg:golang/github.com/x/y@v1.2.3"),
        (InstalledPackage(kind: .golang, name: "example.com/app", version: "(devel)", path: "x"),
         "pkg:golang/example.com/app@%28devel%29"),
        (InstalledPackage(kind: .maven, name: "group:artifact", version: "1.0", path: "x"),
         "pkg:maven/group/artifact@1.0"),
    ])
    func kinds(package: InstalledPackage, expected: String) {
        #expect(package.purl == expected)
    }

    @Test("InstalledPackage round-trips through JSON")
    func codable() throws {
        let package = InstalledPackage(kind: .rpm, name: "bash", version: "5.1.8-6.el9", sourceName: "bash",
                                       sourceVersion: "5.1.8-6.el9", path: "var/lib/rpm/rpmdb.sqlite",
                                       licenses: ["GPLv3+"], architecture: "x86_64", epoch: 1)
        let decoded = try JSONDecoder().decode(InstalledPackage.self, from: JSONEncoder().encode(package))
        #expect(decoded == package)
        #expect(PackageKind.allCases.map(\.rawValue) == ["deb", "apk", "rpm", "pypi", "npm", "composer", "gem",
                                                         "golang", "maven"])
    }
}
