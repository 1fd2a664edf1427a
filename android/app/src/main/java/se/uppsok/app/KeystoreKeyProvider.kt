package se.uppsok.app

import android.content.Context
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import android.util.Base64
import se.uppsok.core.KeyProviderException
import se.uppsok.core.PlatformKeyProvider
import se.uppsok.core.generateDeviceKey
import java.security.KeyStore
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec

/**
 * The store's key-encryption key, kept with the Android Keystore. Keystore keys cannot be
 * exported, so the 32 bytes the core needs are random bytes sealed by a non-exportable AES-GCM
 * Keystore key (hardware-backed where the phone has it) and kept sealed in private preferences.
 * Called by the core on a background thread when the store is created or opened.
 */
class KeystoreKeyProvider(context: Context) : PlatformKeyProvider {
    private val prefs = context.getSharedPreferences("uppsok_key", Context.MODE_PRIVATE)

    override fun key(salt: ByteArray): ByteArray {
        try {
            val sealed = prefs.getString(PREF, null)
            return if (sealed == null) create() else open(sealed)
        } catch (e: KeyProviderException) {
            throw e
        } catch (e: android.security.keystore.UserNotAuthenticatedException) {
            throw KeyProviderException.Unavailable("the device is locked")
        } catch (e: java.security.GeneralSecurityException) {
            // The keystore key is gone (e.g. the lock screen was removed): the store cannot be
            // opened again, only wiped. Say so without passing the platform's text on.
            throw KeyProviderException.Unavailable("the keystore key is not available")
        }
    }

    private fun keystoreKey(): SecretKey {
        val ks = KeyStore.getInstance(ANDROID_KEYSTORE).apply { load(null) }
        (ks.getKey(ALIAS, null) as? SecretKey)?.let { return it }
        val gen = KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, ANDROID_KEYSTORE)
        gen.init(
            KeyGenParameterSpec.Builder(ALIAS, KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
                .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
                .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
                .setKeySize(256)
                .build(),
        )
        return gen.generateKey()
    }

    private fun create(): ByteArray {
        val raw = generateDeviceKey()
        val cipher = Cipher.getInstance(TRANSFORMATION)
        cipher.init(Cipher.ENCRYPT_MODE, keystoreKey())
        val sealed = cipher.iv + cipher.doFinal(raw)
        // commit(), not apply(): the store is about to be created with this key.
        prefs.edit().putString(PREF, Base64.encodeToString(sealed, Base64.NO_WRAP)).commit()
        return raw
    }

    private fun open(text: String): ByteArray {
        val sealed = Base64.decode(text, Base64.NO_WRAP)
        val cipher = Cipher.getInstance(TRANSFORMATION)
        cipher.init(Cipher.DECRYPT_MODE, keystoreKey(), GCMParameterSpec(128, sealed, 0, IV_BYTES))
        return cipher.doFinal(sealed, IV_BYTES, sealed.size - IV_BYTES)
    }

    /** Forget the key (after a wipe): a new store gets a new key. */
    fun forget() {
        prefs.edit().remove(PREF).commit()
        KeyStore.getInstance(ANDROID_KEYSTORE).apply { load(null) }.deleteEntry(ALIAS)
    }

    private companion object {
        const val ANDROID_KEYSTORE = "AndroidKeyStore"
        const val ALIAS = "uppsok.store.kek"
        const val PREF = "sealed_kek"
        const val TRANSFORMATION = "AES/GCM/NoPadding"
        const val IV_BYTES = 12
    }
}
