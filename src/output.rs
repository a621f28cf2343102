//! Writing results to disk safely: no reader ever sees a half-written file or a folder that
//! mixes two runs, and no file fifsim did not write is ever removed.
//!
//! * [`AtomicFile`] / [`write_atomic`]: a file is written to a temporary file in the same folder,
//!   flushed to disk (`fsync`) and renamed over its final name; rename within one folder is atomic,
//!   so the final name holds either the old content or the complete new content.
//! * [`Staging`]: a whole run is built in a fresh hidden sibling of the results folder
//!   (`results/.base.fifsim-staging-<pid>-<n>`), given its [manifest] last, and swapped
//!   in by [`Staging::publish`] only once everything, charts included, is written. If anything
//!   fails first, the staging folder is removed and the old results are untouched.
//! * [`manifest`]: `fifsim-manifest.json`, fifsim's signature on a folder it published: which
//!   command wrote it and every file it wrote, with its size. It is the only proof of ownership
//!   fifsim accepts.
//! * [`leftovers`]: what an interrupted process leaves behind is removed — by the process itself
//!   on Ctrl-C or SIGTERM ([`abandon_unfinished`]), or by the next run into the same parent folder
//!   once the process that left it is gone.
//!
//! Results-folder policy ([`check_output_dir`]): a folder that does not exist or is empty is used.
//! A non-empty one is replaced only with `force`, and only if its manifest proves that the same
//! command wrote it and it holds nothing else: no file or folder the manifest does not list, no
//! listed file of another size. Anything else is refused, naming what is there, and left
//! untouched. A folder of an older fifsim (its marker file, e.g. `summary.json`, but no manifest)
//! cannot be proven fifsim's and is refused too, even with `force`.
//! Replacing takes two renames (old run aside, new run in), then removes the files of the old run
//! that its manifest lists, one by one, and its folder only once empty: a crash in between leaves
//! the old run complete in `.<name>.fifsim-replaced-<pid>-<n>` next to it, which the next run
//! into the same parent puts back or removes.

pub mod leftovers;
pub mod manifest;
mod staging;

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

pub use leftovers::abandon_unfinished;
pub use manifest::MANIFEST;
pub use staging::{Command, Policy, Staging, check_output_dir};

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
    /// The folder holds a run of the same command, provably fifsim's, and `force` was not given.
    #[error("{} already holds a run of `fifsim {command}`; use --force to replace it or --out to choose another folder", .dir.display())]
    Occupied { dir: PathBuf, command: String },
    /// The folder holds a run of another command; never replaced.
    #[error("{} holds a run of `fifsim {found}`, which `fifsim {wanted}` never replaces; choose another folder with --out", .dir.display())]
    OtherCommand { dir: PathBuf, found: String, wanted: &'static str },
    /// The folder holds a run and also files fifsim did not write (or changed since); never
    /// replaced, so that they are not lost.
    #[error(
        "{} holds a run of `fifsim {command}` but also what fifsim did not write: {found}; it is not replaced, even with --force, so that nothing of yours is lost: move those out or choose another folder with --out",
        .dir.display()
    )]
    Strangers { dir: PathBuf, command: String, found: String },
    /// The folder holds a command's marker file but no manifest: perhaps a run of an older
    /// fifsim, perhaps not; never replaced.
    #[error(
        "{} holds {marker} but no {manifest}, so fifsim cannot prove that it wrote this folder (it holds: {found}); it is never replaced, even with --force: choose another folder with --out, or delete it yourself if it is a run of an older fifsim",
        .dir.display(), manifest = MANIFEST
    )]
    Unproven { dir: PathBuf, marker: &'static str, found: String },
    /// The folder holds something other than a fifsim run; never replaced.
    #[error("{} is not empty and holds no fifsim run (it holds: {found}); choose another folder with --out", .dir.display())]
    Foreign { dir: PathBuf, found: String },
    /// The folder's manifest is not one this fifsim wrote; the folder is never replaced.
    #[error("{}: not a manifest this fifsim can read ({problem}), so the folder is never replaced; choose another folder with --out", .path.display())]
    BadManifest { path: PathBuf, problem: String },
    /// After the new run was swapped in, the old one had changed, so it was kept rather than removed.
    #[error("{}: the previous run was moved here rather than removed, since it holds what fifsim did not write: {found}; the new run is in place", .aside.display())]
    KeptAside { aside: PathBuf, found: String },
    /// The process was interrupted: nothing more is written.
    #[error("{}: not written: fifsim was interrupted", .path.display())]
    Interrupted { path: PathBuf },
    #[error("{}: exists and is not a plain folder (a file or a link); choose another folder with --out", .path.display())]
    NotADirectory { path: PathBuf },
    #[error("{}: cannot be used as a results folder (it must end in a folder name)", .path.display())]
    BadName { path: PathBuf },
}

impl OutputError {
    /// Whether the folder asked for is at fault (taken, not fifsim's, not a folder) rather than
    /// the writing.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            OutputError::Occupied { .. }
                | OutputError::OtherCommand { .. }
                | OutputError::Strangers { .. }
                | OutputError::Unproven { .. }
                | OutputError::Foreign { .. }
                | OutputError::BadManifest { .. }
                | OutputError::NotADirectory { .. }
                | OutputError::BadName { .. }
        )
    }
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
    /// Opens a fresh temporary file beside `target` (removed too if the process is interrupted,
    /// see [`abandon_unfinished`]).
    ///
    /// # Errors
    /// [`OutputError::Create`] if the folder is missing or not writable,
    /// [`OutputError::Interrupted`] once the process is being interrupted.
    pub fn create(target: &Path) -> Result<AtomicFile, OutputError> {
        let (temp, file) = leftovers::create_temp_file(target)?;
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
        leftovers::forget_temp_file(&self.temp);
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
            leftovers::forget_temp_file(&self.temp);
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

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// `<parent>/.<name>.<tag>-<pid>-<n>`: hidden, beside `target`, unique within this process.
/// [`leftovers`] recognises the names of staging and replaced folders by this pattern.
fn unique_name(target: &Path, tag: &str) -> PathBuf {
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    parent_of(target).join(format!(".{name}.{tag}-{}-{n}", std::process::id()))
}

/// A fresh file `<parent>/.<name>.<tag>-<pid>-<n>` beside `target`, for the caller to remove.
fn open_unique(target: &Path, tag: &str) -> Result<(PathBuf, File), OutputError> {
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

/// `names`, sorted, as a short list for a message: at most ten, then how many more.
fn listing(mut names: Vec<String>) -> String {
    const SHOWN: usize = 10;
    names.sort();
    let more = names.len().saturating_sub(SHOWN);
    names.truncate(SHOWN);
    let mut text = names.join(", ");
    if more > 0 {
        text.push_str(&format!(" and {more} more"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn names_in(dir: &Path) -> Vec<String> {
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
        assert_eq!(names_in(tmp.path()), ["a.csv"]);
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
        assert_eq!(names_in(tmp.path()), ["a.csv"]);
    }

    #[test]
    fn missing_folder_is_named() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("nope/a.csv");
        let e = write_atomic(&target, b"x").unwrap_err();
        assert!(e.to_string().contains("nope/a.csv"), "{e}");
    }

    #[test]
    fn long_listings_are_cut() {
        assert_eq!(listing(vec!["b".into(), "a".into()]), "a, b");
        let many: Vec<String> = (0..13).map(|i| format!("f{i:02}")).collect();
        assert_eq!(listing(many), "f00, f01, f02, f03, f04, f05, f06, f07, f08, f09 and 3 more");
    }
}
