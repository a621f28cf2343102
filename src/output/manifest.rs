//! `fifsim-manifest.json`: the file fifsim writes last into every folder it publishes, and its
//! only proof that it wrote the folder.
//!
//! ```json
//! {
//!   "format": "fifsim results folder",
//!   "format_version": 1,
//!   "fifsim_version": "0.1.0",
//!   "command": "run",
//!   "files": [
//!     { "name": "paths.csv", "bytes": 215230 },
//!     { "name": "quarterly.csv", "bytes": 61412 },
//!     { "name": "summary.json", "bytes": 301871 }
//!   ]
//! }
//! ```
//!
//! `format` and `format_version` are the signature; `command` is the `fifsim` command that wrote
//! the folder; `files` lists every file it wrote there (sorted by name), with its size. Sizes, not
//! hashes: `paths.csv` runs to gigabytes, and a size is enough to notice a file that was replaced
//! or edited. The manifest holds no time, so the same run writes the same manifest.
//!
//! A folder may be replaced or removed only while its manifest accounts for everything in it
//! ([`Manifest::strangers`] is empty); then only the files the manifest lists are removed
//! ([`Manifest::remove_run`]).

use std::collections::BTreeSet;
use std::fs;
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{OutputError, write_atomic};

/// The manifest's file name.
pub const MANIFEST: &str = "fifsim-manifest.json";
/// The signature's two parts.
const FORMAT: &str = "fifsim results folder";
const FORMAT_VERSION: u32 = 1;
/// A manifest lists a handful of files; anything larger is not one.
const MAX_BYTES: u64 = 1 << 20;

/// What a manifest says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    /// The version of fifsim that wrote the folder.
    pub fifsim_version: String,
    /// The command that wrote the folder (`run`, `compare`, …).
    pub command: String,
    /// Every file written into the folder, by name.
    pub files: Vec<Entry>,
}

/// One file of a manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub name: String,
    pub bytes: u64,
}

/// Just the signature, read first so that a manifest of another format says so.
#[derive(Deserialize)]
struct Signature {
    format: String,
    format_version: u32,
}

impl Manifest {
    /// The manifest of `dir` as `command` wrote it: every file in it (all must be plain files).
    ///
    /// # Errors
    /// [`OutputError::Read`] if `dir` cannot be listed, [`OutputError::Create`] if it holds
    /// something other than a plain file with a UTF-8 name (fifsim never writes one).
    pub fn of_folder(dir: &Path, command: &str) -> Result<Manifest, OutputError> {
        let mut files = Vec::new();
        for (name, metadata) in entries(dir)? {
            let name = match name.into_string() {
                Ok(name) if metadata.is_file() && name != MANIFEST => name,
                Ok(name) if name == MANIFEST => continue,
                other => {
                    let shown = other.unwrap_or_else(|n| n.to_string_lossy().into_owned());
                    let source = io::Error::other("not a plain file fifsim wrote");
                    return Err(OutputError::Create { path: dir.join(shown), source });
                }
            };
            files.push(Entry { name, bytes: metadata.len() });
        }
        files.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Manifest {
            format: FORMAT.to_string(),
            format_version: FORMAT_VERSION,
            fifsim_version: env!("CARGO_PKG_VERSION").to_string(),
            command: command.to_string(),
            files,
        })
    }

    /// Writes the manifest into `dir`, atomically.
    ///
    /// # Errors
    /// As [`write_atomic`].
    pub fn write(&self, dir: &Path) -> Result<(), OutputError> {
        let path = dir.join(MANIFEST);
        let mut text = serde_json::to_string_pretty(self)
            .map_err(|e| OutputError::Write { path: path.clone(), source: io::Error::other(e) })?;
        text.push('\n');
        write_atomic(&path, text.as_bytes())
    }

    /// The manifest of `dir`, or `None` if it has none.
    ///
    /// # Errors
    /// [`OutputError::BadManifest`] if the file is not a plain file, too large, not JSON, not of
    /// this format and version, or lists a file name that is not a plain name;
    /// [`OutputError::Read`] if it cannot be read.
    pub fn read(dir: &Path) -> Result<Option<Manifest>, OutputError> {
        let path = dir.join(MANIFEST);
        let bad = |problem: String| OutputError::BadManifest { path: path.clone(), problem };
        let metadata = match fs::symlink_metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(OutputError::Read { path, source }),
        };
        if !metadata.is_file() {
            return Err(bad("not a plain file".into()));
        }
        let mut bytes = Vec::new();
        fs::File::open(&path)
            .and_then(|f| f.take(MAX_BYTES + 1).read_to_end(&mut bytes))
            .map_err(|source| OutputError::Read { path: path.clone(), source })?;
        if bytes.len() as u64 > MAX_BYTES {
            return Err(bad(format!("larger than {MAX_BYTES} bytes")));
        }
        let signature: Signature = serde_json::from_slice(&bytes).map_err(|e| bad(format!("no fifsim signature: {e}")))?;
        if signature.format != FORMAT {
            return Err(bad(format!("format {:?}, not {FORMAT:?}", signature.format)));
        }
        if signature.format_version != FORMAT_VERSION {
            return Err(bad(format!("format version {}, this fifsim reads version {FORMAT_VERSION}", signature.format_version)));
        }
        let manifest: Manifest = serde_json::from_slice(&bytes).map_err(|e| bad(e.to_string()))?;
        let mut seen = BTreeSet::new();
        for entry in &manifest.files {
            let plain = matches!(Path::new(&entry.name).components().collect::<Vec<_>>()[..], [Component::Normal(_)]);
            if !plain || entry.name == MANIFEST || !seen.insert(entry.name.as_str()) {
                return Err(bad(format!("lists {:?}, not a plain file name listed once", entry.name)));
            }
        }
        Ok(Some(manifest))
    }

    /// Adds `files`, just written into `dir` by fifsim, to `dir`'s manifest (or updates their
    /// sizes), so that they stay fifsim's; a folder without a manifest this fifsim reads is left
    /// as it is, since nothing in it is provably fifsim's.
    ///
    /// # Errors
    /// [`OutputError::Read`] if a file cannot be read, as [`Manifest::write`] otherwise.
    pub fn record(dir: &Path, files: &[PathBuf]) -> Result<(), OutputError> {
        let Ok(Some(mut manifest)) = Manifest::read(dir) else { return Ok(()) };
        for file in files {
            let Some(name) = file.file_name().and_then(|n| n.to_str()) else { continue };
            let bytes = fs::symlink_metadata(file).map_err(|source| OutputError::Read { path: file.clone(), source })?.len();
            manifest.files.retain(|f| f.name != name);
            manifest.files.push(Entry { name: name.to_string(), bytes });
        }
        manifest.files.sort_by(|a, b| a.name.cmp(&b.name));
        manifest.write(dir)
    }

    /// What `dir` holds beyond what the manifest accounts for: entries it does not list
    /// (folders shown with a trailing `/`), and listed files that are no longer the plain file
    /// of the size written (marked "changed"). Listed files that are gone are no loss.
    ///
    /// # Errors
    /// [`OutputError::Read`] if `dir` cannot be listed.
    pub fn strangers(&self, dir: &Path) -> Result<Vec<String>, OutputError> {
        let mut found = Vec::new();
        for (name, metadata) in entries(dir)? {
            let shown = name.to_string_lossy().into_owned();
            if shown == MANIFEST {
                continue;
            }
            match self.files.iter().find(|f| name == f.name.as_str()) {
                Some(entry) if metadata.is_file() && metadata.len() == entry.bytes => {}
                Some(_) => found.push(format!("{shown} (changed since fifsim wrote it)")),
                None if metadata.is_dir() => found.push(format!("{shown}/")),
                None => found.push(shown),
            }
        }
        found.sort();
        Ok(found)
    }

    /// Removes the run in `dir`: the files the manifest lists, then the manifest, then `dir`
    /// itself, which fails if anything else appeared in it meanwhile.
    ///
    /// # Errors
    /// [`OutputError::Remove`] naming what could not be removed.
    pub fn remove_run(&self, dir: &Path) -> Result<(), OutputError> {
        let remove = |path: PathBuf| match fs::remove_file(&path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(OutputError::Remove { path, source: e }),
            _ => Ok(()),
        };
        for entry in &self.files {
            remove(dir.join(&entry.name))?;
        }
        remove(dir.join(MANIFEST))?;
        fs::remove_dir(dir).map_err(|source| OutputError::Remove { path: dir.to_path_buf(), source })
    }
}

/// The entries of `dir` with their own metadata (links not followed).
fn entries(dir: &Path) -> Result<Vec<(std::ffi::OsString, fs::Metadata)>, OutputError> {
    let read_error = |source| OutputError::Read { path: dir.to_path_buf(), source };
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).map_err(read_error)? {
        let entry = entry.map_err(read_error)?;
        let metadata = fs::symlink_metadata(entry.path()).map_err(read_error)?;
        found.push((entry.file_name(), metadata));
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_folder(dir: &Path) -> Manifest {
        fs::create_dir_all(dir).unwrap();
        fs::write(dir.join("summary.json"), "{}").unwrap();
        fs::write(dir.join("paths.csv"), "path\n0\n").unwrap();
        let manifest = Manifest::of_folder(dir, "run").unwrap();
        manifest.write(dir).unwrap();
        manifest
    }

    #[test]
    fn a_manifest_lists_every_file_with_its_size_and_reads_back() {
        let tmp = tempfile::tempdir().unwrap();
        let manifest = run_folder(tmp.path());
        let names: Vec<(&str, u64)> = manifest.files.iter().map(|f| (f.name.as_str(), f.bytes)).collect();
        assert_eq!(names, [("paths.csv", 7), ("summary.json", 2)]);
        assert_eq!(Manifest::read(tmp.path()).unwrap(), Some(manifest.clone()));
        assert!(manifest.strangers(tmp.path()).unwrap().is_empty());
        let text = fs::read_to_string(tmp.path().join(MANIFEST)).unwrap();
        assert!(text.contains("\"format\": \"fifsim results folder\"") && text.contains("\"command\": \"run\""), "{text}");
    }

    #[test]
    fn added_and_changed_entries_are_strangers() {
        let tmp = tempfile::tempdir().unwrap();
        let manifest = run_folder(tmp.path());
        fs::write(tmp.path().join("notes.txt"), "mine").unwrap();
        fs::create_dir(tmp.path().join("src")).unwrap();
        fs::write(tmp.path().join("summary.json"), "{\"edited\": true}").unwrap();
        fs::remove_file(tmp.path().join("paths.csv")).unwrap();
        assert_eq!(manifest.strangers(tmp.path()).unwrap(), ["notes.txt", "src/", "summary.json (changed since fifsim wrote it)"]);
    }

    #[test]
    fn removing_a_run_removes_only_its_files() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("run");
        let manifest = run_folder(&dir);
        manifest.remove_run(&dir).unwrap();
        assert!(!dir.exists());
        let manifest = run_folder(&dir);
        fs::write(dir.join("late.txt"), "arrived meanwhile").unwrap();
        assert!(matches!(manifest.remove_run(&dir), Err(OutputError::Remove { .. })));
        assert_eq!(fs::read_to_string(dir.join("late.txt")).unwrap(), "arrived meanwhile");
    }

    #[test]
    fn files_written_later_are_recorded_in_a_manifest_only() {
        let tmp = tempfile::tempdir().unwrap();
        let manifest = run_folder(tmp.path());
        let chart = tmp.path().join("jcurve.png");
        fs::write(&chart, "png").unwrap();
        fs::write(tmp.path().join("summary.json"), "{ }").unwrap();
        Manifest::record(tmp.path(), &[chart.clone(), tmp.path().join("summary.json")]).unwrap();
        let recorded = Manifest::read(tmp.path()).unwrap().unwrap();
        let names: Vec<(&str, u64)> = recorded.files.iter().map(|f| (f.name.as_str(), f.bytes)).collect();
        assert_eq!(names, [("jcurve.png", 3), ("paths.csv", 7), ("summary.json", 3)]);
        assert_eq!(recorded.command, manifest.command);
        let old = tempfile::tempdir().unwrap();
        fs::write(old.path().join("summary.json"), "{}").unwrap();
        Manifest::record(old.path(), &[old.path().join("summary.json")]).unwrap();
        assert!(!old.path().join(MANIFEST).exists(), "no manifest made up for a folder without one");
    }

    #[test]
    fn only_a_manifest_of_this_format_is_accepted() {
        let tmp = tempfile::tempdir().unwrap();
        assert_eq!(Manifest::read(tmp.path()).unwrap(), None);
        let manifest = run_folder(tmp.path());
        let path = tmp.path().join(MANIFEST);
        let cases = [
            ("{}".to_string(), "no fifsim signature"),
            (r#"{"format": "other", "format_version": 1}"#.to_string(), "format \"other\""),
            (r#"{"format": "fifsim results folder", "format_version": 2}"#.to_string(), "format version 2"),
            (serde_json::to_string(&Manifest { files: vec![Entry { name: "../x".into(), bytes: 1 }], ..manifest.clone() }).unwrap(), "\"../x\""),
            (serde_json::to_string(&Manifest { files: vec![Entry { name: MANIFEST.into(), bytes: 1 }], ..manifest }).unwrap(), MANIFEST),
        ];
        for (text, problem) in cases {
            fs::write(&path, &text).unwrap();
            let e = Manifest::read(tmp.path()).unwrap_err();
            assert!(matches!(e, OutputError::BadManifest { .. }) && e.to_string().contains(problem), "{text}: {e}");
        }
        fs::remove_file(&path).unwrap();
        fs::create_dir(&path).unwrap();
        assert!(Manifest::read(tmp.path()).unwrap_err().to_string().contains("not a plain file"));
    }
}
