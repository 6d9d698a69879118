//! Generates the C header and, on Linux, gives the shared library its soname and export list.
//!
//! The header is written to `$OUT_DIR/domainsig.h` on every build and copied over the committed
//! `include/domainsig.h` only when `DOMAINSIG_UPDATE_HEADER` is set: the committed header is the
//! contract, and `cargo test --test header` fails when the code no longer matches it.

#[path = "build/header.rs"]
mod header;

use std::path::PathBuf;

fn main() {
    for f in ["src/ffi.rs", "src/error.rs", "src/lib.rs", "cbindgen.toml", "build/header.rs", "domainsig.map"] {
        println!("cargo:rerun-if-changed={f}");
    }
    println!("cargo:rerun-if-env-changed=DOMAINSIG_UPDATE_HEADER");
    let crate_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));

    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        // The soname follows the crate's major version (tests/version.rs): a new major is the only
        // release allowed to change what an existing function means.
        let major = std::env::var("CARGO_PKG_VERSION_MAJOR").expect("cargo sets CARGO_PKG_VERSION_MAJOR");
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libdomainsig.so.{major}");
        // Linked from a copy in OUT_DIR: the link argument then names a file inside the target dir,
        // which stays valid when another checkout of the crate (an unpacked sdist) shares that
        // target dir and this build script's output with it.
        let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
        let map = out_dir.join("domainsig.map");
        std::fs::copy(crate_dir.join("domainsig.map"), &map).expect("domainsig.map is readable");
        println!("cargo:rustc-cdylib-link-arg=-Wl,--version-script={}", map.display());
    }

    match header::generate(&crate_dir) {
        Ok(text) => {
            let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("domainsig.h");
            if let Err(e) = std::fs::write(&out, &text) {
                println!("cargo:warning=cannot write {}: {e}", out.display());
            }
            let committed = crate_dir.join("include/domainsig.h");
            if std::env::var_os("DOMAINSIG_UPDATE_HEADER").is_some() {
                if let Err(e) = std::fs::write(&committed, &text) {
                    println!("cargo:warning=cannot write {}: {e}", committed.display());
                }
            } else if std::fs::read_to_string(&committed).ok().as_deref() != Some(text.as_str()) {
                println!(
                    "cargo:warning=include/domainsig.h is out of date; regenerate it with DOMAINSIG_UPDATE_HEADER=1 cargo build"
                );
            }
        }
        // A header problem must not stop the library from building; the header test reports it.
        Err(e) => println!("cargo:warning=header generation failed: {e}"),
    }
}
