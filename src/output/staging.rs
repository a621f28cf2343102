//! The results-folder policy and [`Staging`], which builds a run beside its folder and swaps it in.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::manifest::Manifest;
use super::{OutputError, leftovers, listing, parent_of, sync_dir, sync_parent, unique_name};

/// A command that publishes folders: its name, written in their manifests, and the file that
/// marked its folders before fifsim wrote manifests (to recognise them and say so).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Command {
    pub name: &'static str,
    pub marker: &'static str,
}

/// What publishing a run will do to the results folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// The folder does not exist or is empty.
    Create,
    /// The folder holds a previous run of the same command and nothing else; it will be replaced.
    Replace,
}

/// Decides whether `command` may publish into `dir` (see the module docs of
/// [`crate::output`]); touches nothing.
///
/// # Errors
/// [`OutputError::Occupied`] when `dir` holds a run of `command` and `force` is false;
/// [`OutputError::Strangers`], [`OutputError::OtherCommand`], [`OutputError::Unproven`],
/// [`OutputError::Foreign`] or [`OutputError::BadManifest`] when it may not be replaced at all;
/// [`OutputError::NotADirectory`], [`OutputError::BadName`], or [`OutputError::Read`] if it
/// cannot be listed.
pub fn check_output_dir(dir: &Path, force: bool, command: Command) -> Result<Policy, OutputError> {
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
    let mut names = Vec::new();
    for entry in fs::read_dir(dir).map_err(read_error)? {
        let entry = entry.map_err(read_error)?;
        let folder = entry.file_type().is_ok_and(|t| t.is_dir());
        names.push(format!("{}{}", entry.file_name().to_string_lossy(), if folder { "/" } else { "" }));
    }
    if names.is_empty() {
        return Ok(Policy::Create);
    }
    let Some(manifest) = Manifest::read(dir)? else {
        return Err(if names.iter().any(|n| n == command.marker) {
            OutputError::Unproven { dir: dir.to_path_buf(), marker: command.marker, found: listing(names) }
        } else {
            OutputError::Foreign { dir: dir.to_path_buf(), found: listing(names) }
        });
    };
    if manifest.command != command.name {
        return Err(OutputError::OtherCommand { dir: dir.to_path_buf(), found: manifest.command, wanted: command.name });
    }
    let strangers = manifest.strangers(dir)?;
    if !strangers.is_empty() {
        return Err(OutputError::Strangers { dir: dir.to_path_buf(), command: manifest.command, found: listing(strangers) });
    }
    if force { Ok(Policy::Replace) } else { Err(OutputError::Occupied { dir: dir.to_path_buf(), command: manifest.command }) }
}

/// A run being built in a hidden sibling of its results folder. Dropped without
/// [`Staging::publish`], it removes itself.
#[derive(Debug)]
pub struct Staging {
    target: PathBuf,
    dir: PathBuf,
    force: bool,
    command: Command,
    published: bool,
}

impl Staging {
    /// Clears the leftovers of dead processes beside and in `target` (see [`leftovers`]),
    /// checks the policy for `target` ([`check_output_dir`]), creates its parent folder if
    /// needed and a fresh empty staging folder beside it.
    ///
    /// # Errors
    /// As [`check_output_dir`], or [`OutputError::Create`], or [`OutputError::Interrupted`].
    pub fn begin(target: &Path, force: bool, command: Command) -> Result<Staging, OutputError> {
        if target.file_name().is_none() {
            return Err(OutputError::BadName { path: target.to_path_buf() });
        }
        let parent = parent_of(target);
        leftovers::clear_stale(target);
        check_output_dir(target, force, command)?;
        fs::create_dir_all(&parent).map_err(|source| OutputError::Create { path: parent.clone(), source })?;
        let dir = leftovers::create_staging_dir(target)?;
        Ok(Staging { target: target.to_path_buf(), dir, force, command, published: false })
    }

    /// The folder to write the run's files into.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The results folder the run will be published as.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Writes the manifest, then swaps the staging folder in as the results folder; returns the
    /// results folder. The policy is checked again, in case the folder changed during the run.
    ///
    /// # Errors
    /// As [`check_output_dir`]; [`OutputError::Rename`] if a rename fails (the old run is then
    /// put back); [`OutputError::KeptAside`] or [`OutputError::Remove`] if the replaced run cannot
    /// be removed (the new one is in place by then); [`OutputError::Interrupted`].
    pub fn publish(mut self) -> Result<PathBuf, OutputError> {
        Manifest::of_folder(&self.dir, self.command.name)?.write(&self.dir)?;
        sync_dir(&self.dir);
        // Held to the end, so that an interruption waits for the swap rather than cutting it.
        let mut unfinished = leftovers::lock();
        if unfinished.interrupted {
            return Err(OutputError::Interrupted { path: self.target.clone() });
        }
        let rename = |from: &Path, to: &Path| {
            fs::rename(from, to).map_err(|source| OutputError::Rename { from: from.to_path_buf(), to: to.to_path_buf(), source })
        };
        let policy = check_output_dir(&self.target, self.force, self.command)?;
        let aside = match policy {
            Policy::Create => {
                // An empty folder is removed first (remove_dir fails if a file appeared meanwhile).
                if self.target.is_dir() {
                    fs::remove_dir(&self.target).map_err(|source| OutputError::Remove { path: self.target.clone(), source })?;
                }
                rename(&self.dir, &self.target)?;
                None
            }
            Policy::Replace => {
                let aside = unique_name(&self.target, leftovers::REPLACED);
                rename(&self.target, &aside)?;
                if let Err(e) = rename(&self.dir, &self.target) {
                    // Another process published here between the two renames: its run stays, and
                    // the old one, superseded, goes as it would have.
                    if fs::rename(&aside, &self.target).is_err() {
                        let _ = remove_replaced(&aside, self.command);
                    }
                    return Err(e);
                }
                Some(aside)
            }
        };
        self.published = true;
        unfinished.forget_staging(&self.dir);
        sync_parent(&self.target);
        if let Some(aside) = aside {
            remove_replaced(&aside, self.command)?;
            sync_parent(&self.target);
        }
        Ok(self.target.clone())
    }
}

/// Removes a run moved aside by a replace, if its manifest still accounts for everything in it.
pub(super) fn remove_replaced(aside: &Path, command: Command) -> Result<(), OutputError> {
    let manifest = Manifest::read(aside)?.ok_or_else(|| OutputError::KeptAside { aside: aside.to_path_buf(), found: "no manifest".into() })?;
    let mut strangers = manifest.strangers(aside)?;
    if manifest.command != command.name {
        strangers.push(format!("a run of `fifsim {}`", manifest.command));
    }
    if !strangers.is_empty() {
        return Err(OutputError::KeptAside { aside: aside.to_path_buf(), found: listing(strangers) });
    }
    manifest.remove_run(aside)
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.published {
            let mut unfinished = leftovers::lock();
            let _ = fs::remove_dir_all(&self.dir);
            unfinished.forget_staging(&self.dir);
        }
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::MANIFEST;
    use super::super::tests::names_in;
    use super::*;

    pub(crate) const RUN: Command = Command { name: "run", marker: "summary.json" };
    const COMPARE: Command = Command { name: "compare", marker: "compare.json" };

    /// Publishes a run of `command` into `target` holding `files` (name, content).
    fn publish(target: &Path, force: bool, command: Command, files: &[(&str, &str)]) -> Result<PathBuf, OutputError> {
        let staging = Staging::begin(target, force, command)?;
        for (name, content) in files {
            fs::write(staging.dir().join(name), content).unwrap();
        }
        staging.publish()
    }

    #[test]
    fn a_new_run_is_published_with_its_manifest_and_replaced_only_with_force() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("results/base");
        assert_eq!(check_output_dir(&target, false, RUN).unwrap(), Policy::Create);
        assert_eq!(publish(&target, false, RUN, &[("summary.json", "one"), ("paths.csv", "rows")]).unwrap(), target);
        assert_eq!(names_in(&target), [MANIFEST, "paths.csv", "summary.json"]);
        let e = check_output_dir(&target, false, RUN).unwrap_err();
        assert!(e.to_string().ends_with("base already holds a run of `fifsim run`; use --force to replace it or --out to choose another folder"), "{e}");
        assert_eq!(check_output_dir(&target, true, RUN).unwrap(), Policy::Replace);
        publish(&target, true, RUN, &[("summary.json", "two")]).unwrap();
        assert_eq!(names_in(&target), [MANIFEST, "summary.json"], "the old run's files are gone");
        assert_eq!(fs::read_to_string(target.join("summary.json")).unwrap(), "two");
        assert_eq!(names_in(&tmp.path().join("results")), ["base"], "no staging or replaced folder left");
    }

    #[test]
    fn a_run_with_anything_added_or_changed_is_never_replaced() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("base");
        publish(&target, false, RUN, &[("summary.json", "one")]).unwrap();
        fs::write(target.join("notes.txt"), "mine").unwrap();
        fs::create_dir(target.join("src")).unwrap();
        for force in [false, true] {
            let e = Staging::begin(&target, force, RUN).unwrap_err();
            assert!(matches!(e, OutputError::Strangers { .. }) && e.to_string().contains("notes.txt, src/"), "{e}");
            assert!(!e.to_string().contains("use --force"), "{e}");
        }
        fs::remove_file(target.join("notes.txt")).unwrap();
        fs::remove_dir(target.join("src")).unwrap();
        fs::write(target.join("summary.json"), "edited by hand").unwrap();
        let e = check_output_dir(&target, true, RUN).unwrap_err();
        assert!(e.to_string().contains("summary.json (changed since fifsim wrote it)"), "{e}");
        assert_eq!(names_in(tmp.path()), ["base"]);
    }

    #[test]
    fn folders_without_a_manifest_are_never_replaced() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("p");
        fs::create_dir_all(target.join("src")).unwrap();
        fs::write(target.join("summary.json"), "{}").unwrap();
        let e = check_output_dir(&target, true, RUN).unwrap_err();
        assert!(matches!(e, OutputError::Unproven { .. }), "{e}");
        assert!(e.to_string().contains("(it holds: src/, summary.json)") && !e.to_string().contains("use --force"), "{e}");
        fs::remove_file(target.join("summary.json")).unwrap();
        let e = check_output_dir(&target, true, RUN).unwrap_err();
        assert!(e.to_string().contains("holds no fifsim run (it holds: src/)"), "{e}");
        fs::write(tmp.path().join("file"), "x").unwrap();
        assert!(matches!(check_output_dir(&tmp.path().join("file"), true, RUN), Err(OutputError::NotADirectory { .. })));
        assert!(matches!(check_output_dir(Path::new(".."), true, RUN), Err(OutputError::BadName { .. })));
    }

    #[test]
    fn a_folder_is_replaced_only_by_the_command_that_wrote_it() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("compare");
        publish(&target, false, COMPARE, &[("compare.json", "one")]).unwrap();
        assert!(matches!(Staging::begin(&target, false, COMPARE), Err(OutputError::Occupied { .. })));
        let e = Staging::begin(&target, true, RUN).unwrap_err();
        assert!(e.to_string().contains("holds a run of `fifsim compare`, which `fifsim run` never replaces"), "{e}");
        publish(&target, true, COMPARE, &[("compare.json", "two")]).unwrap();
        assert_eq!(fs::read_to_string(target.join("compare.json")).unwrap(), "two");
    }

    #[test]
    fn abandoned_staging_leaves_old_run_intact() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("base");
        publish(&target, false, RUN, &[("summary.json", "old")]).unwrap();
        let before = names_in(&target);
        let staging = Staging::begin(&target, true, RUN).unwrap();
        fs::write(staging.dir().join("summary.json"), "half").unwrap();
        drop(staging);
        assert_eq!(names_in(tmp.path()), ["base"]);
        assert_eq!(names_in(&target), before);
        assert_eq!(fs::read_to_string(target.join("summary.json")).unwrap(), "old");
    }

    #[test]
    fn a_file_added_during_the_run_stops_the_replace() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("base");
        publish(&target, false, RUN, &[("summary.json", "old")]).unwrap();
        let staging = Staging::begin(&target, true, RUN).unwrap();
        fs::write(staging.dir().join("summary.json"), "new").unwrap();
        fs::write(target.join("notes.txt"), "written while the run lasted").unwrap();
        assert!(matches!(staging.publish(), Err(OutputError::Strangers { .. })));
        assert_eq!(fs::read_to_string(target.join("notes.txt")).unwrap(), "written while the run lasted");
        assert_eq!(fs::read_to_string(target.join("summary.json")).unwrap(), "old");
        assert_eq!(names_in(tmp.path()), ["base"]);
    }

    #[test]
    fn a_replaced_run_that_changed_is_kept_aside() {
        let tmp = tempfile::tempdir().unwrap();
        let aside = tmp.path().join(".base.fifsim-replaced-1-0");
        publish(&aside, false, RUN, &[("summary.json", "old")]).unwrap();
        fs::write(aside.join("late.txt"), "mine").unwrap();
        let e = remove_replaced(&aside, RUN).unwrap_err();
        assert!(matches!(e, OutputError::KeptAside { .. }) && e.to_string().contains("late.txt"), "{e}");
        assert!(aside.join("late.txt").exists() && aside.join("summary.json").exists());
        fs::remove_file(aside.join("late.txt")).unwrap();
        remove_replaced(&aside, RUN).unwrap();
        assert!(!aside.exists());
    }
}
