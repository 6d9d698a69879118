//! Generates the text of `include/domainsig.h`. Shared by build.rs and tests/header.rs so the drift
//! test compares against exactly what the build would write.

use std::path::Path;

/// The header for the crate at `crate_dir`, from its `cbindgen.toml` and `src/lib.rs`.
pub fn generate(crate_dir: &Path) -> Result<String, String> {
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))?;
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(crate_dir.join("src/lib.rs"))
        .generate()
        .map_err(|e| format!("cbindgen: {e}"))?;
    let mut out = Vec::new();
    bindings.write(&mut out);
    let text = String::from_utf8(out).map_err(|e| format!("cbindgen wrote non-UTF-8: {e}"))?;
    // cbindgen can qualify variants only with the whole enum name; the C names are the status
    // names with the library prefix (DOMAINSIG_DOMAIN_MISMATCH), as DESIGN.md fixes them.
    Ok(text.replace("DOMAINSIG_STATUS_", "DOMAINSIG_"))
}
