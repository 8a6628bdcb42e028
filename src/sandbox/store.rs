//! The sandbox's persistent world: every bucket, object, role and job.
//!
//! All metadata lives in one [`World`] value behind a mutex. Each mutating request runs a closure
//! on it and then the whole world is written to `state.json` atomically (write a temporary file,
//! fsync, rename), so a killed sandbox restarts with a consistent state and never a torn one.
//! Object bodies are content-addressed blobs under `blobs/` (named by their SHA-256), written
//! before the metadata that refers to them, so a crash can leave an orphan blob but never a
//! dangling reference.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::clock::ClockState;
use super::iam::IamState;
use super::s3::S3State;
use super::sagemaker::SageMakerState;

/// Everything the sandbox knows, serialised as one JSON document.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct World {
    /// Incremented by every persisted write; lets tests and the admin dump see that state moved.
    pub generation: u64,
    /// Where the sandbox's clock stands, so that a restart continues from there.
    pub clock: ClockState,
    pub s3: S3State,
    pub iam: IamState,
    pub sagemaker: SageMakerState,
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
    world: Mutex<World>,
}

impl Store {
    /// Opens (or creates) the state in `dir`, loading `state.json` if present.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        fs::create_dir_all(dir.join("blobs")).map_err(io_err("create", dir))?;
        let state_path = dir.join("state.json");
        let world = match fs::read(&state_path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|source| StoreError::Corrupt {
                path: state_path.clone(),
                source,
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => World::default(),
            Err(e) => return Err(io_err("read", &state_path)(e)),
        };
        Ok(Self {
            dir: dir.to_path_buf(),
            world: Mutex::new(world),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn lock(&self) -> MutexGuard<'_, World> {
        // A handler that panicked while holding the lock left the world as it was before its
        // closure ran to completion at worst; keep serving rather than poisoning every request.
        self.world
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Runs a read-only closure on the world.
    pub fn read<R>(&self, f: impl FnOnce(&World) -> R) -> R {
        f(&self.lock())
    }

    /// Runs a mutating closure and persists the world when it returns `Ok`. On `Err` the closure
    /// must not have changed anything (validate first, then mutate).
    pub fn write<R, E>(&self, f: impl FnOnce(&mut World) -> Result<R, E>) -> Result<R, E>
    where
        E: From<StoreError>,
    {
        let mut world = self.lock();
        let out = f(&mut world)?;
        world.generation += 1;
        self.persist(&world)?;
        Ok(out)
    }

    /// Replaces the whole world (admin reset) and persists it.
    /// Forgets every resource, then lets `seed` add what a fresh sandbox starts with.
    /// The clock is kept: time never runs back.
    pub fn reset(&self, seed: impl FnOnce(&mut World)) -> Result<(), StoreError> {
        let mut world = self.lock();
        *world = World {
            clock: world.clock,
            ..World::default()
        };
        seed(&mut world);
        self.persist(&world)
    }

    pub fn snapshot(&self) -> World {
        self.lock().clone()
    }

    fn persist(&self, world: &World) -> Result<(), StoreError> {
        let json = serde_json::to_vec_pretty(world).map_err(|source| StoreError::Corrupt {
            path: self.dir.join("state.json"),
            source,
        })?;
        write_atomically(&self.dir.join("state.json"), &json)
    }

    /// Stores an object body and returns its id. Idempotent: equal bodies share one file.
    pub fn put_blob(&self, bytes: &[u8]) -> Result<BlobId, StoreError> {
        let id = BlobId::of(bytes);
        let path = self.blob_path(&id);
        if !path.exists() {
            write_atomically(&path, bytes)?;
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

/// Writes `bytes` to `path` so that readers see either the old or the new content, never a mix.
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
