import Foundation
import Security
import UppsokCore

/// The store's key-encryption key in the iOS Keychain: 32 random bytes, readable only on this
/// device once it has been unlocked after a reboot (never synced to iCloud, never in a backup
/// another phone could restore). Called by the core on a background thread.
final class KeychainKeyProvider: PlatformKeyProvider, @unchecked Sendable {
    private let service = "se.uppsok.app"
    private let account = "store.kek"

    func key(salt: Data) throws -> Data {
        if let existing = try read() { return existing }
        let fresh = try generateDeviceKey()
        try store(fresh)
        return fresh
    }

    private func baseQuery() -> [String: Any] {
        [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: account,
        ]
    }

    private func read() throws -> Data? {
        var query = baseQuery()
        query[kSecReturnData as String] = true
        query[kSecMatchLimit as String] = kSecMatchLimitOne
        var item: CFTypeRef?
        let status = SecItemCopyMatching(query as CFDictionary, &item)
        switch status {
        case errSecSuccess:
            return item as? Data
        case errSecItemNotFound:
            return nil
        case errSecInteractionNotAllowed:
            throw KeyProviderError.Unavailable(reason: "the device is locked")
        default:
            throw KeyProviderError.Unavailable(reason: "the keychain answered \(status)")
        }
    }

    private func store(_ key: Data) throws {
        var query = baseQuery()
        query[kSecValueData as String] = key
        query[kSecAttrAccessible as String] = kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly
        let status = SecItemAdd(query as CFDictionary, nil)
        guard status == errSecSuccess else {
            throw KeyProviderError.Unavailable(reason: "the keychain refused the key (\(status))")
        }
    }

    /// Forget the key after a wipe: a new store gets a new key.
    func forget() {
        SecItemDelete(baseQuery() as CFDictionary)
    }
}
