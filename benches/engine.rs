//! Throughput of the engine and its parts: paths per second, scaling over threads, and the cost
//! of a path against its random-number floor. Run with `cargo bench`; CI only compiles them
//! (`cargo bench --no-run`). Current figures are in the README's "Performance" section, the
//! method in `docs/performance.md`.

use std::hint::black_box;
use std::path::Path;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use fifsim::engine::{RunOptions, Stopping, run};
use fifsim::model::Shocks;
use fifsim::model::company::{self, Backer, ProfileLaw};
use fifsim::model::fund::{PathState, Simulator};
use fifsim::model::waterfall::{Waterfall, WaterfallTerms};
use fifsim::rng::usage::{self, RandomUse};
use fifsim::rng::{Component, GammaQuantiles, StreamKey};
use fifsim::scenario::{self, Scenario, Stage};

fn base() -> Scenario {
    match scenario::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/base.toml")) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    }
}

/// Paths the per-path benches cycle through (the same ones for the model and its floor).
const PATHS: u64 = 64;

/// One whole path of the base scenario (shocks, 18 sub-funds, the direct sleeve, the fund), and
/// the random-number floor of the same paths: seeding the same number of generators and making
/// the same numbers of uniforms, normals, lognormals and gamma waits, without the model
/// ([`RandomUse::replay`]). Their ratio is how far the engine is from its floor.
fn whole_path_and_its_floor(c: &mut Criterion) {
    let scenario = base();
    let simulator = Simulator::new(&scenario, 1).expect("laws");
    let mut state = PathState::default();
    let uses: Vec<RandomUse> = (0..PATHS)
        .map(|p| {
            usage::take();
            simulator.simulate_path(p, &mut state).expect("base stays within its deal limits");
            usage::take()
        })
        .collect();
    let mut group = c.benchmark_group("path");
    group.throughput(Throughput::Elements(1));
    let mut path = 0u64;
    group.bench_function("base_whole_path", |b| {
        b.iter(|| {
            path = (path + 1) % PATHS;
            simulator.simulate_path(black_box(path), &mut state).expect("base stays within its deal limits");
        })
    });
    let key = StreamKey::new(1, Component::Direct);
    // Base's waits mostly have shape 2.5 (the rest 2.0); every table lookup costs the same.
    let gammas = GammaQuantiles::shared(2.5).expect("gamma table");
    let mut path = 0u64;
    group.bench_function("random_number_floor", |b| {
        b.iter(|| {
            path = (path + 1) % PATHS;
            black_box(uses[path as usize].replay(&key, path, &gammas))
        })
    });
    group.finish();
}

/// One company from seed to its ending, in the base scenario's prototype profile.
fn company_life_cycle(c: &mut Criterion) {
    let scenario = base();
    let shocks = Shocks::constant(&scenario, scenario.market.initial);
    let env = shocks.environment(&scenario);
    let field = scenario.fields.iter().position(|f| scenario.profiles[f.profile].key == "prototype").unwrap_or(0);
    let law = ProfileLaw::new(&scenario.profiles[scenario.fields[field].profile]).expect("law");
    let key = StreamKey::new(1, Component::Direct);
    let mut rounds = Vec::new();
    let mut i = 0u64;
    c.bench_function("company_life_cycle", |b| {
        b.iter(|| {
            i += 1;
            rounds.clear();
            let mut rng = key.rng(i, 0);
            let post = company::draw_entry_post_money(&env, &law, Stage::Seed, field, 0, &mut rng);
            black_box(company::simulate(&env, &law, company::Start::deal(field, Stage::Seed, 0, post), Backer::AVERAGE, &mut rng, &mut rounds))
        })
    });
}

/// A sub-fund's whole-fund waterfall over a 10-year life with quarterly calls and exits.
fn subfund_waterfall(c: &mut Criterion) {
    let terms = WaterfallTerms { hurdle_per_quarter: 1.08f64.powf(0.25) - 1.0, carry: 0.2, catch_up: 1.0 };
    c.bench_function("subfund_waterfall_40_quarters", |b| {
        b.iter(|| {
            let mut waterfall = Waterfall::new(terms);
            let mut lp = 0.0;
            for t in 0..40 {
                waterfall.accrue_quarter();
                waterfall.contribute(if t < 20 { 50.0 } else { 5.0 });
                lp += waterfall.distribute(if t >= 12 { 40.0 + t as f64 } else { 0.0 }).lp;
                lp += waterfall.liquidation_split(black_box(500.0)).lp * 1e-9;
            }
            black_box(lp + waterfall.clawback())
        })
    });
}

/// 10,000 paths of the base scenario at 1 thread and at all threads (parallel efficiency).
fn ten_thousand_paths(c: &mut Criterion) {
    let scenario = base();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut group = c.benchmark_group("run_10k_paths");
    group.sample_size(10);
    group.throughput(Throughput::Elements(10_000));
    for threads in [1, cores] {
        group.bench_with_input(BenchmarkId::from_parameter(threads), &threads, |b, &threads| {
            let options = RunOptions { seed: 1, stopping: Stopping::Paths(10_000), threads: Some(threads) };
            b.iter(|| black_box(run(&scenario, &options, &mut |_| {}, None).expect("run").paths))
        });
    }
    group.finish();
}

/// Time to a decision: a run of base on all threads until the 95% interval of mean fund TVPI is
/// within ±0.01 by the control variates and the stopping rule (`--precision 0.01`), beside a
/// run of the paths the plain mean needs for the same interval (read off a 20,000-path pilot:
/// the time the plain estimator would take). docs/performance.md, "Time to a decision".
fn time_to_decision(c: &mut Criterion) {
    let scenario = base();
    let pilot = run(&scenario, &RunOptions { seed: 2, stopping: Stopping::Paths(20_000), threads: None }, &mut |_| {}, None).expect("pilot");
    let tvpi = pilot.summary("fund_tvpi").expect("read").expect("fund TVPI");
    let plain_paths = (fifsim::stats::summary::Z95 * tvpi.std_error * (tvpi.n as f64).sqrt() / 0.01).powi(2).ceil() as u64;
    let mut group = c.benchmark_group("time_to_decision");
    group.sample_size(10);
    group.bench_function("fund_tvpi_0.01/control_variates", |b| {
        let options = RunOptions { seed: 1, stopping: Stopping::precision(0.01, None), threads: None };
        b.iter(|| black_box(run(&scenario, &options, &mut |_| {}, None).expect("run").paths))
    });
    group.bench_function(format!("fund_tvpi_0.01/plain_{plain_paths}_paths"), |b| {
        let options = RunOptions { seed: 1, stopping: Stopping::Paths(plain_paths), threads: None };
        b.iter(|| black_box(run(&scenario, &options, &mut |_| {}, None).expect("run").paths))
    });
    group.finish();
}

criterion_group!(benches, whole_path_and_its_floor, company_life_cycle, subfund_waterfall, ten_thousand_paths, time_to_decision);
criterion_main!(benches);
