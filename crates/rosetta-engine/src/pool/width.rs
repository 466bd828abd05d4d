//! How many workers share a kernel: the cores bound the pool, memory bounds each kernel's helpers
//! (every helper holds its own copy of the rows it works on, and wasm memory never shrinks).
//! Pure, so that the rules are tested natively; `pool.rs` reads the browser's numbers.

/// Workers per kernel at most (this one included) by default: `hardwareConcurrency` counts
/// logical processors, and a second thread on a core adds little to SIMD-bound kernels while each
/// helper costs its own copy of the rows.
pub const DEFAULT_MAX_WIDTH: usize = 8;
/// Workers per kernel at most when `?workers=N` asks.
pub const MAX_WIDTH: usize = 16;

/// What the helpers may hold together where the browser does not report its memory
/// (`navigator.deviceMemory` is Chromium's only): half of an assumed 4 GB.
const UNREPORTED_BUDGET: usize = 2 << 30;

/// A helper's memory besides what a kernel sends it (its wasm code, stack and JS heap).
const HELPER_BASELINE: usize = 32 << 20;

/// A helper's memory per byte a kernel sends it: the copy, and what the kernel builds from it
/// (a screen's i16 rows and their unpacked copy, both sides' i8 rows, score tiles). Measured in
/// headless Chromium on the 20,000 × 384 comparison (largest share sent: retrieval's two spaces,
/// 61 MB): two more helpers raised the browser's peak memory by 487 MB, 4 × 61 MB each.
const HELPER_BYTES_PER_SENT: usize = 4;

/// The pool's width: `?workers=N` when given (at most [`MAX_WIDTH`]), else the machine's cores
/// (at most [`DEFAULT_MAX_WIDTH`]). At least 1.
pub fn pool_width(cores: usize, asked: Option<usize>) -> usize {
    match asked {
        Some(w) => w.clamp(1, MAX_WIDTH),
        None => cores.clamp(1, DEFAULT_MAX_WIDTH),
    }
}

/// Bytes the helpers together may hold: half the memory the device reports
/// (`navigator.deviceMemory`, GB: Chromium rounds it down to a power of two and caps it at 8),
/// 2 GB where it reports none. `None` when `?workers=N` asked for a width: the user decides.
pub fn memory_budget(device_memory_gb: Option<f64>, asked: bool) -> Option<usize> {
    if asked {
        return None;
    }
    Some(match device_memory_gb {
        Some(gb) if gb.is_finite() && gb > 0.0 => (gb * f64::from(1u32 << 29)) as usize,
        _ => UNREPORTED_BUDGET,
    })
}

/// A helper's memory for a kernel that sends it `bytes`.
pub fn helper_bytes(bytes: usize) -> usize {
    HELPER_BYTES_PER_SENT
        .saturating_mul(bytes)
        .saturating_add(HELPER_BASELINE)
}

/// Helpers for one kernel: as many as the pool's `width` allows (this worker takes a share too)
/// whose memory for `bytes_per_helper` fits in `budget` (`None`: no memory cap).
pub fn helpers_for(width: usize, budget: Option<usize>, bytes_per_helper: usize) -> usize {
    let most = width.saturating_sub(1);
    budget.map_or(most, |b| most.min(b / helper_bytes(bytes_per_helper)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MB: usize = 1 << 20;

    #[test]
    fn the_cores_set_the_width_up_to_eight_unless_asked() {
        assert_eq!(pool_width(2, None), 2);
        assert_eq!(pool_width(8, None), 8);
        assert_eq!(pool_width(64, None), 8);
        assert_eq!(pool_width(0, None), 1);
        assert_eq!(pool_width(2, Some(4)), 4);
        assert_eq!(pool_width(8, Some(1)), 1);
        assert_eq!(pool_width(8, Some(40)), 16);
    }

    #[test]
    fn memory_caps_the_helpers_of_a_kernel() {
        // A 16 GB laptop (Chromium reports 8): 4 GB for helpers.
        let budget = memory_budget(Some(8.0), false);
        assert_eq!(budget, Some(4 << 30));
        // The bench's comparison (61 MB to each helper): 8 workers fit.
        assert_eq!(helpers_for(8, budget, 61 * MB), 7);
        // kNN of 100,000 × 768 (300 MB to each helper): three helpers fit in 4 GB.
        assert_eq!(helpers_for(8, budget, 300 * MB), 3);
        // 1 GB reported: half a GB for helpers, none for that kNN.
        assert_eq!(helpers_for(8, memory_budget(Some(1.0), false), 300 * MB), 0);
        // Not reported: 2 GB.
        assert_eq!(memory_budget(None, false), Some(2 << 30));
        assert_eq!(memory_budget(Some(f64::NAN), false), Some(2 << 30));
        // Asked for: the width alone decides.
        assert_eq!(memory_budget(Some(1.0), true), None);
        assert_eq!(helpers_for(8, None, 300 * MB), 7);
        assert_eq!(helpers_for(1, budget, 0), 0);
    }
}
