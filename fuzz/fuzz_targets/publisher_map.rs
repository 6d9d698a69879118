//! An index's publisher map, the parts a client parses from someone else's bytes: an entry file
//! (`{"publishers": [...]}`, served by the index's TUF repository), the `"search"` object of a
//! trust update (the C, Python and Node doors pass it on from their callers) and the names of a
//! lockfile that `trust update --lock` searches. The first byte picks which.
//!
//! Never a panic; an accepted entry names 1 to 64 publishers; every accepted search asks for at
//! most `MAX_TUF_MAP_NAMES` target names, each `<index>/publishers/<name>.json` with no empty,
//! `.` or `..` segment and no control character or backslash (the name becomes a TUF target
//! path, a cache file name and terminal output).
#![no_main]

use domainsig::limits::MAX_TUF_MAP_NAMES;
use domainsig::lock;
use domainsig::trust::publisher_map::{self, MAX_ENTRY_PUBLISHERS};
use libfuzzer_sys::fuzz_target;

fn check_targets(targets: &[String]) {
    assert!(targets.len() <= MAX_TUF_MAP_NAMES, "{} names in one search", targets.len());
    for t in targets {
        let (index, rest) = t.split_once('/').expect("a target name has the index first");
        assert!(!index.is_empty(), "{t:?}: the index comes first");
        let name = rest
            .strip_prefix("publishers/")
            .and_then(|r| r.strip_suffix(".json"))
            .unwrap_or_else(|| panic!("{t:?} is not <index>/publishers/<name>.json"));
        assert!(!name.is_empty(), "{t:?}");
        assert!(!t.split('/').any(|s| s.is_empty() || s == "." || s == ".."), "{t:?} has an empty, . or .. segment");
        assert!(!t.chars().any(|c| c.is_control() || c == '\\'), "{t:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    match pick % 4 {
        0 => {
            if let Ok(ps) = publisher_map::parse_entry(rest, "fuzz/publishers/x.json") {
                assert!(!ps.is_empty() && ps.len() <= MAX_ENTRY_PUBLISHERS, "{} publishers", ps.len());
            }
        }
        1 => {
            let Ok(v) = serde_json::from_slice::<serde_json::Value>(rest) else { return };
            if let Ok(targets) = publisher_map::wanted_from_value(&v) {
                check_targets(&targets);
            }
        }
        kind => {
            // A lockfile's names, as `trust update --index D --lock FILE` reads them.
            let name = if kind == 2 { "pylock.toml" } else { ["package-lock.json", "pnpm-lock.yaml"][rest.len() % 2] };
            let Ok(l) = lock::parse(rest, name, &lock::Options::default()) else { return };
            let index = if kind == 2 { "pypi.org" } else { "registry.npmjs.org" };
            if let Ok(targets) = publisher_map::wanted_from_lock(index, &l) {
                check_targets(&targets);
                let mut sorted = targets.clone();
                sorted.sort();
                sorted.dedup();
                assert_eq!(sorted.len(), targets.len(), "a lock's names are searched once each");
            }
        }
    }
});
