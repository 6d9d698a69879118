//! The cost of a publisher map at PyPI's scale (docs/publisher-map.md): a synthetic index of
//! 600,000 projects in 16,384 hashed bins (`benches/support/publisher_map_repo.rs` builds it),
//! then a lock of 1,000 projects resolved through it. Prints the bins fetched, the bytes read,
//! and the time of the update beyond the plain TUF walk (the same repository updated with no
//! project asked), then the time to load the map into a policy. One run of each, for a quick
//! look at other sizes; `cargo bench --bench publisher_map` measures the default size properly:
//!
//!     cargo run --release --example publisher_map_scale [PROJECTS] [LOCK]

#[path = "../benches/support/publisher_map_repo.rs"]
mod publisher_map_repo;

use domainsig::trust::tuf;
use publisher_map_repo::{INDEX, MapRepo, fetched_roles};
use std::time::Instant;

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let projects = args.first().copied().unwrap_or(600_000);
    let lock_n = args.get(1).copied().unwrap_or(1_000);
    let m = MapRepo::build(projects, lock_n);
    println!(
        "repository: {} projects in 16,384 bins, built in {:.1} s (snapshot {} bytes)",
        m.projects, m.build_secs, m.snapshot_bytes
    );

    let t = Instant::now();
    let plain = tuf::update_for(&m.cfg("plain"), &m, &[]).unwrap();
    let walk = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let r = tuf::update_for(&m.cfg("lock"), &m, &m.wanted()).unwrap();
    let with_map = t.elapsed().as_secs_f64();
    let (bins, level1) = fetched_roles(&r);
    let (want_bins, want_level1) = m.roles_of_lock();
    println!("plain TUF walk (no project asked): {walk:.3} s, {} bytes of metadata", m.bytes(&plain));
    println!(
        "lock of {lock_n}: {with_map:.3} s ({:.3} s beyond the walk), {} bins (the lock hashes to {}) + {} level-1 roles, {} entries, {} bytes in all ({} beyond the walk)",
        with_map - walk,
        bins.len(),
        want_bins.len(),
        level1.len(),
        r.targets.len(),
        m.bytes(&r),
        m.bytes(&r) - m.bytes(&plain)
    );
    let t = Instant::now();
    let index = domainsig::domain::normalize(INDEX).unwrap();
    let map = domainsig::trust::publisher_map::PublisherMap::load(&m.cfg("lock"), &index, tuf::unix_now()).unwrap();
    println!(
        "loading the map for a policy: {:.3} s, {:?} (entries, projects searched)",
        t.elapsed().as_secs_f64(),
        map.counts()
    );
    assert_eq!(bins, want_bins, "the bins fetched are exactly those the lock hashes to");
    assert_eq!(level1, want_level1);
}
