//! Whether shard folders make up one whole run: one build, scenario, seed, path count and shard
//! count, every shard `0..K` present once and intact. If not, what is wrong with each, which
//! shards are missing (paths and indices), and the command that reruns just those.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::{Header, ShardError, range, read_header, verify};

/// A shard folder that passed every check.
#[derive(Debug, Clone)]
pub struct Shard {
    pub dir: PathBuf,
    pub header: Header,
}

/// Why shard folders do not make up one run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
pub struct IncompleteSet {
    /// One line per folder that is not a good shard of the run, or that disagrees with the others.
    pub problems: Vec<String>,
    /// The shards (of `K`) with no good folder, and their paths.
    pub missing: Vec<(u64, std::ops::Range<u64>)>,
    /// How to rerun the missing shards, when it can be told.
    pub rerun: Vec<String>,
}

impl IncompleteSet {
    fn message(&self) -> String {
        let mut text = String::from("the shard folders do not make up one run; nothing was merged");
        for problem in &self.problems {
            let _ = write!(text, "\n  {problem}");
        }
        if !self.missing.is_empty() {
            let ranges: Vec<String> = self.missing.iter().map(|(k, r)| format!("{k} (paths [{}, {}))", r.start, r.end)).collect();
            let _ = write!(text, "\nmissing shards: {}", ranges.join(", "));
        }
        if !self.rerun.is_empty() {
            text.push_str("\nrerun them, then merge again:");
            for command in &self.rerun {
                let _ = write!(text, "\n  {command}");
            }
        }
        text
    }
}

/// Reads and checks the shard folders `dirs`: the shards in order `0..K` if they make up one run
/// of the build `build_id`.
///
/// The first folder with a readable header sets what the others must share. A folder with a
/// header of another run (build, fifsim version, scenario, seed, `N`, `K`, metrics) is foreign;
/// one whose files differ from its header (cut short, changed) is damaged, and its shard counts as
/// missing; two folders of one shard are refused, even if equal.
///
/// # Errors
/// [`IncompleteSet`] listing every problem found.
pub fn check(dirs: &[PathBuf], build_id: &str) -> Result<Vec<Shard>, IncompleteSet> {
    let mut problems = Vec::new();
    let mut headers = Vec::new();
    for dir in dirs {
        match read_header(dir) {
            Ok(header) => headers.push((dir.clone(), header)),
            Err(ShardError::Read { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
                problems.push(format!("{}: no {} (not a shard folder, or its shard did not finish)", dir.display(), super::HEADER));
            }
            Err(e) => problems.push(e.to_string()),
        }
    }
    // The run most folders belong to sets what the others must share (the first of equals).
    let agreeing: Vec<usize> = headers.iter().map(|(_, a)| headers.iter().filter(|(_, b)| difference(a, b).is_none()).count()).collect();
    let most = agreeing.iter().copied().max().unwrap_or(0);
    let Some((ref_dir, first)) = agreeing.iter().position(|&n| n == most).map(|i| headers[i].clone()) else {
        problems.push("no shard folder among those given has a header".to_string());
        return Err(IncompleteSet { problems, missing: Vec::new(), rerun: Vec::new() });
    };
    let mut found: BTreeMap<u64, Vec<Shard>> = BTreeMap::new();
    for (dir, header) in headers {
        if let Some(difference) = difference(&first, &header) {
            problems.push(format!("{}: foreign: {difference} as {} has", dir.display(), ref_dir.display()));
            continue;
        }
        if header.shard >= header.shards || (header.first_path..header.end_path) != range(header.shard, header.shards, header.paths) {
            let expected = range(header.shard, header.shards, header.paths);
            problems.push(format!(
                "{}: shard {} of {} holds paths [{}, {}), not [{}, {})",
                dir.display(),
                header.shard,
                header.shards,
                header.first_path,
                header.end_path,
                expected.start,
                expected.end
            ));
            continue;
        }
        if let Err(e) = verify(&dir, &header) {
            problems.push(format!("damaged shard {}: {e}; remove {} before rerunning it", header.shard, dir.display()));
            continue;
        }
        found.entry(header.shard).or_default().push(Shard { dir, header });
    }
    if first.build_id != build_id {
        problems.push(format!(
            "{}: simulated by another fifsim build (build id {}…, this one is {}…); merge with the fifsim that ran the shards",
            ref_dir.display(),
            &first.build_id.get(..12).unwrap_or(&first.build_id),
            &build_id.get(..12).unwrap_or(build_id)
        ));
    }
    for (k, copies) in &found {
        if copies.len() > 1 {
            let dirs: Vec<String> = copies.iter().map(|s| s.dir.display().to_string()).collect();
            problems.push(format!("shard {k} given {} times: {}", copies.len(), dirs.join(", ")));
        }
    }
    let missing: Vec<(u64, std::ops::Range<u64>)> =
        (0..first.shards).filter(|k| !found.contains_key(k)).map(|k| (k, range(k, first.shards, first.paths))).collect();
    if problems.is_empty() && missing.is_empty() {
        return Ok(found.into_values().flatten().collect());
    }
    let rerun = if missing.is_empty() { Vec::new() } else { rerun_commands(&first, &missing.iter().map(|(k, _)| *k).collect::<Vec<_>>(), &found) };
    Err(IncompleteSet { problems, missing, rerun })
}

/// What makes `header` part of another run than `first`, if anything.
fn difference(first: &Header, header: &Header) -> Option<String> {
    let files = |h: &Header| format!("{:?}", h.scenarios.iter().map(|p| p.scenario_file.as_str()).collect::<Vec<_>>());
    let hashes = |h: &Header| format!("{:?}", h.scenarios.iter().map(|p| p.scenario_hash.as_str()).collect::<Vec<_>>());
    let shapes = |h: &Header| h.scenarios.iter().map(|p| format!("{:?} {}", p.metrics, p.quarters)).collect::<Vec<_>>().join(" ");
    let grid = |h: &Header| h.grid.as_ref().map_or_else(|| "none".to_string(), super::Grid::arguments);
    let variants = |h: &Header| format!("{:?}", h.scenarios.iter().map(|p| p.variant.as_deref().unwrap_or("")).collect::<Vec<_>>());
    let fields: [(&str, String, String); 11] = [
        ("fifsim version", first.version.clone(), header.version.clone()),
        ("build id", first.build_id.clone(), header.build_id.clone()),
        ("command", first.command.clone(), header.command.clone()),
        ("allocation grid", grid(first), grid(header)),
        ("variants (shocks or allocations)", variants(first), variants(header)),
        ("scenario file", files(first), files(header)),
        ("scenario content (hash)", hashes(first), hashes(header)),
        ("seed", first.seed.to_string(), header.seed.to_string()),
        ("paths (N)", first.paths.to_string(), header.paths.to_string()),
        ("shards (K)", first.shards.to_string(), header.shards.to_string()),
        ("metrics or quarters", shapes(first), shapes(header)),
    ];
    fields.into_iter().find(|(_, a, b)| a != b).map(|(name, a, b)| format!("{name} {b}, not {a}"))
}

/// The commands that rerun shards `missing`: a Slurm array of the shipped script
/// (deploy/slurm/shard.sbatch) when the folders are named `<parent>/shard-<k>`, as it names them;
/// and the plain `fifsim` command of each.
fn rerun_commands(first: &Header, missing: &[u64], found: &BTreeMap<u64, Vec<Shard>>) -> Vec<String> {
    let folders: Option<PathBuf> = {
        let mut parents = found.values().flatten().map(|s| {
            let named = s.dir.file_name().and_then(|n| n.to_str()) == Some(format!("shard-{}", s.header.shard).as_str());
            named.then(|| s.dir.parent().map(Path::to_path_buf).unwrap_or_default())
        });
        let first_parent = parents.next().flatten();
        first_parent.filter(|p| parents.all(|q| q.as_ref() == Some(p)))
    };
    let quote = |s: &str| {
        if s.chars().all(|c| c.is_ascii_alphanumeric() || "/._-+=,:".contains(c)) { s.to_string() } else { format!("'{}'", s.replace('\'', "'\\''")) }
    };
    let indices: Vec<String> = missing.iter().map(u64::to_string).collect();
    let mut commands = Vec::new();
    let parent = folders.as_ref().map(|p| if p.as_os_str().is_empty() { ".".to_string() } else { p.display().to_string() });
    // The command as typed: the variants of `sensitivity` and `frontier` are made from one file.
    let parts = if matches!(first.command.as_str(), "sensitivity" | "frontier") { &first.scenarios[..1] } else { &first.scenarios[..] };
    let mut command: Vec<String> = std::iter::once(first.command.clone()).chain(parts.iter().map(|p| quote(&p.scenario_file))).collect();
    command.push(format!("--paths {} --seed {}", first.paths, first.seed));
    command.extend(first.grid.as_ref().map(super::Grid::arguments));
    let command = command.join(" ");
    if let Some(parent) = &parent {
        commands.push(format!("sbatch --array={} deploy/slurm/shard.sbatch {} {} {command}", indices.join(","), first.shards, quote(parent)));
    }
    for k in missing {
        let out = parent.as_ref().map_or_else(|| format!("<folder of shard {k}>"), |p| quote(&format!("{p}/shard-{k}")));
        commands.push(format!("fifsim {command} --shard {k}/{} --out {out} --force", first.shards));
    }
    commands
}
