import Foundation

/// PHP packages: `composer.lock` (`packages` and `packages-dev`) and `vendor/composer/installed.json`
/// (Composer 1: a top-level array; Composer 2: `{"packages": […], "dev-package-names": […]}`).
enum Composer {
    static func catalog(path: String, data: Data) -> CatalogResult {
        var diagnostics = Diagnostics(path: path)
        guard let json = parseJSON(data, diagnostics: &diagnostics) else { return diagnostics.result([]) }
        var packages: [InstalledPackage] = []
        switch json {
        case let list as [Any]:
            read(list, section: "packages", development: [], path: path, into: &packages, diagnostics: &diagnostics)
        case let object as [String: Any]:
            let devNames = Set((object["dev-package-names"] as? [Any] ?? []).compactMap { $0 as? String })
            var found = false
            for (section, allDevelopment) in [("packages", false), ("packages-dev", true)] {
                guard let value = object[section] else { continue }
                found = true
                guard let list = value as? [Any] else {
                    diagnostics.warn("'\(section)' is not an array")
                    continue
                }
                read(list, section: section, development: allDevelopment ? nil : devNames, path: path,
                     into: &packages, diagnostics: &diagnostics)
            }
            if !found { diagnostics.warn("no 'packages' array") }
        default:
            diagnostics.warn("neither a JSON array nor an object")
        }
        return diagnostics.result(packages)
    }

    /// `development` nil: every package of the section is a dev dependency; else those named in it are.
    private static func read(
        _ list: [Any], section: String, development: Set<String>?, path: String,
        into packages: inout [InstalledPackage], diagnostics: inout Diagnostics
    ) {
        for (index, element) in list.enumerated() {
            guard let entry = element as? [String: Any] else {
                diagnostics.warn("\(section)[\(index)] is not an object")
                continue
            }
            guard let name = jsonString(entry, "name"), isPlausibleName(name) else {
                diagnostics.warn("\(section)[\(index)] has no usable name")
                continue
            }
            guard let version = jsonString(entry, "version"), isPlausibleVersion(version) else {
                diagnostics.warn("package '\(name)' has no usable version")
                continue
            }
            packages.append(InstalledPackage(
                kind: .composer, name: name, version: version, path: path, licenses: jsonLicenses(entry["license"]),
                isDevelopment: development.map { $0.contains(name) } ?? true))
        }
    }
}
