//! The sandbox's persistent world: every bucket, object, role and job.
//!
//! All metadata lives in one [`World`] value behind a read-write lock: reads run together and
//! never wait for the disk. Each mutating request runs a closure on it; the entries the closure
//! changed (the world's maps are [`Tracked`]) are then appended to `journal.jsonl` as one line,
//! so a write costs the same however large the state is. Now and then (when the journal passes
//! [`COMPACT_AT`]) the whole world is written to `state.json` atomically (temporary file, fsync,
//! rename) and the journal starts over. Opening loads `state.json` and replays the journal's
//! lines after it. An answer is sent only after its line was written, so a `kill -9` loses no
//! acknowledged write; a line cut short by the kill was never acknowledged and is dropped. (The
//! journal is not fsynced per write: a power cut, unlike a killed process, may lose the last
//! writes. The sandbox is a development tool.)
//!
//! Object bodies are content-addressed blobs under `blobs/` (named by their SHA-256), written
//! (temporary file, rename; like the journal, not fsynced) before the metadata that refers to
//! them, so a crash can leave an orphan blob but never a dangling reference.

use std::fs;
use std::io::{BufRead, BufReader, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, RwLock};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::clock::ClockState;
use super::cognito::CognitoState;
use super::iam::IamState;
use super::s3::S3State;
use super::sagemaker::SageMakerState;

/// The journal is folded into `state.json` once it is this large.
pub const COMPACT_AT: u64 = 4 << 20;

/// Everything the sandbox knows, serialised as one JSON document.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct World {
    /// Incremented by every persisted write; lets tests and the admin dump see that state moved.
    pub generation: u64,
    /// The journal line this state includes (in `state.json`: the lines replayed after it).
    pub journal_seq: u64,
    /// Where the sandbox's clock stands, so that a restart continues from there.
    pub clock: ClockState,
    pub s3: S3State,
    pub iam: IamState,
    pub sagemaker: SageMakerState,
    pub cognito: CognitoState,
}

/// One journal line: the entries one write changed, with their values after it.
#[derive(Debug, Serialize, Deserialize)]
struct Record {
    seq: u64,
    generation: u64,
    clock: ClockState,
    /// `(map, key, value)`; no value: removed.
    changes: Vec<(String, String, Option<serde_json::Value>)>,
}

/// Every tracked map of the world, by the name the journal uses.
macro_rules! for_each_map {
    ($world:expr, $apply:ident) => {{
        $apply!("s3.buckets", $world.s3.buckets);
        $apply!("s3.objects", $world.s3.objects);
        $apply!("s3.uploads", $world.s3.uploads);
        $apply!("iam.roles", $world.iam.roles);
        $apply!("sagemaker.jobs", $world.sagemaker.jobs);
        $apply!("sagemaker.workteams", $world.sagemaker.workteams);
        $apply!("sagemaker.workforces", $world.sagemaker.workforces);
        $apply!("sagemaker.seeded", $world.sagemaker.seeded);
        $apply!("cognito.pools", $world.cognito.pools);
        $apply!("cognito.clients", $world.cognito.clients);
        $apply!("cognito.groups", $world.cognito.groups);
        $apply!("cognito.users", $world.cognito.users);
        $apply!("cognito.domains", $world.cognito.domains);
    }};
}

impl World {
    /// The entries changed since the last record, as the next record.
    fn take_record(&mut self, seq: u64) -> Result<Record, serde_json::Error> {
        let mut changes = Vec::new();
        macro_rules! collect {
            ($name:expr, $map:expr) => {
                for (key, value) in $map.take_changes() {
                    let value = value.map(serde_json::to_value).transpose()?;
                    changes.push(($name.to_owned(), key, value));
                }
            };
        }
        for_each_map!(self, collect);
        Ok(Record {
            seq,
            generation: self.generation,
            clock: self.clock,
            changes,
        })
    }

    fn forget_changes(&mut self) {
        macro_rules! forget {
            ($name:expr, $map:expr) => {
                $map.forget_changes();
            };
        }
        for_each_map!(self, forget);
    }

    fn replay(&mut self, record: Record) -> Result<(), serde_json::Error> {
        self.generation = record.generation;
        self.journal_seq = record.seq;
        self.clock = record.clock;
        for (map, key, value) in record.changes {
            macro_rules! restore {
                ($name:expr, $map:expr) => {
                    if map == $name {
                        let value = value.clone().map(serde_json::from_value).transpose()?;
                        $map.restore(key.clone(), value);
                    }
                };
            }
            for_each_map!(self, restore);
        }
        Ok(())
    }
}

/// Errors of the store itself (disk I/O, corrupt state). Handlers map them to `InternalError`.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("failed to {action} `{path}`")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("sandbox state file `{path}` is not valid JSON; move it away to start from scratch")]
    Corrupt {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("blob `{0}` referenced by the state is missing from the blob store")]
    MissingBlob(String),
}

fn io_err(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> StoreError {
    let path = path.to_path_buf();
    move |source| StoreError::Io {
        action,
        path,
        source,
    }
}

/// The SHA-256 of an object body, hex encoded; the blob's file name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BlobId(pub String);

impl BlobId {
    pub fn of(bytes: &[u8]) -> Self {
        Self(hex::encode(Sha256::digest(bytes)))
    }
}

pub struct Store {
    dir: PathBuf,
    world: RwLock<World>,
    journal: Mutex<Journal>,
}

struct Journal {
    file: fs::File,
    /// Bytes written since the last compaction.
    bytes: u64,
}

impl Store {
    /// Opens (or creates) the state in `dir`: `state.json` if present, then the journal.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        fs::create_dir_all(dir.join("blobs")).map_err(io_err("create", dir))?;
        let state_path = dir.join("state.json");
        let mut world: World = match fs::read(&state_path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|source| StoreError::Corrupt {
                path: state_path.clone(),
                source,
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => World::default(),
            Err(e) => return Err(io_err("read", &state_path)(e)),
        };
        let journal_path = dir.join("journal.jsonl");
        let mut file = fs::OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(&journal_path)
            .map_err(io_err("open", &journal_path))?;
        let good = replay(&mut world, &file, &journal_path)?;
        // A line cut short by a kill was never acknowledged: drop it, so that the next line
        // starts on a line of its own.
        file.set_len(good)
            .map_err(io_err("truncate", &journal_path))?;
        file.seek(std::io::SeekFrom::End(0))
            .map_err(io_err("seek", &journal_path))?;
        Ok(Self {
            dir: dir.to_path_buf(),
            world: RwLock::new(world),
            journal: Mutex::new(Journal { file, bytes: good }),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Runs a read-only closure on the world.
    pub fn read<R>(&self, f: impl FnOnce(&World) -> R) -> R {
        // A handler that panicked left the world as it was at worst; keep serving rather than
        // poisoning every request.
        f(&self
            .world
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    /// Runs a mutating closure and persists what it changed when it returns `Ok`. On `Err` the
    /// closure must not have changed anything (validate first, then mutate).
    pub fn write<R, E>(&self, f: impl FnOnce(&mut World) -> Result<R, E>) -> Result<R, E>
    where
        E: From<StoreError>,
    {
        let mut world = self
            .world
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let out = match f(&mut world) {
            Ok(out) => out,
            Err(e) => {
                world.forget_changes();
                return Err(e);
            }
        };
        world.generation += 1;
        world.journal_seq += 1;
        let seq = world.journal_seq;
        let record = world
            .take_record(seq)
            .map_err(|source| StoreError::Corrupt {
                path: self.dir.join("journal.jsonl"),
                source,
            })?;
        let mut journal = self.lock_journal();
        self.append(&mut journal, &record)?;
        if journal.bytes > COMPACT_AT {
            self.compact(&world, &mut journal)?;
        }
        Ok(out)
    }

    /// Forgets every resource, then lets `seed` add what a fresh sandbox starts with. The clock
    /// is kept: time never runs back.
    pub fn reset(&self, seed: impl FnOnce(&mut World)) -> Result<(), StoreError> {
        let mut world = self
            .world
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *world = World {
            clock: world.clock,
            generation: world.generation + 1,
            journal_seq: world.journal_seq,
            ..World::default()
        };
        seed(&mut world);
        world.forget_changes();
        let mut journal = self.lock_journal();
        self.compact(&world, &mut journal)
    }

    pub fn snapshot(&self) -> World {
        self.read(World::clone)
    }

    fn lock_journal(&self) -> std::sync::MutexGuard<'_, Journal> {
        self.journal
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn append(&self, journal: &mut Journal, record: &Record) -> Result<(), StoreError> {
        let path = self.dir.join("journal.jsonl");
        let mut line = serde_json::to_vec(record).map_err(|source| StoreError::Corrupt {
            path: path.clone(),
            source,
        })?;
        line.push(b'\n');
        // One write of the whole line: a kill leaves it whole or cut short, never interleaved.
        journal
            .file
            .write_all(&line)
            .map_err(io_err("append to", &path))?;
        journal.bytes += line.len() as u64;
        Ok(())
    }

    /// Writes the whole world to `state.json` and starts the journal over. A crash between the
    /// two leaves lines the snapshot already holds, which opening skips by their number.
    fn compact(&self, world: &World, journal: &mut Journal) -> Result<(), StoreError> {
        let state = self.dir.join("state.json");
        let json = serde_json::to_vec(world).map_err(|source| StoreError::Corrupt {
            path: state.clone(),
            source,
        })?;
        write_atomically(&state, &json)?;
        let path = self.dir.join("journal.jsonl");
        journal.file.set_len(0).map_err(io_err("truncate", &path))?;
        journal.bytes = 0;
        Ok(())
    }

    /// Stores an object body and returns its id. Idempotent: equal bodies share one file.
    pub fn put_blob(&self, bytes: &[u8]) -> Result<BlobId, StoreError> {
        let id = BlobId::of(bytes);
        let path = self.blob_path(&id);
        if !path.exists() {
            write_whole(&path, bytes)?;
        }
        Ok(id)
    }

    pub fn get_blob(&self, id: &BlobId) -> Result<Vec<u8>, StoreError> {
        fs::read(self.blob_path(id)).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                StoreError::MissingBlob(id.0.clone())
            } else {
                io_err("read", &self.blob_path(id))(e)
            }
        })
    }

    fn blob_path(&self, id: &BlobId) -> PathBuf {
        self.dir.join("blobs").join(&id.0)
    }
}

/// Applies the journal's lines after `world`'s own; returns the length of the whole lines.
fn replay(world: &mut World, file: &fs::File, path: &Path) -> Result<u64, StoreError> {
    let mut reader = BufReader::new(file);
    let mut good = 0u64;
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = reader
            .read_until(b'\n', &mut line)
            .map_err(io_err("read", path))?;
        if n == 0 || line.last() != Some(&b'\n') {
            break;
        }
        let Ok(record) = serde_json::from_slice::<Record>(&line) else {
            break;
        };
        if record.seq > world.journal_seq {
            world.replay(record).map_err(|source| StoreError::Corrupt {
                path: path.to_path_buf(),
                source,
            })?;
        }
        good += n as u64;
    }
    Ok(good)
}

/// Writes `bytes` to `path` whole or not at all, as seen by any process: a temporary file
/// renamed into place. No fsync, as for the journal: a `kill -9` cannot cut it short.
fn write_whole(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let tmp = path.with_extension(format!("tmp-{}", uuid::Uuid::new_v4().simple()));
    fs::write(&tmp, bytes).map_err(io_err("write", &tmp))?;
    fs::rename(&tmp, path).map_err(io_err("rename into place", path))
}

/// Writes `bytes` to `path` durably: a temporary file, fsynced, renamed into place, and the
/// rename fsynced too. For `state.json`, after which the journal is emptied.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let tmp = path.with_extension(format!("tmp-{}", uuid::Uuid::new_v4().simple()));
    let mut file = fs::File::create(&tmp).map_err(io_err("create", &tmp))?;
    file.write_all(bytes).map_err(io_err("write", &tmp))?;
    file.sync_all().map_err(io_err("sync", &tmp))?;
    drop(file);
    fs::rename(&tmp, path).map_err(io_err("rename into place", path))?;
    // Make the rename itself durable.
    if let Some(parent) = path.parent()
        && let Ok(d) = fs::File::open(parent)
    {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blobs_round_trip_and_state_survives_reopen() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        let id = store.put_blob(b"hello").expect("put");
        assert_eq!(store.get_blob(&id).expect("get"), b"hello");
        store.write(|_| Ok::<_, StoreError>(())).expect("write");
        drop(store);
        let again = Store::open(dir.path()).expect("reopen");
        assert_eq!(again.read(|w| w.generation), 1);
    }

    fn bucket(name: &str) -> crate::sandbox::s3::Bucket {
        crate::sandbox::s3::Bucket::new(name, "us-east-1", 0)
    }

    #[test]
    fn writes_are_journaled_and_replayed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        store
            .write(|w| {
                w.s3.buckets.insert("a".to_owned(), bucket("a"));
                w.s3.buckets.insert("b".to_owned(), bucket("b"));
                Ok::<_, StoreError>(())
            })
            .expect("write");
        store
            .write(|w| {
                w.s3.buckets.remove("a");
                Ok::<_, StoreError>(())
            })
            .expect("write");
        // A failed write changes nothing, also not on disk.
        let failed: Result<(), StoreError> = store.write(|w| {
            w.s3.buckets.insert("c".to_owned(), bucket("c"));
            w.s3.buckets.remove("c");
            Err(StoreError::MissingBlob("x".to_owned()))
        });
        assert!(failed.is_err());
        drop(store);
        assert!(
            !dir.path().join("state.json").exists(),
            "small writes only append to the journal"
        );
        let again = Store::open(dir.path()).expect("reopen");
        let names: Vec<String> = again.read(|w| w.s3.buckets.keys().cloned().collect());
        assert_eq!(names, ["b"]);
        assert_eq!(again.read(|w| w.generation), 2);
    }

    #[test]
    fn a_line_cut_short_by_a_kill_is_dropped() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        store
            .write(|w| {
                w.s3.buckets.insert("kept".to_owned(), bucket("kept"));
                Ok::<_, StoreError>(())
            })
            .expect("write");
        drop(store);
        let journal = dir.path().join("journal.jsonl");
        let mut text = fs::read(&journal).expect("journal");
        text.extend_from_slice(
            br#"{"seq":2,"generation":2,"clock":{},"changes":[["s3.buckets","lost"#,
        );
        fs::write(&journal, &text).expect("torn line");
        let again = Store::open(dir.path()).expect("reopen");
        assert_eq!(
            again.read(|w| w.s3.buckets.keys().cloned().collect::<Vec<_>>()),
            ["kept"]
        );
        again
            .write(|w| {
                w.s3.buckets.insert("next".to_owned(), bucket("next"));
                Ok::<_, StoreError>(())
            })
            .expect("write after the torn line");
        drop(again);
        let third = Store::open(dir.path()).expect("reopen");
        assert_eq!(
            third.read(|w| w.s3.buckets.keys().cloned().collect::<Vec<_>>()),
            ["kept", "next"]
        );
    }

    #[test]
    fn compaction_folds_the_journal_into_the_state() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        let policy = "x".repeat(64 << 10);
        let mut i = 0;
        while !dir.path().join("state.json").exists() {
            i += 1;
            assert!(i < 1000, "compacted within a bounded number of writes");
            store
                .write(|w| {
                    let mut b = bucket(&format!("b{i}"));
                    b.policy = Some(policy.clone());
                    w.s3.buckets.insert(format!("b{i}"), b);
                    Ok::<_, StoreError>(())
                })
                .expect("write");
        }
        let journal = fs::metadata(dir.path().join("journal.jsonl")).expect("journal");
        assert!(journal.len() < COMPACT_AT, "the journal started over");
        drop(store);
        let again = Store::open(dir.path()).expect("reopen");
        assert_eq!(again.read(|w| w.s3.buckets.len()), i);
    }

    #[test]
    fn corrupt_state_is_reported_not_overwritten() {
        let dir = tempfile::tempdir().expect("tempdir");
        fs::write(dir.path().join("state.json"), b"{not json").expect("write");
        let err = Store::open(dir.path()).err().expect("must fail");
        assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
        assert_eq!(
            fs::read(dir.path().join("state.json")).expect("read"),
            b"{not json"
        );
    }
}
