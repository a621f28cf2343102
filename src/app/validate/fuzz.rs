//! The scenario fuzz target: `scenarios/base.toml` with a few of its values mutated — numbers
//! scaled by huge or tiny factors, signs flipped, NaN, ±inf or 0, keys removed, strings swapped
//! for other strings of the file (or put where a number was) — then parsed, validated and, when
//! validation accepts it, run for a few paths. The properties:
//!
//! * nothing panics, and every refusal names the file;
//! * validate ⇔ run: a scenario validation accepts runs (a few paths, their report) without
//!   error; any error there is one validation should have given;
//! * no runaway: each case finishes within [`CASE_TIME_LIMIT`].
//!
//! `cargo test` runs [`DEFAULT_CASES`] cases from a fixed seed (a few seconds). For more, or
//! other cases: `PROPTEST_CASES=5000 PROPTEST_RNG_SEED=7 cargo test --lib fuzz -- --nocapture`.
//! A failure prints the smallest set of mutations that still fails; turn it into a unit test
//! beside the check that was missing.

use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestError, TestRunner};
use toml::{Table, Value};

use crate::engine::{self, RunOptions, Stopping};
use crate::report::Report;
use crate::scenario;

/// Cases `cargo test` runs unless `PROPTEST_CASES` says otherwise.
const DEFAULT_CASES: u32 = 64;
/// The seed of those cases unless `PROPTEST_RNG_SEED` says otherwise: `cargo test` is repeatable.
const DEFAULT_SEED: u64 = 16;
/// Paths of each short run.
const PATHS: u64 = 4;
/// A case that takes longer has run away (a case takes milliseconds).
const CASE_TIME_LIMIT: Duration = Duration::from_secs(20);

/// What is done to one value of the file.
#[derive(Debug, Clone, Copy)]
enum Mutation {
    Scale(f64),
    FlipSign,
    Set(f64),
    Remove,
    /// Replaced by the file's string at this index.
    String(Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    // Mild factors keep many cases valid, so that runs are exercised, not only refusals.
    let mild = vec![0.5, 0.8, 0.95, 1.05, 1.25, 2.0];
    let wild = vec![1e-300, 1e-12, 1e-6, 1e-3, 0.1, 10.0, 1e3, 1e6, 1e12, 1e300];
    prop_oneof![
        4 => prop::sample::select(mild).prop_map(Mutation::Scale),
        3 => prop::sample::select(wild).prop_map(Mutation::Scale),
        1 => Just(Mutation::FlipSign),
        1 => prop::sample::select(vec![f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 0.0, 5e-324]).prop_map(Mutation::Set),
        1 => Just(Mutation::Remove),
        1 => any::<Index>().prop_map(Mutation::String),
    ]
}

/// One step of a key path: a table key or an array index.
#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Index(usize),
}

fn leaves(value: &Value, at: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    match value {
        Value::Table(t) => {
            for (k, v) in t {
                at.push(Step::Key(k.clone()));
                leaves(v, at, out);
                at.pop();
            }
        }
        Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                at.push(Step::Index(i));
                leaves(v, at, out);
                at.pop();
            }
        }
        _ => out.push(at.clone()),
    }
}

/// Applies `mutation` to the value at `path` in `table`.
fn apply(table: &mut Table, path: &[Step], mutation: Mutation, strings: &[String]) {
    let Some((last, parents)) = path.split_last() else { return };
    let mut value = None::<&mut Value>;
    for step in parents {
        let next = match (value, step) {
            (None, Step::Key(k)) => table.get_mut(k),
            (Some(Value::Table(t)), Step::Key(k)) => t.get_mut(k),
            (Some(Value::Array(a)), Step::Index(i)) => a.get_mut(*i),
            _ => None,
        };
        let Some(next) = next else { return };
        value = Some(next);
    }
    let container = match value {
        None => Some(table),
        Some(Value::Table(t)) => Some(t),
        Some(Value::Array(a)) => {
            if let Step::Index(i) = last
                && *i < a.len()
            {
                match mutation {
                    Mutation::Remove => {
                        a.remove(*i);
                    }
                    _ => a[*i] = mutated(&a[*i], mutation, strings),
                }
            }
            None
        }
        Some(_) => None,
    };
    if let (Some(t), Step::Key(k)) = (container, last) {
        match mutation {
            Mutation::Remove => {
                t.remove(k);
            }
            _ => {
                if let Some(v) = t.get(k) {
                    let new = mutated(v, mutation, strings);
                    t.insert(k.clone(), new);
                }
            }
        }
    }
}

fn mutated(value: &Value, mutation: Mutation, strings: &[String]) -> Value {
    match (mutation, value) {
        (Mutation::String(i), _) => Value::String(strings[i.index(strings.len())].clone()),
        (Mutation::Scale(k), Value::Integer(n)) => {
            let x = *n as f64 * k;
            // Integers stay integers where they can, so that whole-number keys are reached.
            if x.fract() == 0.0 && x.abs() < 9e15 { Value::Integer(x as i64) } else { Value::Float(x) }
        }
        (Mutation::Scale(k), Value::Float(x)) => Value::Float(x * k),
        (Mutation::FlipSign, Value::Integer(n)) => Value::Integer(n.saturating_neg()),
        (Mutation::FlipSign, Value::Float(x)) => Value::Float(-x),
        (Mutation::Set(x), _) => Value::Float(x),
        (_, other) => other.clone(),
    }
}

/// Runs one case: the mutated file through parse, validation and a short run; `Ok(true)` if
/// validation accepted it.
fn check(text: &str, path: &Path) -> Result<bool, TestCaseError> {
    let scenario = match scenario::load_str(text, path) {
        Ok(scenario) => scenario,
        Err(e) => {
            let message = e.to_string();
            prop_assert!(message.starts_with(&path.display().to_string()), "refusal without the file: {message}");
            return Ok(false);
        }
    };
    let options = RunOptions { seed: 5, stopping: Stopping::Paths(PATHS), threads: Some(1) };
    let results = engine::run(&scenario, &options, &mut |_| {}, None);
    let report = results.and_then(|results| Report::build(&scenario, &results));
    prop_assert!(report.is_ok(), "validated, but the run failed: {}", report.err().map(|e| e.to_string()).unwrap_or_default());
    Ok(true)
}

#[test]
fn mutated_scenarios_are_refused_or_run() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let text = std::fs::read_to_string(dir.join("base.toml")).expect("base.toml");
    let base: Table = text.parse().expect("base.toml parses");
    let mut paths = Vec::new();
    leaves(&Value::Table(base.clone()), &mut Vec::new(), &mut paths);
    let mut strings: Vec<String> = paths
        .iter()
        .filter_map(|p| {
            let mut v = &Value::Table(base.clone());
            for step in p {
                v = match (v, step) {
                    (Value::Table(t), Step::Key(k)) => t.get(k)?,
                    (Value::Array(a), Step::Index(i)) => a.get(*i)?,
                    _ => return None,
                };
            }
            v.as_str().map(str::to_string)
        })
        .collect();
    strings.extend(["".to_string(), "x".repeat(300), "../../etc/passwd".to_string(), "2024Q9".to_string()]);

    let mut config = Config { failure_persistence: None, ..Config::default() };
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = DEFAULT_CASES;
    }
    if std::env::var_os("PROPTEST_RNG_SEED").is_none() {
        config.rng_seed = RngSeed::Fixed(DEFAULT_SEED);
    }
    let mut runner = TestRunner::new(config);
    let strategy = prop::collection::vec((any::<Index>(), mutation()), 1..=3);
    let file = dir.join("fuzz.toml");
    // Cases validation accepted, and all cases: the run is exercised, not only the refusals.
    let (accepted, cases) = (AtomicU32::new(0), AtomicU32::new(0));
    let outcome = runner.run(&strategy, |mutations| {
        let mut table = base.clone();
        for (index, mutation) in &mutations {
            apply(&mut table, &paths[index.index(paths.len())], *mutation, &strings);
        }
        let text = toml::to_string(&table).map_err(|e| TestCaseError::reject(e.to_string()))?;
        // On its own thread, so that a runaway fails the case rather than hanging the test.
        let (done, wait) = mpsc::channel();
        let file = file.clone();
        std::thread::spawn(move || {
            let _ = done.send(check(&text, &file));
        });
        cases.fetch_add(1, Ordering::Relaxed);
        match wait.recv_timeout(CASE_TIME_LIMIT) {
            Ok(result) => {
                accepted.fetch_add(u32::from(result?), Ordering::Relaxed);
                Ok(())
            }
            Err(mpsc::RecvTimeoutError::Timeout) => Err(TestCaseError::fail(format!("ran away: over {CASE_TIME_LIMIT:?}"))),
            Err(mpsc::RecvTimeoutError::Disconnected) => Err(TestCaseError::fail("panicked")),
        }
    });
    match outcome {
        Ok(()) => {
            let (accepted, cases) = (accepted.into_inner(), cases.into_inner());
            eprintln!("{accepted} of {cases} mutated scenarios validated and ran");
            assert!(accepted * 10 >= cases, "only {accepted} of {cases} validated: the runs are hardly exercised");
        }
        Err(TestError::Fail(reason, mutations)) => {
            let named: Vec<String> = mutations
                .iter()
                .map(|(index, m)| format!("{:?} {m:?}", paths[index.index(paths.len())]))
                .collect();
            panic!("{reason}\nmutations of base.toml: {named:#?}");
        }
        Err(e) => panic!("{e}"),
    }
}
