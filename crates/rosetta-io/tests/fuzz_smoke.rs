//! The fuzz smoke that `make test` (and CI) runs without nightly: every seed file of the fuzz corpus
//! (tests/formats and the bad-input catalogue) is mutated a few hundred times — bit flips, byte
//! overwrites, truncations, insertions, chunk duplication — and fed to the same entry points as the
//! cargo-fuzz targets in `fuzz/`. Any panic fails the test with the seed and mutation that caused it.
//! The long runs are `scripts/fuzz.sh` (libFuzzer); their results are in FUZZING.md.
#![allow(clippy::unwrap_used)] // reason: test code, where a panic is the failure report

use std::path::{Path, PathBuf};

use rosetta_io::{group_files, parse_file, parse_files};

/// Mutations per seed file: enough to reach every parser's error paths, quick in a debug build.
const MUTATIONS: u64 = 2000;

struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(seed: &[u8], rng: &mut SplitMix) -> Vec<u8> {
    let mut b = seed.to_vec();
    let rounds = 1 + rng.below(4);
    for _ in 0..rounds {
        let len = b.len();
        match rng.below(7) {
            0 if len > 0 => {
                let i = rng.below(len);
                b[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                // Interesting bytes: the ones parsers branch on.
                const SPECIAL: [u8; 10] =
                    [0, 0xff, 0x7f, 0x80, b'\t', b'\n', b',', b'"', b'[', b'{'];
                b[i] = SPECIAL[rng.below(SPECIAL.len())];
            }
            2 => b.truncate(rng.below(len + 1)),
            3 => {
                let i = rng.below(len + 1);
                let n = 1 + rng.below(16);
                let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
                b.splice(i..i, bytes);
            }
            4 if len > 1 => {
                let start = rng.below(len);
                let end = (start + 1 + rng.below(64)).min(len);
                let chunk = b[start..end].to_vec();
                let at = rng.below(len + 1);
                b.splice(at..at, chunk);
            }
            5 if len > 8 => {
                // Overwrite a 4-byte field with an extreme integer (sizes, counts, offsets).
                let i = rng.below(len - 4);
                let v: u32 = [0, 1, u32::MAX, 0x7fff_ffff, 65_536][rng.below(5)];
                b[i..i + 4].copy_from_slice(&v.to_le_bytes());
            }
            _ => {
                if len > 0 {
                    let i = rng.below(len);
                    b.remove(i);
                }
            }
        }
    }
    b
}

fn seeds() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut out = Vec::new();
    for dir in [
        "tests/formats",
        "tests/formats/projector",
        "tests/bad-inputs/files",
    ] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            let big = e.metadata().map(|m| m.len() > 2_000_000).unwrap_or(true);
            let script = p.extension().is_some_and(|x| x == "py");
            if p.is_file() && !big && !script {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn name_of(p: &Path) -> String {
    p.file_name().unwrap().to_string_lossy().into_owned()
}

#[test]
fn mutated_seeds_never_panic() {
    let seeds = seeds();
    assert!(seeds.len() >= 40, "fuzz seeds missing: {}", seeds.len());
    let mut runs = 0u64;
    for (k, path) in seeds.iter().enumerate() {
        let seed = std::fs::read(path).unwrap();
        let name = name_of(path);
        let mut rng = SplitMix(0xF022 + k as u64);
        for m in 0..MUTATIONS {
            let bytes = mutate(&seed, &mut rng);
            let outcome = std::panic::catch_unwind(|| {
                if let Ok(parsed) = parse_file(&name, &bytes) {
                    let _ = group_files(vec![(name.clone(), parsed)]);
                }
            });
            assert!(
                outcome.is_ok(),
                "panic on mutation {m} of {} ({} bytes)",
                path.display(),
                bytes.len()
            );
            runs += 1;
        }
    }
    eprintln!("fuzz smoke: {runs} inputs from {} seeds", seeds.len());
}

/// The projector target: a config and a tensor, both mutated.
#[test]
fn mutated_projector_drops_never_panic() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/formats/projector");
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| (name_of(&e.path()), std::fs::read(e.path()).unwrap()))
        .collect();
    files.sort();
    let mut rng = SplitMix(7);
    for m in 0..MUTATIONS * 2 {
        let which = rng.below(files.len());
        let mut drop = files.clone();
        drop[which].1 = mutate(&drop[which].1, &mut rng);
        let outcome = std::panic::catch_unwind(|| parse_files(drop));
        assert!(
            outcome.is_ok(),
            "panic on projector mutation {m} of {}",
            files[which].0
        );
    }
}

/// Inputs that crashed a parser once (libFuzzer artifacts, named by what was wrong): each must now
/// give a message naming the file.
#[test]
fn past_findings_give_messages() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fuzz-findings");
    let mut count = 0;
    for e in std::fs::read_dir(&dir).unwrap().flatten() {
        let name = name_of(&e.path());
        if name.ends_with(".md") {
            continue;
        }
        let bytes = std::fs::read(e.path()).unwrap();
        let err = parse_file(&name, &bytes).expect_err(&name);
        assert!(err.to_string().contains(&name), "{err}");
        count += 1;
    }
    assert!(count >= 2);
}
