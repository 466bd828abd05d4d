//! Native benchmark harness: `rosetta-bench [workload…] [--scale S]`, one JSON line per timing.

use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut scale = 1.0;
    let mut names = Vec::new();
    let mut i = 0;
    while i < args.len() {
        if args[i] == "--scale" {
            scale = args.get(i + 1).and_then(|s| s.parse().ok()).unwrap_or(1.0);
            i += 2;
        } else {
            names.push(args[i].clone());
            i += 1;
        }
    }
    if names.is_empty() {
        names = rosetta_bench::WORKLOADS
            .iter()
            .map(|s| s.to_string())
            .collect();
    }
    let start = Instant::now();
    let clock = move || start.elapsed().as_secs_f64() * 1000.0;
    for name in names {
        for t in rosetta_bench::run(&name, &clock, scale) {
            println!("{}", t.to_json());
        }
    }
}
