use std::collections::BTreeMap;

use super::*;
use crate::shard::Grid;
use crate::engine::{CHUNK, RunOptions, Stopping};
use crate::app::publish::Outputs;

/// Every file under `dir` (names relative to it) with its bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir).unwrap().map(|e| e.unwrap()).map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap())).collect()
}

fn job(seed: u64, paths: u64, spec: ShardSpec) -> ShardJob {
    ShardJob { command: Sharded::Run, seed, threads: Some(2), paths, spec }
}

fn shard(scenario: &Scenario, seed: u64, paths: u64, spec: ShardSpec, out: &Path) -> Published {
    simulate(&job(seed, paths, spec), std::slice::from_ref(scenario), out, false, &mut |_| {}).unwrap()
}

/// Shards `0..shards` of a run of `paths` paths under `root/shard-<k>`; their folders.
fn shards(scenario: &Scenario, seed: u64, paths: u64, shards: u64, root: &Path) -> Vec<PathBuf> {
    (0..shards).map(|index| shard(scenario, seed, paths, ShardSpec { index, count: shards }, &root.join(format!("shard-{index}"))).dir).collect()
}

fn merge_error(dirs: &[PathBuf], out: &Path) -> String {
    match merge(dirs, Some(out), false, Some(2)).map(drop) {
        Ok(_) => panic!("merged {dirs:?}"),
        Err(e) => e.to_string(),
    }
}

/// The merge of the shard folders `dirs` of a run, published at `out` without charts.
fn merged_run(dirs: &[PathBuf], out: &Path) -> Published {
    match merge(dirs, Some(out), false, Some(2)).unwrap() {
        Merged::Run(pending) => (*pending).publish(Outputs { charts: false, workbook: true }).unwrap(),
        other => panic!("a run's shards merged as another command: {other:?}"),
    }
}

/// The results folder of the merged shards holds the bytes of one run's, file for file (the
/// manifest included), for shard counts that do and do not divide the paths, at a path count
/// that is not a multiple of the chunk, so shards start and end inside chunks.
#[test]
fn shards_merge_to_the_bytes_of_one_run() {
    let scenario = crate::testing::base();
    let tmp = tempfile::tempdir().unwrap();
    let paths = CHUNK + 101;
    let options = RunOptions { seed: 11, stopping: Stopping::Paths(paths), threads: Some(2) };
    let single = run::simulate(&scenario, &options, &tmp.path().join("single"), false, &mut |_| {}).unwrap().publish(Outputs { charts: false, workbook: true }).unwrap();
    let expected = files(&single.dir);
    assert!(expected.contains_key("paths.csv") && expected.contains_key("summary.json"));
    for count in [1, 2, 3, 7] {
        let dirs = shards(&scenario, 11, paths, count, &tmp.path().join(format!("shards-{count}")));
        // Any order of the folders merges the same.
        let reversed: Vec<PathBuf> = dirs.iter().rev().cloned().collect();
        let merged = merged_run(&reversed, &tmp.path().join(format!("merged-{count}")));
        assert_eq!(files(&merged.dir), expected, "{count} shards");
    }
}

#[test]
fn a_retried_shard_writes_the_same_bytes() {
    let scenario = crate::testing::base();
    let tmp = tempfile::tempdir().unwrap();
    let spec = ShardSpec { index: 1, count: 3 };
    let first = files(&shard(&scenario, 3, 30, spec, &tmp.path().join("a")).dir);
    let again = simulate(&ShardJob { threads: Some(1), ..job(3, 30, spec) }, &[scenario], &tmp.path().join("b"), false, &mut |_| {}).unwrap();
    assert_eq!(files(&again.dir), first, "thread count and retry change nothing");
    let header = shard::read_header(&again.dir).unwrap();
    assert_eq!((header.first_path, header.end_path, header.shard, header.shards, header.paths), (10, 20, 1, 3, 30));
}

#[test]
fn more_shards_than_paths_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("s");
    let refused = simulate(&job(1, 3, ShardSpec { index: 0, count: 4 }), &[crate::testing::base()], &out, false, &mut |_| {});
    assert!(refused.unwrap_err().to_string().contains("at most 3 shards"));
    assert!(!out.exists());
}

/// A missing, repeated, cut-short, changed or foreign shard, or a folder that is no shard, is
/// refused, naming the folder, the missing shards with their paths and the commands that rerun
/// them; nothing is written.
#[test]
fn every_tampered_shard_set_is_refused() {
    let scenario = crate::testing::base();
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("shards");
    let dirs = shards(&scenario, 5, 40, 4, &root);
    let out = tmp.path().join("merged");
    let copy = |from: &Path, name: &str| {
        let to = tmp.path().join(name);
        std::fs::create_dir_all(&to).unwrap();
        for (file, bytes) in files(from) {
            std::fs::write(to.join(file), bytes).unwrap();
        }
        to
    };
    let without = |k: usize, extra: PathBuf| dirs.iter().enumerate().filter(|(j, _)| *j != k).map(|(_, d)| d.clone()).chain([extra]).collect::<Vec<_>>();

    // Missing: shards 1 and 3 of 4.
    let message = merge_error(&[dirs[0].clone(), dirs[2].clone()], &out);
    assert!(message.contains("missing shards: 1 (paths [10, 20)), 3 (paths [30, 40))"), "{message}");
    let array = format!("sbatch --array=1,3 deploy/slurm/shard.sbatch 4 {} run {} --paths 40 --seed 5", root.display(), scenario.source.display());
    assert!(message.contains(&array), "{message}");
    assert!(message.contains(&format!("--paths 40 --seed 5 --shard 3/4 --out {}/shard-3 --force", root.display())), "{message}");

    // Repeated: shard 2 twice, even as an identical copy.
    let twin = copy(&dirs[2], "twin");
    let message = merge_error(&[dirs.clone(), vec![twin]].concat(), &out);
    assert!(message.contains("shard 2 given 2 times"), "{message}");

    // Cut short, and changed in place: the shard counts as missing.
    let cut = copy(&dirs[1], "cut");
    let columns = std::fs::read(cut.join("columns-0.f64")).unwrap();
    std::fs::write(cut.join("columns-0.f64"), &columns[..columns.len() / 2]).unwrap();
    let message = merge_error(&without(1, cut), &out);
    assert!(message.contains("damaged shard 1") && message.contains("cut short"), "{message}");
    assert!(message.contains("missing shards: 1 (paths [10, 20))"), "{message}");
    let changed = copy(&dirs[1], "changed");
    let mut fans = std::fs::read(changed.join("fans-0.bin")).unwrap();
    fans[100] ^= 1;
    std::fs::write(changed.join("fans-0.bin"), fans).unwrap();
    let message = merge_error(&without(1, changed), &out);
    assert!(message.contains("SHA-256 differs"), "{message}");

    // Foreign: another seed; another build (as its header says); another scenario.
    let other_seed = shard(&scenario, 6, 40, ShardSpec { index: 3, count: 4 }, &tmp.path().join("seed6"));
    let message = merge_error(&without(3, other_seed.dir), &out);
    assert!(message.contains("foreign: seed 6, not 5") && message.contains("missing shards: 3 (paths [30, 40))"), "{message}");
    let other_build = copy(&dirs[0], "build");
    let header = std::fs::read_to_string(other_build.join(shard::HEADER)).unwrap();
    let build = shard::build_id().unwrap();
    std::fs::write(other_build.join(shard::HEADER), header.replace(&build, &"0".repeat(64))).unwrap();
    let message = merge_error(&without(0, other_build), &out);
    assert!(message.contains("foreign: build id 000"), "{message}");
    let bigger = scenario.edited(|raw| raw.fund.running_cost_per_year *= 2.0).unwrap();
    let other_scenario = shard(&bigger, 5, 40, ShardSpec { index: 0, count: 4 }, &tmp.path().join("bigger"));
    let message = merge_error(&without(0, other_scenario.dir), &out);
    assert!(message.contains("foreign: scenario content (hash)"), "{message}");

    let compare_job = ShardJob { command: Sharded::Compare, ..job(5, 40, ShardSpec { index: 0, count: 4 }) };
    let of_compare = simulate(&compare_job, std::slice::from_ref(&scenario), &tmp.path().join("compare"), false, &mut |_| {}).unwrap();
    let message = merge_error(&without(0, of_compare.dir), &out);
    assert!(message.contains("foreign: command compare, not run"), "{message}");

    // All shards of another build than the merging one.
    let all_other: Vec<PathBuf> = dirs
        .iter()
        .enumerate()
        .map(|(k, d)| {
            let to = copy(d, &format!("old-{k}"));
            let header = std::fs::read_to_string(to.join(shard::HEADER)).unwrap();
            std::fs::write(to.join(shard::HEADER), header.replace(&build, &"0".repeat(64))).unwrap();
            to
        })
        .collect();
    assert!(merge_error(&all_other, &out).contains("another fifsim build"));

    // No header: a folder whose shard did not finish, or no shard at all.
    let unfinished = copy(&dirs[2], "unfinished");
    std::fs::remove_file(unfinished.join(shard::HEADER)).unwrap();
    let message = merge_error(&without(2, unfinished), &out);
    assert!(message.contains("no shard.json") && message.contains("missing shards: 2 (paths [20, 30))"), "{message}");
    assert!(!out.exists(), "nothing written");

    // And the shards themselves still merge.
    merged_run(&dirs, &out);
}

/// The scenario file the shards name is loaded again by the merge: changed since, it is refused.
#[test]
fn a_scenario_changed_since_the_shards_ran_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("mine.toml");
    std::fs::write(&file, format!("extends = \"{}\"\n", crate::testing::base().source.display())).unwrap();
    let scenario = scenario::load(&file).unwrap();
    let dirs = shards(&scenario, 1, 10, 2, &tmp.path().join("shards"));
    std::fs::write(&file, format!("extends = \"{}\"\n[fund]\nrunning_cost_per_year = 0.0\n", crate::testing::base().source.display())).unwrap();
    let message = merge_error(&dirs, &tmp.path().join("merged"));
    assert!(message.contains("mine.toml: changed since the shards were simulated"), "{message}");
    // Changed into a forecast from a book: refused as a shard of one would be.
    let book = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/portfolio/2025Q4/portfolio.toml");
    let base = crate::testing::base().source.clone();
    std::fs::write(&file, format!("extends = \"{}\"\n[as_of]\nquarter = \"2025Q4\"\nportfolio = \"{}\"\n", base.display(), book.display())).unwrap();
    let message = merge_error(&dirs, &tmp.path().join("merged"));
    assert!(message.contains("mine.toml: has [as_of]") && message.contains("without --shard"), "{message}");
    assert!(!tmp.path().join("merged").exists());
}

/// A comparison's shards (paths of every scenario) merge to the bytes of the comparison run whole.
#[test]
fn compare_shards_merge_to_the_bytes_of_one_comparison() {
    let base = crate::testing::base();
    let heavy = scenario::load(&base.source.with_file_name("direct_heavy.toml")).unwrap();
    let scenarios = [base, heavy];
    let tmp = tempfile::tempdir().unwrap();
    let paths = 131;
    let options = RunOptions { seed: 4, stopping: Stopping::Paths(paths), threads: Some(2) };
    let single = compare::compare(&scenarios, &options, &tmp.path().join("single"), false, &mut |_| {}).unwrap().publish(Outputs { charts: false, workbook: true }).unwrap();
    let expected = files(&single.dir);
    for count in [1, 2, 3, 7] {
        let dirs: Vec<PathBuf> = (0..count)
            .map(|index| {
                let job = ShardJob { command: Sharded::Compare, ..job(4, paths, ShardSpec { index, count }) };
                simulate(&job, &scenarios, &tmp.path().join(format!("shards-{count}/shard-{index}")), false, &mut |_| {}).unwrap().dir
            })
            .collect();
        let Merged::Compare(pending) = merge(&dirs, Some(&tmp.path().join(format!("merged-{count}"))), false, Some(2)).unwrap() else {
            panic!("a comparison's shards merged as a run")
        };
        assert_eq!(files(&(*pending).publish(Outputs { charts: false, workbook: true }).unwrap().dir), expected, "{count} shards");
    }
}

/// A forecast from a book is refused in shards before anything is written, naming its file.
#[test]
fn a_scenario_with_a_book_is_refused_in_shards() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/as_of_2025q4.toml");
    let scenario = crate::scenario::load(&file).unwrap();
    assert!(scenario.as_of.is_some());
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("shard-0");
    let error = match simulate(&job(3, 10, ShardSpec { index: 0, count: 2 }), std::slice::from_ref(&scenario), &out, false, &mut |_| {}) {
        Ok(published) => panic!("sharded a forecast from a book into {}", published.dir.display()),
        Err(e) => e.to_string(),
    };
    assert!(error.contains("as_of_2025q4.toml") && error.contains("[as_of]") && error.contains("without --shard"), "{error}");
    assert!(!out.exists());
    // Its plan, without the book, shards as usual.
    shard(&scenario.plan(), 3, 10, ShardSpec { index: 0, count: 2 }, &out);
}

/// The shards of a decision command `command` of `scenario` (`count` of them, `paths` paths, seed 4)
/// under `root/shard-<k>`.
fn decision_shards(command: &Sharded, scenario: &Scenario, paths: u64, count: u64, root: &Path) -> Vec<PathBuf> {
    (0..count)
        .map(|index| {
            let job = ShardJob { command: command.clone(), ..job(4, paths, ShardSpec { index, count }) };
            simulate(&job, std::slice::from_ref(scenario), &root.join(format!("shard-{index}")), false, &mut |_| {}).unwrap().dir
        })
        .collect()
}

/// The merge of decision shards `dirs`, published at `out` with its charts and workbook.
fn merged_decision(dirs: &[PathBuf], out: &Path) -> BTreeMap<String, Vec<u8>> {
    let outputs = Outputs { charts: true, workbook: true };
    let published = match merge(dirs, Some(out), false, Some(2)).unwrap() {
        Merged::Sensitivity(pending) => (*pending).publish(outputs).unwrap(),
        Merged::Frontier(pending) => (*pending).publish(outputs).unwrap(),
        other => panic!("decision shards merged as {other:?}"),
    };
    files(&published.dir)
}

/// A small frontier grid: the scenario as it is and three tier splits at one direct share.
fn small_grid() -> Grid {
    Grid { direct_shares: vec![0.3], divisions: 1 }
}

/// Shards of a sensitivity analysis and of a frontier (every variant's paths) merge to the bytes
/// of the command run whole, charts and workbook included, at a path count that is not a
/// multiple of the chunk.
#[test]
fn sensitivity_and_frontier_shards_merge_to_the_bytes_of_one_run() {
    let scenario = crate::testing::base();
    let tmp = tempfile::tempdir().unwrap();
    let paths = 23;
    assert_ne!(paths % CHUNK, 0);
    let options = RunOptions { seed: 4, stopping: Stopping::Paths(paths), threads: Some(2) };
    let outputs = Outputs { charts: true, workbook: true };
    let grid = small_grid();
    let single_sensitivity = sensitivity::sensitivity(&scenario, &options, &tmp.path().join("s"), false, &mut |_| {}).unwrap().publish(outputs).unwrap();
    let single_frontier = frontier::frontier(&scenario, &grid.direct_shares, grid.divisions, &options, &tmp.path().join("f"), false, &mut |_| {});
    let single_frontier = single_frontier.unwrap().publish(outputs).unwrap();
    for (command, single) in [(Sharded::Sensitivity, &single_sensitivity), (Sharded::Frontier(grid), &single_frontier)] {
        let expected = files(&single.dir);
        assert!(expected.keys().any(|k| k.ends_with(".png")) && expected.contains_key("report.xlsx"), "{:?}", expected.keys());
        for count in [1, 2, 3, 7] {
            let root = tmp.path().join(format!("{}-{count}", command.name()));
            let dirs: Vec<PathBuf> = decision_shards(&command, &scenario, paths, count, &root).into_iter().rev().collect();
            assert_eq!(merged_decision(&dirs, &tmp.path().join(format!("merged-{}-{count}", command.name()))), expected, "{command:?}, {count} shards");
        }
    }
}

/// A decision shard of other options (another grid), of another command, or of an as-of scenario
/// is refused, naming what differs; a missing one is named with the command that reruns it.
#[test]
fn foreign_decision_shards_are_refused() {
    let scenario = crate::testing::base();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("merged");
    let grid = small_grid();
    let root = tmp.path().join("frontier");
    let dirs = decision_shards(&Sharded::Frontier(grid.clone()), &scenario, 10, 2, &root);
    let header = shard::read_header(&dirs[0]).unwrap();
    assert_eq!(header.grid.as_ref(), Some(&grid));
    assert_eq!(header.scenarios.len(), 1 + crate::analysis::frontier::grid(&grid.direct_shares, grid.divisions).len());
    assert!(header.scenarios.iter().all(|p| p.variant.is_some()));

    let other_grid = Grid { direct_shares: vec![0.4], divisions: 1 };
    let foreign = decision_shards(&Sharded::Frontier(other_grid), &scenario, 10, 2, &tmp.path().join("other"));
    let message = merge_error(&[dirs[0].clone(), foreign[1].clone()], &out);
    assert!(message.contains("foreign: allocation grid --direct-shares 0.4 --grid 1, not --direct-shares 0.3 --grid 1"), "{message}");
    assert!(message.contains(&format!("sbatch --array=1 deploy/slurm/shard.sbatch 2 {} frontier", root.display())), "{message}");
    assert!(message.contains("--paths 10 --seed 4 --direct-shares 0.3 --grid 1 --shard 1/2"), "{message}");

    let sensitivity = decision_shards(&Sharded::Sensitivity, &scenario, 10, 2, &tmp.path().join("sensitivity"));
    let message = merge_error(&[dirs[0].clone(), sensitivity[1].clone()], &out);
    assert!(message.contains("foreign: command sensitivity, not frontier"), "{message}");
    assert!(!out.exists(), "nothing written");

    // A sensitivity shard whose variants were tampered with (as another shock list would be).
    let tampered = tmp.path().join("tampered");
    std::fs::create_dir_all(&tampered).unwrap();
    for (name, bytes) in files(&sensitivity[1]) {
        std::fs::write(tampered.join(name), bytes).unwrap();
    }
    let text = std::fs::read_to_string(tampered.join(shard::HEADER)).unwrap();
    let name = shard::read_header(&sensitivity[1]).unwrap().scenarios[1].variant.clone().unwrap();
    std::fs::write(tampered.join(shard::HEADER), text.replacen(&name, "another shock", 1)).unwrap();
    let message = merge_error(&[sensitivity[0].clone(), tampered], &out);
    assert!(message.contains("foreign: variants (shocks or allocations)"), "{message}");

    // A scenario with [as_of] is refused in decision shards as in a run's.
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/as_of_2025q4.toml");
    let book = crate::scenario::load(&file).unwrap();
    for command in [Sharded::Sensitivity, Sharded::Frontier(grid), Sharded::Compare] {
        let job = ShardJob { command: command.clone(), ..job(3, 10, ShardSpec { index: 0, count: 2 }) };
        let given = [book.clone(), book.plan()];
        let given = if command == Sharded::Compare { &given[..] } else { &given[..1] };
        let error = simulate(&job, given, &tmp.path().join("book"), false, &mut |_| {}).map(drop).unwrap_err().to_string();
        assert!(error.contains("as_of_2025q4.toml") && error.contains("[as_of]") && error.contains("without --shard"), "{command:?}: {error}");
    }
    assert!(!tmp.path().join("book").exists());
}
