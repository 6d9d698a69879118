//! The committed C header is the ABI contract: it must be exactly what cbindgen generates from
//! src/ffi.rs today. Regenerate with `DOMAINSIG_UPDATE_HEADER=1 cargo build`.

#[path = "../build/header.rs"]
mod header;

use std::path::Path;

#[test]
fn committed_header_matches_the_code() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let fresh = header::generate(dir).expect("cbindgen generates the header");
    let tmp = std::env::temp_dir().join(format!("domainsig-header-{}.h", std::process::id()));
    std::fs::write(&tmp, &fresh).expect("write the regenerated header");
    let committed = std::fs::read_to_string(dir.join("include/domainsig.h")).expect("include/domainsig.h exists");
    let regenerated = std::fs::read_to_string(&tmp).expect("read the regenerated header");
    let _ = std::fs::remove_file(&tmp);
    if committed != regenerated {
        let line = committed.lines().zip(regenerated.lines()).position(|(a, b)| a != b);
        panic!(
            "include/domainsig.h drifted from src/ffi.rs (first difference at line {}); run \
             `DOMAINSIG_UPDATE_HEADER=1 cargo build` and commit the header",
            line.map_or_else(|| "end".to_owned(), |l| (l + 1).to_string())
        );
    }
}

#[test]
fn header_status_numbers_are_the_library_numbers() {
    let committed = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("include/domainsig.h")).unwrap();
    for s in domainsig::Status::ALL {
        let line = format!("DOMAINSIG_{} = {},", s.name(), s.code());
        assert!(committed.contains(&line), "header lacks `{line}`");
    }
}
