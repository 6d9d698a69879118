//! A publisher map at PyPI's scale (docs/publisher-map.md, issue 18): 600,000 projects in 16,384
//! hashed bins, signed once into a temp folder outside the measurements
//! (`benches/support/publisher_map_repo.rs`), then:
//!
//! - `update/plain_walk`: a first `trust update` of the repository asking for no project (the
//!   TUF walk every update pays: root, timestamp, snapshot listing all 16,640 roles, targets,
//!   the index's role);
//! - `update/lock_1000`: the same with the 1,000 names of a lock, which fetches their bins, the
//!   level-1 roles above them and their entry files, and writes them into a new cache generation;
//! - `update/refresh_lock_1000`: that update run again on its own cache, nothing changed (every
//!   file comes from the live generation, verified again, into the next generation);
//! - `load_map`: the verified map loaded for a policy (`PublisherMap::load`).
//!
//! Each update gets a fresh cache folder, created and removed outside the timing. Before any
//! timing the bench checks that the bins fetched are exactly those the lock's names hash to.
//! At the end it prints the medians of `lock_1000` minus `plain_walk` (the time the map adds).
//!
//!     cargo bench --bench publisher_map
//!
//! About two minutes on 2 cores (the repository takes ~15 s to sign; about 1 GB of temp space
//! while it runs). `cargo test` builds it and, run without `--bench`, it does nothing: signing
//! the repository is too slow for the test command.

#[path = "support/publisher_map_repo.rs"]
mod publisher_map_repo;

use criterion::{Criterion, SamplingMode};
use domainsig::trust::tuf;
use publisher_map_repo::{INDEX, MapRepo, fetched_roles};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

static CACHES: AtomicUsize = AtomicUsize::new(0);

fn fresh(m: &MapRepo) -> String {
    let name = format!("cache-{}", CACHES.fetch_add(1, Ordering::SeqCst));
    let _ = std::fs::remove_dir_all(m.cache(&name));
    name
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    if v.is_empty() { f64::NAN } else { v[v.len() / 2] }
}

/// Times `update_for` into a fresh cache per iteration (set up by `before`, untimed), and records
/// each time in `log`.
fn timed(m: &MapRepo, wanted: &[String], before: &dyn Fn(&MapRepo, &str), log: &mut Vec<f64>, iters: u64) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let cache = fresh(m);
        before(m, &cache);
        let t = Instant::now();
        tuf::update_for(&m.cfg(&cache), m, wanted).expect("update");
        let d = t.elapsed();
        total += d;
        log.push(d.as_secs_f64());
        let _ = std::fs::remove_dir_all(m.cache(&cache));
    }
    total
}

fn main() {
    // `cargo test --all-targets` runs bench binaries without `--bench` (criterion's test mode):
    // signing 600,000 entries does not belong in the test command.
    if !std::env::args().any(|a| a == "--bench") {
        eprintln!("publisher_map: run with `cargo bench --bench publisher_map`; nothing to do under cargo test");
        return;
    }
    let m = MapRepo::build(600_000, 1_000);
    eprintln!(
        "repository: {} projects in 16,384 bins, signed in {:.1} s (snapshot {} bytes)",
        m.projects, m.build_secs, m.snapshot_bytes
    );
    let wanted = m.wanted();

    // Untimed: what an update fetches.
    let plain = tuf::update_for(&m.cfg("check-plain"), &m, &[]).expect("plain update");
    let r = tuf::update_for(&m.cfg("check-lock"), &m, &wanted).expect("lock update");
    let (bins, level1) = fetched_roles(&r);
    let (want_bins, want_level1) = m.roles_of_lock();
    assert_eq!(bins, want_bins, "the bins fetched must be exactly those the lock's names hash to");
    assert_eq!(level1, want_level1, "the level-1 roles fetched must be exactly those above the lock's bins");
    assert_eq!(r.targets.len(), wanted.len(), "one entry file per locked project");
    assert!(fetched_roles(&plain).0.is_empty(), "a walk asking for nothing fetches no bin");
    let (plain_bytes, lock_bytes) = (m.bytes(&plain), m.bytes(&r));
    let _ = std::fs::remove_dir_all(m.cache("check-plain"));

    let mut c = Criterion::default().configure_from_args();
    let (mut walk, mut lock, mut refresh) = (Vec::new(), Vec::new(), Vec::new());
    {
        let mut g = c.benchmark_group("update");
        g.sampling_mode(SamplingMode::Flat).sample_size(10).warm_up_time(Duration::from_millis(1));
        g.bench_function("plain_walk", |b| b.iter_custom(|n| timed(&m, &[], &|_, _| {}, &mut walk, n)));
        g.bench_function("lock_1000", |b| b.iter_custom(|n| timed(&m, &wanted, &|_, _| {}, &mut lock, n)));
        let seed = |m: &MapRepo, cache: &str| {
            tuf::update_for(&m.cfg(cache), m, &wanted).expect("seed update");
        };
        g.bench_function("refresh_lock_1000", |b| b.iter_custom(|n| timed(&m, &wanted, &seed, &mut refresh, n)));
        g.finish();
    }
    {
        let index = domainsig::domain::normalize(INDEX).expect("index");
        let cfg = m.cfg("check-lock");
        let at = tuf::unix_now();
        let mut g = c.benchmark_group("publisher_map");
        g.sample_size(10);
        g.bench_function("load_map", |b| {
            b.iter(|| domainsig::trust::publisher_map::PublisherMap::load(&cfg, &index, at).expect("load"))
        });
        g.finish();
    }
    c.final_summary();
    let (w, l, f) = (median(walk), median(lock), median(refresh));
    println!(
        "publisher map, 600,000 projects in 16,384 bins, lock of 1,000: {} bins fetched (exactly those the lock \
         hashes to) + {} level-1 roles + {} entry files; {lock_bytes} bytes read ({} beyond the walk's \
         {plain_bytes}); medians: walk {w:.3} s, lock {l:.3} s ({:.3} s beyond the walk), unchanged refresh \
         {f:.3} s",
        bins.len(),
        level1.len(),
        r.targets.len(),
        lock_bytes - plain_bytes,
        l - w
    );
}
