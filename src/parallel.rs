//! The one work queue behind every batch (`Policy::verify_many`, a lock's entries): items handed
//! out one at a time from a shared counter, so a slow item (a huge artifact) does not hold back a
//! whole pre-assigned slice, results kept in the items' order.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Runs `f` over `items` on up to `jobs` threads (0 = one per available core), returning one
/// result per item in order: `None` where `f` panicked, so the caller turns it into that item's
/// refusal (a panic never crosses the batch). `progress` is called after each item with the
/// number done so far, from the worker threads.
pub(crate) fn map<T: Sync, R: Send>(
    items: &[T],
    jobs: usize,
    progress: &(dyn Fn(usize) + Sync),
    f: impl Fn(&T) -> R + Sync,
) -> Vec<Option<R>> {
    let jobs = if jobs == 0 { std::thread::available_parallelism().map_or(1, |n| n.get()) } else { jobs };
    let jobs = jobs.clamp(1, items.len().max(1));
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<R>>> = items.iter().map(|_| Mutex::new(None)).collect();
    let work = || {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else { break };
            if let Ok(r) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(item))) {
                if let Ok(mut slot) = slots[i].lock() {
                    *slot = Some(r);
                }
            }
            progress(done.fetch_add(1, Ordering::Relaxed) + 1);
        }
    };
    if jobs == 1 {
        work();
    } else {
        std::thread::scope(|s| {
            for _ in 0..jobs {
                s.spawn(work);
            }
        });
    }
    slots.into_iter().map(|m| m.into_inner().ok().flatten()).collect()
}

#[cfg(test)]
mod tests {
    use super::map;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn keeps_order_counts_progress_and_contains_a_panic() {
        let items: Vec<u32> = (0..50).collect();
        for jobs in [0, 1, 3] {
            let calls = AtomicUsize::new(0);
            let out = map(&items, jobs, &|_| _ = calls.fetch_add(1, Ordering::Relaxed), |&x| {
                assert!(x != 7, "item 7 panics");
                x * 2
            });
            let want: Vec<Option<u32>> = items.iter().map(|&x| (x != 7).then_some(x * 2)).collect();
            assert_eq!(out, want, "jobs {jobs}");
            assert_eq!(calls.load(Ordering::Relaxed), items.len(), "jobs {jobs}");
        }
        assert!(map(&[] as &[u8], 0, &|_| (), |&x| x).is_empty());
    }
}
