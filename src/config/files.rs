//! Reading the files a plan names, safely: only regular files (a FIFO would block forever,
//! `/dev/zero` would fill memory, a directory cannot be read), and never more than a limit, so
//! that bad input gives an error instead of a hang.

use std::fmt;
use std::io::Read;
use std::path::Path;

/// The largest plan file or template gtplan reads (far beyond any real one).
pub const MAX_TEXT_BYTES: u64 = 16 << 20;

/// Uploads larger than this are not read into memory: their SHA-256 is computed by streaming
/// the file, and apply uploads them in parts (multipart upload).
pub const STREAM_OVER: u64 = 16 << 20;

/// The hex SHA-256 of a file, read in blocks (constant memory), with its size as read.
pub fn sha256_of(path: &Path) -> Result<(String, u64), FileError> {
    use sha2::{Digest, Sha256};
    let mut file = std::fs::File::open(path).map_err(FileError::Io)?;
    let mut hasher = Sha256::new();
    let mut block = vec![0; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut block).map_err(FileError::Io)?;
        if n == 0 {
            break;
        }
        size += n as u64;
        hasher.update(&block[..n]);
    }
    Ok((hex::encode(hasher.finalize()), size))
}

/// Why a file cannot be used.
#[derive(Debug)]
pub enum FileError {
    Missing,
    NotRegular(&'static str),
    TooLarge {
        size: u64,
        max: u64,
    },
    Io(std::io::Error),
    /// Not UTF-8: at this 1-based line and column (in bytes).
    NotUtf8 {
        line: usize,
        column: usize,
    },
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileError::Missing => f.write_str("does not exist"),
            FileError::NotRegular(what) => write!(f, "is a {what}, not a regular file"),
            FileError::TooLarge { size, max } => {
                write!(f, "is {size} bytes, more than the {max} gtplan reads")
            }
            FileError::Io(e) => write!(f, "cannot be read: {e}"),
            FileError::NotUtf8 { line, column } => {
                write!(f, "is not UTF-8 text (line {line}, column {column})")
            }
        }
    }
}

/// The size of `path` if it is a regular file (links followed).
pub fn regular_file_size(path: &Path) -> Result<u64, FileError> {
    let meta = std::fs::metadata(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            FileError::Missing
        } else {
            FileError::Io(e)
        }
    })?;
    let kind = meta.file_type();
    if kind.is_dir() {
        return Err(FileError::NotRegular("directory"));
    }
    if !kind.is_file() {
        return Err(FileError::NotRegular(special_kind(kind)));
    }
    Ok(meta.len())
}

#[cfg(unix)]
fn special_kind(kind: std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_fifo() {
        "FIFO"
    } else if kind.is_char_device() || kind.is_block_device() {
        "device"
    } else if kind.is_socket() {
        "socket"
    } else {
        "special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_kind: std::fs::FileType) -> &'static str {
    "special file"
}

/// The bytes of a regular file of at most `max` bytes. The read itself is bounded too: a file
/// that grows while it is read is refused rather than read on.
pub fn read_bytes(path: &Path, max: u64) -> Result<Vec<u8>, FileError> {
    let size = regular_file_size(path)?;
    if size > max {
        return Err(FileError::TooLarge { size, max });
    }
    let file = std::fs::File::open(path).map_err(FileError::Io)?;
    let mut body = Vec::with_capacity(usize::try_from(size).unwrap_or_default());
    file.take(max + 1)
        .read_to_end(&mut body)
        .map_err(FileError::Io)?;
    let read = body.len() as u64;
    if read > max {
        return Err(FileError::TooLarge { size: read, max });
    }
    Ok(body)
}

/// A UTF-8 text file of at most `max` bytes; otherwise where its first invalid byte is.
pub fn read_text(path: &Path, max: u64) -> Result<String, FileError> {
    let bytes = read_bytes(path, max)?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = valid.split(|b| *b == b'\n').count();
        let column = valid.len() - valid.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1) + 1;
        FileError::NotUtf8 { line, column }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_within_the_limit() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(matches!(
            read_bytes(dir.path(), 10),
            Err(FileError::NotRegular("directory"))
        ));
        assert!(matches!(
            read_bytes(&dir.path().join("nope"), 10),
            Err(FileError::Missing)
        ));
        let big = dir.path().join("big");
        std::fs::write(&big, [b'x'; 11]).expect("write");
        assert!(matches!(
            read_bytes(&big, 10),
            Err(FileError::TooLarge { size: 11, max: 10 })
        ));
        #[cfg(unix)]
        assert!(matches!(
            read_bytes(Path::new("/dev/zero"), 10),
            Err(FileError::NotRegular("device"))
        ));
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_opening_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo runs");
        assert!(made.success());
        assert!(matches!(
            read_bytes(&fifo, 10),
            Err(FileError::NotRegular("FIFO"))
        ));
    }

    #[test]
    fn text_that_is_not_utf8_says_where() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("plan.toml");
        std::fs::write(&file, b"name = \"a\"\nregion = \"caf\xe9\"\n").expect("write");
        let err = read_text(&file, 100).expect_err("not UTF-8");
        assert_eq!(err.to_string(), "is not UTF-8 text (line 2, column 14)");
    }
}
