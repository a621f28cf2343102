//! Writing results to disk safely: no reader ever sees a half-written file or a folder that
//! mixes two runs.
//!
//! * [`AtomicFile`] / [`write_atomic`]: a file is written to a temporary file in the same folder,
//!   flushed to disk (`fsync`) and renamed over its final name; rename within one folder is atomic,
//!   so the final name holds either the old content or the complete new content.
//! * [`Staging`]: a whole run is built in a fresh hidden sibling of the results folder
//!   (`results/.base.fifsim-staging-<pid>-<n>`) and swapped in by [`Staging::publish`] only once
//!   everything, charts included, is written. If anything fails first, the staging folder is
//!   removed and the old results are untouched.
//!
//! Results-folder policy: a folder that does not exist or is empty is used; a non-empty one is
//! refused unless `force` is set, and even then only if it holds a previous run of the same
//! command (its marker file: `summary.json` for `run`, `compare.json` for `compare`, …), so
//! `--force` can never wipe an unrelated folder such as `.` or `~`.
//! Replacing takes two renames (old run aside, new run in) then removes the old run: a crash in
//! between leaves the old run complete in `.<name>.fifsim-replaced-<pid>-<n>` next to it.

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The file whose presence marks a folder as a fifsim results folder.
pub const RUN_MARKER: &str = "summary.json";

/// What went wrong writing results; every message names the path concerned.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("{}: cannot create: {source}", .path.display())]
    Create { path: PathBuf, source: io::Error },
    #[error("{}: cannot write: {source}", .path.display())]
    Write { path: PathBuf, source: io::Error },
    #[error("{}: cannot read: {source}", .path.display())]
    Read { path: PathBuf, source: io::Error },
    #[error("{}: cannot rename to {}: {source}", .from.display(), .to.display())]
    Rename { from: PathBuf, to: PathBuf, source: io::Error },
    #[error("{}: cannot remove: {source}", .path.display())]
    Remove { path: PathBuf, source: io::Error },
    /// The results folder holds a previous run and `force` was not given.
    #[error(
        "{} already holds a run ({found}); use --force to replace it or --out to choose another folder",
        .dir.display()
    )]
    Occupied { dir: PathBuf, found: String },
    /// The results folder holds something other than a fifsim run; never replaced.
    #[error(
        "{} is not empty and holds no fifsim run (found {found}, no {marker}); choose another folder with --out",
        .dir.display()
    )]
    Foreign { dir: PathBuf, found: String, marker: String },
    #[error("{}: exists and is not a plain folder (a file or a link); choose another folder with --out", .path.display())]
    NotADirectory { path: PathBuf },
    #[error("{}: cannot be used as a results folder (it must end in a folder name)", .path.display())]
    BadName { path: PathBuf },
}

/// A file written under a temporary name and renamed into place by [`AtomicFile::commit`].
/// Dropped without a commit, it removes its temporary file and leaves the target untouched.
#[derive(Debug)]
pub struct AtomicFile {
    target: PathBuf,
    temp: PathBuf,
    file: Option<BufWriter<File>>,
}

impl AtomicFile {
    /// Opens a fresh temporary file beside `target`.
    ///
    /// # Errors
    /// [`OutputError::Create`] if the folder is missing or not writable.
    pub fn create(target: &Path) -> Result<AtomicFile, OutputError> {
        let (temp, file) = create_unique(target, "tmp")?;
        Ok(AtomicFile { target: target.to_path_buf(), temp, file: Some(BufWriter::new(file)) })
    }

    /// Where the file will be once committed.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Flushes, syncs and renames the file into place; returns its final path.
    ///
    /// # Errors
    /// [`OutputError::Write`] if the data cannot be flushed, [`OutputError::Rename`] if the rename fails.
    pub fn commit(mut self) -> Result<PathBuf, OutputError> {
        let target = std::mem::take(&mut self.target);
        let result = self.finish(&target);
        if result.is_err() {
            let _ = fs::remove_file(&self.temp);
        }
        result.map(|()| target)
    }

    fn finish(&mut self, target: &Path) -> Result<(), OutputError> {
        let write_error = |source| OutputError::Write { path: target.to_path_buf(), source };
        if let Some(writer) = self.file.take() {
            let file = writer.into_inner().map_err(|e| write_error(e.into_error()))?;
            file.sync_all().map_err(write_error)?;
        }
        fs::rename(&self.temp, target)
            .map_err(|source| OutputError::Rename { from: self.temp.clone(), to: target.to_path_buf(), source })?;
        sync_parent(target);
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.file {
            Some(f) => f.write(buf),
            None => Err(io::Error::other("file already committed")),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match &mut self.file {
            Some(f) => f.write_all(buf),
            None => Err(io::Error::other("file already committed")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.as_mut().map_or(Ok(()), Write::flush)
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = fs::remove_file(&self.temp);
        }
    }
}

/// Writes `bytes` to `path` atomically (temporary file, fsync, rename).
///
/// # Errors
/// As [`AtomicFile::create`] and [`AtomicFile::commit`].
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let mut file = AtomicFile::create(path)?;
    file.write_all(bytes).map_err(|source| OutputError::Write { path: path.to_path_buf(), source })?;
    file.commit().map(drop)
}

/// What publishing a run will do to the results folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// The folder does not exist or is empty.
    Create,
    /// The folder holds a previous run, which will be replaced.
    Replace,
}

/// Decides whether a run may be written to `dir`; touches nothing.
///
/// # Errors
/// [`OutputError::Occupied`] when `dir` holds a run and `force` is false,
/// [`OutputError::Foreign`] when it holds anything else, [`OutputError::NotADirectory`],
/// [`OutputError::BadName`], or [`OutputError::Read`] if it cannot be listed.
pub fn check_results_dir(dir: &Path, force: bool) -> Result<Policy, OutputError> {
    check_output_dir(dir, force, RUN_MARKER)
}

/// As [`check_results_dir`], for a folder whose runs are marked by the file `marker` (e.g.
/// `compare.json`): only a folder holding `marker` may be replaced, and only with `force`.
///
/// # Errors
/// As [`check_results_dir`].
pub fn check_output_dir(dir: &Path, force: bool, marker: &str) -> Result<Policy, OutputError> {
    if dir.file_name().is_none() {
        return Err(OutputError::BadName { path: dir.to_path_buf() });
    }
    let metadata = match fs::symlink_metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Policy::Create),
        Err(source) => return Err(OutputError::Read { path: dir.to_path_buf(), source }),
    };
    if !metadata.is_dir() {
        return Err(OutputError::NotADirectory { path: dir.to_path_buf() });
    }
    let read_error = |source| OutputError::Read { path: dir.to_path_buf(), source };
    let mut names: Vec<OsString> =
        fs::read_dir(dir).map_err(read_error)?.map(|e| e.map(|e| e.file_name())).collect::<Result<_, _>>().map_err(read_error)?;
    if names.is_empty() {
        return Ok(Policy::Create);
    }
    names.sort();
    if names.iter().any(|n| n == marker) {
        if force {
            Ok(Policy::Replace)
        } else {
            Err(OutputError::Occupied { dir: dir.to_path_buf(), found: marker.to_string() })
        }
    } else {
        let shown: Vec<String> = names.iter().take(3).map(|n| n.to_string_lossy().into_owned()).collect();
        let more = if names.len() > 3 { format!(" and {} more", names.len() - 3) } else { String::new() };
        Err(OutputError::Foreign { dir: dir.to_path_buf(), found: format!("{}{more}", shown.join(", ")), marker: marker.to_string() })
    }
}

/// A run being built in a hidden sibling of its results folder. Dropped without
/// [`Staging::publish`], it removes itself.
#[derive(Debug)]
pub struct Staging {
    target: PathBuf,
    dir: PathBuf,
    force: bool,
    marker: &'static str,
    published: bool,
}

impl Staging {
    /// Checks the policy for `target` (see [`check_results_dir`]), creates its parent folder if
    /// needed and a fresh empty staging folder beside it.
    ///
    /// # Errors
    /// As [`check_results_dir`], or [`OutputError::Create`].
    pub fn begin(target: &Path, force: bool) -> Result<Staging, OutputError> {
        Staging::begin_marked(target, force, RUN_MARKER)
    }

    /// As [`Staging::begin`], for a folder whose runs are marked by `marker` (see
    /// [`check_output_dir`]); the staged files must include `marker`.
    ///
    /// # Errors
    /// As [`check_output_dir`], or [`OutputError::Create`].
    pub fn begin_marked(target: &Path, force: bool, marker: &'static str) -> Result<Staging, OutputError> {
        check_output_dir(target, force, marker)?;
        let parent = parent_of(target);
        fs::create_dir_all(&parent).map_err(|source| OutputError::Create { path: parent.clone(), source })?;
        let dir = create_unique_dir(target, "fifsim-staging")?;
        Ok(Staging { target: target.to_path_buf(), dir, force, marker, published: false })
    }

    /// The folder to write the run's files into.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The results folder the run will be published as.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Swaps the staging folder in as the results folder; returns the results folder. The
    /// policy is checked again, in case the folder changed during the run.
    ///
    /// # Errors
    /// As [`check_results_dir`]; [`OutputError::Rename`] if a rename fails (the old run is then
    /// put back), [`OutputError::Remove`] if the replaced run cannot be deleted (the new one is
    /// in place by then).
    pub fn publish(mut self) -> Result<PathBuf, OutputError> {
        sync_dir(&self.dir);
        let rename = |from: &Path, to: &Path| {
            fs::rename(from, to).map_err(|source| OutputError::Rename { from: from.to_path_buf(), to: to.to_path_buf(), source })
        };
        match check_output_dir(&self.target, self.force, self.marker)? {
            Policy::Create => {
                // An empty folder is removed first (remove_dir fails if a file appeared meanwhile).
                if self.target.is_dir() {
                    fs::remove_dir(&self.target).map_err(|source| OutputError::Remove { path: self.target.clone(), source })?;
                }
                rename(&self.dir, &self.target)?;
                self.published = true;
            }
            Policy::Replace => {
                let aside = unique_name(&self.target, "fifsim-replaced");
                rename(&self.target, &aside)?;
                if let Err(e) = rename(&self.dir, &self.target) {
                    let _ = fs::rename(&aside, &self.target);
                    return Err(e);
                }
                self.published = true;
                sync_parent(&self.target);
                fs::remove_dir_all(&aside).map_err(|source| OutputError::Remove { path: aside.clone(), source })?;
            }
        }
        sync_parent(&self.target);
        Ok(self.target.clone())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.published {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// `<parent>/.<name>.<tag>-<pid>-<n>`: hidden, beside `target`, unique within this process.
fn unique_name(target: &Path, tag: &str) -> PathBuf {
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    parent_of(target).join(format!(".{name}.{tag}-{}-{n}", std::process::id()))
}

pub(crate) fn create_unique(target: &Path, tag: &str) -> Result<(PathBuf, File), OutputError> {
    loop {
        let temp = unique_name(target, tag);
        match OpenOptions::new().write(true).create_new(true).open(&temp) {
            Ok(file) => return Ok((temp, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(source) => return Err(OutputError::Create { path: target.to_path_buf(), source }),
        }
    }
}

fn create_unique_dir(target: &Path, tag: &str) -> Result<PathBuf, OutputError> {
    loop {
        let dir = unique_name(target, tag);
        match fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(source) => return Err(OutputError::Create { path: dir, source }),
        }
    }
}

/// The folder holding `path` (`.` for a bare name).
fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Makes a rename durable: sync the folder holding `path` (best effort; not possible on Windows).
fn sync_parent(path: &Path) {
    sync_dir(&parent_of(path));
}

fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    }

    #[test]
    fn atomic_file_appears_only_on_commit() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("a.csv");
        let mut f = AtomicFile::create(&target).unwrap();
        f.write_all(b"hello").unwrap();
        assert!(!target.exists());
        f.commit().unwrap();
        assert_eq!(fs::read_to_string(&target).unwrap(), "hello");
        write_atomic(&target, b"again").unwrap();
        assert_eq!(fs::read_to_string(&target).unwrap(), "again");
        assert_eq!(listing(tmp.path()), ["a.csv"]);
    }

    #[test]
    fn dropped_atomic_file_leaves_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("a.csv");
        fs::write(&target, "old").unwrap();
        let mut f = AtomicFile::create(&target).unwrap();
        f.write_all(b"half").unwrap();
        drop(f);
        assert_eq!(fs::read_to_string(&target).unwrap(), "old");
        assert_eq!(listing(tmp.path()), ["a.csv"]);
    }

    #[test]
    fn missing_folder_is_named() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("nope/a.csv");
        let e = write_atomic(&target, b"x").unwrap_err();
        assert!(e.to_string().contains("nope/a.csv"), "{e}");
    }

    #[test]
    fn policy_refuses_occupied_and_foreign_folders() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("base");
        assert_eq!(check_results_dir(&dir, false).unwrap(), Policy::Create);
        fs::create_dir(&dir).unwrap();
        assert_eq!(check_results_dir(&dir, false).unwrap(), Policy::Create);
        fs::write(dir.join(RUN_MARKER), "{}").unwrap();
        let e = check_results_dir(&dir, false).unwrap_err();
        assert!(e.to_string().ends_with("base already holds a run (summary.json); use --force to replace it or --out to choose another folder"), "{e}");
        assert_eq!(check_results_dir(&dir, true).unwrap(), Policy::Replace);
        fs::remove_file(dir.join(RUN_MARKER)).unwrap();
        fs::write(dir.join("notes.txt"), "mine").unwrap();
        assert!(matches!(check_results_dir(&dir, true), Err(OutputError::Foreign { .. })));
        fs::write(tmp.path().join("file"), "x").unwrap();
        assert!(matches!(check_results_dir(&tmp.path().join("file"), true), Err(OutputError::NotADirectory { .. })));
        assert!(matches!(check_results_dir(Path::new(".."), true), Err(OutputError::BadName { .. })));
    }

    #[test]
    fn a_marked_folder_is_replaced_only_by_its_own_kind() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("compare");
        let staging = Staging::begin_marked(&target, false, "compare.json").unwrap();
        fs::write(staging.dir().join("compare.json"), "one").unwrap();
        staging.publish().unwrap();
        assert!(matches!(Staging::begin_marked(&target, false, "compare.json"), Err(OutputError::Occupied { .. })));
        // A `run` may not replace a comparison, even with force, nor the other way round.
        assert!(matches!(Staging::begin(&target, true), Err(OutputError::Foreign { .. })));
        let e = check_output_dir(&target, true, "frontier.json").unwrap_err();
        assert!(e.to_string().contains("no frontier.json"), "{e}");
        let staging = Staging::begin_marked(&target, true, "compare.json").unwrap();
        fs::write(staging.dir().join("compare.json"), "two").unwrap();
        staging.publish().unwrap();
        assert_eq!(fs::read_to_string(target.join("compare.json")).unwrap(), "two");
    }

    #[test]
    fn staging_publishes_new_and_replaces_old_runs() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("results/base");
        let staging = Staging::begin(&target, false).unwrap();
        fs::write(staging.dir().join(RUN_MARKER), "one").unwrap();
        assert!(!target.exists());
        assert_eq!(staging.publish().unwrap(), target);
        assert_eq!(fs::read_to_string(target.join(RUN_MARKER)).unwrap(), "one");

        assert!(matches!(Staging::begin(&target, false), Err(OutputError::Occupied { .. })));
        let staging = Staging::begin(&target, true).unwrap();
        fs::write(staging.dir().join(RUN_MARKER), "two").unwrap();
        staging.publish().unwrap();
        assert_eq!(listing(&target), [RUN_MARKER]);
        assert_eq!(fs::read_to_string(target.join(RUN_MARKER)).unwrap(), "two");
        assert_eq!(listing(&tmp.path().join("results")), ["base"]);
    }

    #[test]
    fn abandoned_staging_leaves_old_run_intact() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("base");
        fs::create_dir(&target).unwrap();
        fs::write(target.join(RUN_MARKER), "old").unwrap();
        let staging = Staging::begin(&target, true).unwrap();
        fs::write(staging.dir().join(RUN_MARKER), "half").unwrap();
        drop(staging);
        assert_eq!(listing(tmp.path()), ["base"]);
        assert_eq!(fs::read_to_string(target.join(RUN_MARKER)).unwrap(), "old");
    }
}
