plugins {
    id("com.android.application") version "8.7.3" apply false
    // The same Kotlin as the host kotlinc that compiles and tests the plain layer here
    // (tests/tools/ensure-kotlin: KOTLIN_VERSION); the Compose compiler plugin goes with it.
    id("org.jetbrains.kotlin.android") version "2.4.20" apply false
    id("org.jetbrains.kotlin.plugin.compose") version "2.4.20" apply false
}
