import Foundation
import SlipwayArchive

/// `USER name[:group]` resolved the way Docker does: names through the image's own /etc/passwd and /etc/group,
/// numbers as they are; the user's supplementary groups from /etc/group.
struct UserDatabase {
    struct Identity: Equatable {
        var uid: UInt32
        var gid: UInt32
        var groups: [UInt32]
    }

    let passwd: [(name: String, uid: UInt32, gid: UInt32)]
    let group: [(name: String, gid: UInt32, members: [String])]

    init(root: String) {
        func lines(_ file: String) -> [[String]] {
            ((try? String(contentsOfFile: root + "/" + FileSystem.resolveInRoot(root, file), encoding: .utf8)) ?? "").split(separator: "\n")
                .filter { !$0.hasPrefix("#") }.map { $0.split(separator: ":", omittingEmptySubsequences: false).map(String.init) }
        }
        passwd = lines("/etc/passwd").compactMap { fields in
            guard fields.count >= 4, let uid = UInt32(fields[2]), let gid = UInt32(fields[3]) else { return nil }
            return (fields[0], uid, gid)
        }
        group = lines("/etc/group").compactMap { fields in
            guard fields.count >= 3, let gid = UInt32(fields[2]) else { return nil }
            return (fields[0], gid, fields.count > 3 ? fields[3].split(separator: ",").map(String.init) : [])
        }
    }

    func resolve(_ user: String?) throws -> Identity {
        guard let user, !user.isEmpty else { return Identity(uid: 0, gid: 0, groups: []) }
        let parts = user.split(separator: ":", maxSplits: 1).map(String.init)
        let name = parts[0]
        let uid: UInt32
        var gid: UInt32
        var userName: String?
        if let number = UInt32(name) {
            uid = number
            let entry = passwd.first { $0.uid == number }
            gid = entry?.gid ?? 0
            userName = entry?.name
        } else {
            guard let entry = passwd.first(where: { $0.name == name }) else {
                throw BuilderError.runtime(reason: "USER \(user): no user \(name) in the image's /etc/passwd")
            }
            (uid, gid, userName) = (entry.uid, entry.gid, entry.name)
        }
        if parts.count == 2 {
            if let number = UInt32(parts[1]) {
                gid = number
            } else {
                guard let entry = group.first(where: { $0.name == parts[1] }) else {
                    throw BuilderError.runtime(reason: "USER \(user): no group \(parts[1]) in the image's /etc/group")
                }
                gid = entry.gid
            }
        }
        var groups = userName.map { name in group.filter { $0.members.contains(name) }.map(\.gid) } ?? []
        if !groups.isEmpty, !groups.contains(gid) { groups.append(gid) }  // as buildah and runc's user lookup list them
        return Identity(uid: uid, gid: gid, groups: groups)
    }
}
