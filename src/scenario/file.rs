//! Reading an input file (a scenario, a portfolio index or table) with a bound on its size, so
//! that a path given by mistake (a log, a device such as `/dev/zero`) is refused instead of read
//! until memory runs out. Below both the scenario loader and the portfolio reader, which share
//! the limit.

use std::io::{Error, ErrorKind, Read};
use std::path::Path;

/// Largest input file read, 1 MiB: the shipped scenarios are under 40 KiB.
pub const MAX_FILE_BYTES: u64 = 1 << 20;

/// The text of the file at `path`, which must be a regular file of at most
/// [`MAX_FILE_BYTES`]. Checked before opening it: opening a named pipe would wait for a writer.
pub(crate) fn read_bounded(path: &Path) -> std::io::Result<String> {
    let too_large = || {
        Error::new(ErrorKind::InvalidData, format!("larger than {MAX_FILE_BYTES} bytes (1 MiB), the most an input file may be"))
    };
    let metadata = std::fs::metadata(path)?;
    if !metadata.is_file() {
        return Err(Error::new(ErrorKind::InvalidInput, "not a regular file (a scenario or book is a file, not a folder, device or pipe)"));
    }
    if metadata.len() > MAX_FILE_BYTES {
        return Err(too_large());
    }
    // The file may have grown since: read no more than the limit allows.
    let mut text = String::new();
    std::fs::File::open(path)?.take(MAX_FILE_BYTES + 1).read_to_string(&mut text)?;
    if text.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large());
    }
    Ok(text)
}
