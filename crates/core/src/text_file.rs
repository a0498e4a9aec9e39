//! Bounded reading of text input files: one helper for every parser that reads a file a user
//! or an uploaded plan names, so that `/dev/zero`, a FIFO or a multi-gigabyte file is refused
//! with an error that names the limit instead of filling memory.

use std::io::Read;
use std::path::Path;

/// Largest scenario, plan, parameter or configuration file (TOML, .par, CSV series): 16 MiB.
pub const MAX_TEXT_INPUT_BYTES: u64 = 16 * 1024 * 1024;

/// Largest ESRI ASCII grid file: 1 GiB, about 100 million cells at the ten or so bytes a value
/// takes as text (the flood solver takes at most 4 million cells, a population raster of the
/// whole region at 1 km about 30 million).
pub const MAX_ASCII_GRID_BYTES: u64 = 1024 * 1024 * 1024;

/// Reads `path` as UTF-8 text of at most `max_bytes` bytes. Something other than a regular
/// file (a device, a FIFO, a directory) or a longer file is an
/// [`std::io::ErrorKind::InvalidData`] error that says so and names the limit; the caller adds
/// the path, as for any other read error.
pub fn read_text_limited(path: &Path, max_bytes: u64) -> std::io::Result<String> {
    let f = std::fs::File::open(path)?;
    if !f.metadata()?.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "not a regular file",
        ));
    }
    let mut text = String::new();
    f.take(max_bytes.saturating_add(1))
        .read_to_string(&mut text)?;
    if text.len() as u64 > max_bytes {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("file is over the limit of {max_bytes} bytes"),
        ));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_files_read_whole_and_large_ones_name_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.toml");
        std::fs::write(&p, "x = 1\n").unwrap();
        assert_eq!(read_text_limited(&p, 6).unwrap(), "x = 1\n");
        let e = read_text_limited(&p, 5).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidData);
        assert!(e.to_string().contains("over the limit of 5 bytes"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn an_endless_device_is_refused() {
        let e = read_text_limited(Path::new("/dev/zero"), 1024).unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
    }
}
