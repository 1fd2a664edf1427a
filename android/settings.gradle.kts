// Uppsök Android app. Open this directory in Android Studio. The Rust core is built separately
// (see README.md): cargo-ndk puts libuppsok_core.so under app/src/main/jniLibs/, and the Kotlin
// bindings are generated into ../target/bindings/kotlin, which the app compiles as a source dir.
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "Uppsok"
include(":app")
