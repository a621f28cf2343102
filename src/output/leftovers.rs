//! What an interrupted process leaves behind, and removing it.
//!
//! While a command runs it has a staging folder beside its results folder
//! (`.NAME.fifsim-staging-PID-N`, whose partial `paths.csv` grows by megabytes a second) and
//! temporary files beside the files it is writing (`.FILE.tmp-PID-N`); a replace cut between its
//! two renames leaves the old run in `.NAME.fifsim-replaced-PID-N`.
//!
//! * On Ctrl-C or SIGTERM the binary calls [`abandon_unfinished`], which removes this process's
//!   staging folders and temporary files and stops it making or publishing any more.
//! * A kill or a crash cannot be caught: the next [`Staging::begin`](super::Staging::begin) into
//!   the same parent folder clears what processes that are gone left there, and in the results
//!   folder (`clear_stale`). Only folders and files named exactly so are considered, only once
//!   their process is provably gone (on Linux: no `/proc/PID`; elsewhere no process is ever
//!   taken for gone), and only what fifsim wrote is removed: a staging folder only if it holds
//!   nothing but plain files; a replaced run only as its manifest allows, or put back as the
//!   results folder if that is missing; a temporary file only in a results folder with a
//!   manifest.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::manifest::Manifest;
use super::{OutputError, create_unique_dir, open_unique};

/// The tags of staging and replaced folders' names (see [`super::unique_name`]).
pub(super) const STAGING: &str = "fifsim-staging";
pub(super) const REPLACED: &str = "fifsim-replaced";
const TEMP: &str = "tmp";

/// What this process is writing and would leave behind if it stopped now.
#[derive(Debug)]
pub(super) struct Unfinished {
    /// Set by [`abandon_unfinished`]: nothing more may be created or published.
    pub(super) interrupted: bool,
    /// Staging folders and the results folders they are for.
    staging: Vec<(PathBuf, PathBuf)>,
    temp_files: Vec<PathBuf>,
}

impl Unfinished {
    pub(super) fn forget_staging(&mut self, dir: &Path) {
        self.staging.retain(|(d, _)| d != dir);
    }
}

static UNFINISHED: Mutex<Unfinished> = Mutex::new(Unfinished { interrupted: false, staging: Vec::new(), temp_files: Vec::new() });

/// Creating, registering, publishing and abandoning all happen under this lock, so an
/// interruption never falls between making a file and knowing of it, nor inside a swap.
pub(super) fn lock() -> MutexGuard<'static, Unfinished> {
    UNFINISHED.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Removes this process's staging folders and temporary files, and refuses any further ones
/// and any publishing ([`OutputError::Interrupted`]); returns the results folders that were
/// being written, each left as it was. Meant for a Ctrl-C or SIGTERM handler, just before the
/// process exits; a swap already under way is finished first.
pub fn abandon_unfinished() -> Vec<PathBuf> {
    let mut unfinished = lock();
    unfinished.interrupted = true;
    for temp in unfinished.temp_files.drain(..) {
        let _ = fs::remove_file(temp);
    }
    let mut targets = Vec::new();
    for (dir, target) in std::mem::take(&mut unfinished.staging) {
        // A file being committed may be renamed into the folder while it is emptied; a second
        // pass removes it (nothing new can be created any more).
        for _ in 0..3 {
            if fs::remove_dir_all(&dir).is_ok() || !dir.exists() {
                break;
            }
        }
        targets.push(target);
    }
    targets
}

/// A fresh staging folder for `target`, registered for removal on interruption.
pub(super) fn create_staging_dir(target: &Path) -> Result<PathBuf, OutputError> {
    let mut unfinished = lock();
    if unfinished.interrupted {
        return Err(OutputError::Interrupted { path: target.to_path_buf() });
    }
    let dir = create_unique_dir(target, STAGING)?;
    unfinished.staging.push((dir.clone(), target.to_path_buf()));
    Ok(dir)
}

/// A fresh temporary file beside `target`, registered for removal on interruption.
pub(super) fn create_temp_file(target: &Path) -> Result<(PathBuf, File), OutputError> {
    let mut unfinished = lock();
    if unfinished.interrupted {
        return Err(OutputError::Interrupted { path: target.to_path_buf() });
    }
    let (temp, file) = open_unique(target, TEMP)?;
    unfinished.temp_files.push(temp.clone());
    Ok((temp, file))
}

/// The temporary file is gone (renamed into place or removed).
pub(super) fn forget_temp_file(temp: &Path) {
    lock().temp_files.retain(|t| t != temp);
}

/// Clears, best effort, what fifsim processes that are gone left beside and in the results
/// folder `target`: staging and replaced folders in its parent, temporary files in it if it has
/// a manifest (`fifsim chart` writes there); see the module docs. Touches nothing else.
pub(super) fn clear_stale(target: &Path) {
    let parent = super::parent_of(target);
    for (path, leftover) in left_by_the_gone(&parent) {
        if !fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir()) {
            continue;
        }
        match leftover.kind {
            Kind::Staging => remove_plain_folder(&path),
            Kind::Replaced => restore_or_remove(&path, &parent.join(&leftover.target)),
            Kind::TempFile => {}
        }
    }
    // Only in a folder provably fifsim's: elsewhere a name like ours may be another tool's.
    if !matches!(Manifest::read(target), Ok(Some(_))) {
        return;
    }
    for (path, leftover) in left_by_the_gone(target) {
        if leftover.kind == Kind::TempFile && fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
            let _ = fs::remove_file(path);
        }
    }
}

/// The entries of `dir` named as fifsim names what it leaves, of processes that are gone.
fn left_by_the_gone(dir: &Path) -> Vec<(PathBuf, Leftover)> {
    let Ok(entries) = fs::read_dir(dir) else { return Vec::new() };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str().and_then(Leftover::parse).map(|leftover| (entry.path(), leftover)))
        .filter(|(_, leftover)| process_is_gone(leftover.pid))
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Staging,
    Replaced,
    TempFile,
}

/// A name of the form `.<target>.<tag>-<pid>-<n>`.
#[derive(Debug, PartialEq, Eq)]
struct Leftover {
    target: String,
    pid: u32,
    kind: Kind,
}

impl Leftover {
    fn parse(name: &str) -> Option<Leftover> {
        let rest = name.strip_prefix('.')?;
        [(STAGING, Kind::Staging), (REPLACED, Kind::Replaced), (TEMP, Kind::TempFile)].into_iter().find_map(|(tag, kind)| {
            let tag = format!(".{tag}-");
            let at = rest.rfind(&tag)?;
            let (target, tail) = (&rest[..at], &rest[at + tag.len()..]);
            let (pid, n) = tail.split_once('-')?;
            let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
            if target.is_empty() || !digits(pid) || !digits(n) {
                return None;
            }
            n.parse::<u64>().ok()?;
            Some(Leftover { target: target.to_string(), pid: pid.parse().ok()?, kind })
        })
    }
}

/// Whether process `pid` is provably gone. Only Linux's `/proc` can say so, and only when it
/// shows every process (PID 1 visible: not mounted with `hidepid`); elsewhere, never.
fn process_is_gone(pid: u32) -> bool {
    if pid == std::process::id() || !cfg!(target_os = "linux") || !Path::new("/proc/1").exists() {
        return false;
    }
    matches!(fs::symlink_metadata(format!("/proc/{pid}")), Err(e) if e.kind() == io::ErrorKind::NotFound)
}

/// Removes `dir` if it holds nothing but plain files (all a staging folder ever holds).
fn remove_plain_folder(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    let mut files = Vec::new();
    for entry in entries {
        match entry.and_then(|e| fs::symlink_metadata(e.path()).map(|m| (e.path(), m))) {
            Ok((path, metadata)) if metadata.is_file() => files.push(path),
            _ => return,
        }
    }
    for file in files {
        let _ = fs::remove_file(file);
    }
    let _ = fs::remove_dir(dir);
}

/// A run moved aside by a replace whose process is gone: back in place if its results folder is
/// missing (the replace was cut between its two renames), otherwise removed; either only if
/// its manifest accounts for everything in it. Without a manifest it goes only if empty (its
/// removal was cut after the manifest, which goes last).
fn restore_or_remove(aside: &Path, target: &Path) {
    let Ok(Some(manifest)) = Manifest::read(aside) else {
        let _ = fs::remove_dir(aside);
        return;
    };
    if !manifest.strangers(aside).is_ok_and(|s| s.is_empty()) {
        return;
    }
    match fs::symlink_metadata(target) {
        // A name that was not UTF-8 cannot be rebuilt from the leftover's.
        Err(e) if e.kind() == io::ErrorKind::NotFound && !target.to_string_lossy().contains('\u{FFFD}') => {
            let _ = fs::rename(aside, target);
        }
        Ok(_) => {
            let _ = manifest.remove_run(aside);
        }
        Err(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::names_in;
    use super::super::staging::tests::RUN;
    use super::super::{MANIFEST, Staging};
    use super::*;

    #[test]
    fn only_fifsims_exact_names_are_leftovers() {
        let staging = |target: &str, pid| Some(Leftover { target: target.into(), pid, kind: Kind::Staging });
        assert_eq!(Leftover::parse(".base.fifsim-staging-123-0"), staging("base", 123));
        assert_eq!(Leftover::parse(".a.b.fifsim-staging-7-12"), staging("a.b", 7));
        assert_eq!(Leftover::parse(".base.fifsim-replaced-9-3"), Some(Leftover { target: "base".into(), pid: 9, kind: Kind::Replaced }));
        assert_eq!(Leftover::parse(".jcurve.png.tmp-9-3"), Some(Leftover { target: "jcurve.png".into(), pid: 9, kind: Kind::TempFile }));
        for name in [
            "base.fifsim-staging-123-0",
            ".base.fifsim-staging-123",
            ".base.fifsim-staging-123-",
            ".base.fifsim-staging--0",
            ".base.fifsim-staging-12a-0",
            ".base.fifsim-staging-123-0-1",
            "..fifsim-staging-123-0",
            ".base.fifsim-staging-99999999999-0",
            ".base.fifsim-other-123-0",
        ] {
            assert_eq!(Leftover::parse(name), None, "{name}");
        }
    }

    #[test]
    fn this_process_and_unknown_ones_are_never_gone() {
        assert!(!process_is_gone(std::process::id()));
        if !cfg!(target_os = "linux") {
            assert!(!process_is_gone(dead_pid()));
        }
    }

    /// The PID of a child that has exited (and been reaped).
    fn dead_pid() -> u32 {
        let mut child = std::process::Command::new(std::env::current_exe().unwrap()).arg("--list").stdout(std::process::Stdio::null()).spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        pid
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn leftovers_of_dead_processes_are_cleared_and_nothing_else() {
        let tmp = tempfile::tempdir().unwrap();
        let (dead, alive) = (dead_pid(), std::process::id());
        let folder = |name: String, files: &[&str]| {
            let dir = tmp.path().join(name);
            fs::create_dir(&dir).unwrap();
            for file in files {
                fs::write(dir.join(file), "x").unwrap();
            }
            dir
        };
        let stale = folder(format!(".base.fifsim-staging-{dead}-0"), &["paths.csv", ".summary.json.tmp-1-2"]);
        let live = folder(format!(".base.fifsim-staging-{alive}-0"), &["paths.csv"]);
        let odd = folder(format!(".base.fifsim-staging-{dead}-1"), &["paths.csv"]);
        fs::create_dir(odd.join("sub")).unwrap();
        let unlike = folder(format!("base.fifsim-staging-{dead}-2"), &["paths.csv"]);
        // A replace cut short: the old run aside, the results folder present or missing. (Built
        // elsewhere and moved in: publishing here would clear the leftovers already.)
        let build = tempfile::tempdir().unwrap();
        let run = |name: &str| {
            let built = build.path().join("run");
            let staging = Staging::begin(&built, false, RUN).unwrap();
            fs::write(staging.dir().join("summary.json"), name).unwrap();
            staging.publish().unwrap();
            let dir = tmp.path().join(name);
            fs::rename(built, &dir).unwrap();
            dir
        };
        run("kept");
        let superseded = run(&format!(".kept.fifsim-replaced-{dead}-3"));
        let orphan = run(&format!(".lost.fifsim-replaced-{dead}-4"));
        let changed = run(&format!(".kept.fifsim-replaced-{dead}-5"));
        fs::write(changed.join("notes.txt"), "mine").unwrap();
        let emptied = folder(format!(".kept.fifsim-replaced-{dead}-6"), &[]);
        let kept = tmp.path().join("kept");
        for name in [format!(".jcurve.png.tmp-{dead}-8"), format!(".jcurve.png.tmp-{alive}-9"), format!("jcurve.png.tmp-{dead}-10")] {
            fs::write(kept.join(name), "half a chart").unwrap();
        }
        let stale_temp = tmp.path().join(format!(".notes.tmp-{dead}-11"));
        fs::write(&stale_temp, "not in a results folder").unwrap();
        let unsigned = folder(format!(".kept.fifsim-replaced-{dead}-7"), &["summary.json"]);

        clear_stale(&kept);
        assert!(!stale.exists() && !superseded.exists() && !orphan.exists() && !emptied.exists());
        let mut in_kept = vec![MANIFEST.to_string(), format!(".jcurve.png.tmp-{alive}-9"), format!("jcurve.png.tmp-{dead}-10"), "summary.json".into()];
        in_kept.sort();
        assert_eq!(names_in(&kept), in_kept, "only the temporary file of a process that is gone goes");
        assert!(stale_temp.exists(), "temporary files are cleared in results folders only");
        let foreign = folder("foreign".into(), &[&format!(".data.tmp-{dead}-12")]);
        clear_stale(&foreign);
        assert_eq!(names_in(&foreign), [format!(".data.tmp-{dead}-12")], "a folder without a manifest is not fifsim's");
        assert!(unsigned.join("summary.json").exists(), "no manifest: not provably fifsim's");
        assert!(live.join("paths.csv").exists() && odd.join("sub").exists() && unlike.exists() && changed.join("notes.txt").exists());
        assert_eq!(names_in(&tmp.path().join("lost")), [MANIFEST, "summary.json"], "put back");
    }
}
