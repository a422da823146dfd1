import Foundation

/// npm packages: installed `node_modules/<name>/package.json` (and scoped `node_modules/@scope/<name>/…`), and
/// `package-lock.json` lockfiles (version 1 `dependencies`, versions 2 and 3 `packages`).
enum Node {
    static func catalogPackageJSON(path: String, data: Data) -> CatalogResult {
        var diagnostics = Diagnostics(path: path)
        guard let json = parseJSON(data, diagnostics: &diagnostics) else { return diagnostics.result([]) }
        guard let object = json as? [String: Any] else {
            diagnostics.warn("package.json is not a JSON object")
            return diagnostics.result([])
        }
        guard let name = jsonString(object, "name"), isPlausibleName(name) else {
            diagnostics.warn(object["name"] == nil ? "package.json has no name" : "package.json has a bad name")
            return diagnostics.result([])
        }
        guard let version = jsonString(object, "version"), isPlausibleVersion(version) else {
            diagnostics.warn(object["version"] == nil
                ? "package '\(name)' has no version" : "package '\(name)': bad version")
            return diagnostics.result([])
        }
        var licenses = jsonLicenses(object["license"])
        if licenses.isEmpty { licenses = jsonLicenses(object["licenses"]) }
        return diagnostics.result([
            InstalledPackage(kind: .npm, name: name, version: version, path: path, licenses: licenses)
        ])
    }

    static func catalogLockfile(path: String, data: Data) -> CatalogResult {
        var diagnostics = Diagnostics(path: path)
        guard let json = parseJSON(data, diagnostics: &diagnostics) else { return diagnostics.result([]) }
        guard let object = json as? [String: Any] else {
            diagnostics.warn("package-lock.json is not a JSON object")
            return diagnostics.result([])
        }
        var packages: [InstalledPackage] = []
        if let entries = object["packages"] as? [String: Any] {
            // Lockfile versions 2 and 3: keys are install paths, "node_modules/a/node_modules/@s/b".
            for key in entries.keys.sorted() {
                guard !key.isEmpty, let range = key.range(of: "node_modules/", options: .backwards) else { continue }
                guard let entry = entries[key] as? [String: Any] else {
                    diagnostics.warn("packages entry '\(key)' is not an object")
                    continue
                }
                if entry["link"] as? Bool == true { continue }
                let name = jsonString(entry, "name") ?? String(key[range.upperBound...])
                guard isPlausibleName(name) else {
                    diagnostics.warn("packages entry '\(key)' has a bad name")
                    continue
                }
                guard let version = jsonString(entry, "version"), isPlausibleVersion(version) else {
                    diagnostics.warn("package '\(key)' has no usable version")
                    continue
                }
                packages.append(InstalledPackage(
                    kind: .npm, name: name, version: version, path: path, licenses: jsonLicenses(entry["license"]),
                    isDevelopment: entry["dev"] as? Bool == true))
            }
        } else if let dependencies = object["dependencies"] as? [String: Any] {
            walkV1(dependencies, trail: "", path: path, into: &packages, diagnostics: &diagnostics, depth: 0)
        } else if object["lockfileVersion"] == nil {
            diagnostics.warn("package-lock.json has neither 'packages' nor 'dependencies'")
        }
        return diagnostics.result(packages)
    }

    /// Lockfile version 1: `dependencies` maps names to {version, dev, dependencies: {…}}, nested as installed.
    private static func walkV1(
        _ dependencies: [String: Any], trail: String, path: String, into packages: inout [InstalledPackage],
        diagnostics: inout Diagnostics, depth: Int
    ) {
        guard depth < 64 else {
            diagnostics.warn("dependencies nested deeper than 64 levels at '\(trail)'")
            return
        }
        for key in dependencies.keys.sorted() {
            let location = trail.isEmpty ? key : trail + " > " + key
            guard let entry = dependencies[key] as? [String: Any] else {
                diagnostics.warn("dependency '\(location)' is not an object")
                continue
            }
            if var version = jsonString(entry, "version") {
                var name = key
                // An alias, "npm:real-name@1.2.3", installs another package under this key.
                if version.hasPrefix("npm:"), let at = version.lastIndex(of: "@"),
                    at > version.index(version.startIndex, offsetBy: 4)
                {
                    name = String(version[version.index(version.startIndex, offsetBy: 4)..<at])
                    version = String(version[version.index(after: at)...])
                }
                if isPlausibleName(name), isPlausibleVersion(version) {
                    packages.append(InstalledPackage(
                        kind: .npm, name: name, version: version, path: path,
                        isDevelopment: entry["dev"] as? Bool == true))
                } else {
                    diagnostics.warn("dependency '\(location)' has a bad name or version")
                }
            } else {
                diagnostics.warn("dependency '\(location)' has no version")
            }
            if let nested = entry["dependencies"] as? [String: Any] {
                walkV1(nested, trail: location, path: path, into: &packages, diagnostics: &diagnostics, depth: depth + 1)
            }
        }
    }
}
