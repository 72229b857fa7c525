//! [`ImageStore`] over the `object_store` crate: pictures in a local directory (the embedded
//! default, served by the binary under `/images/`), in S3-compatible object storage (MinIO, Ceph,
//! AWS S3), or in memory (tests).

use std::path::Path as FsPath;
use std::sync::Arc;

use async_trait::async_trait;
use meiduo_domain::ports::{ImageStore, ImageStoreError};
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::{ObjectStore, PutPayload};

/// Where an S3-compatible store is and which bucket holds the pictures. Credentials come from
/// the standard `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`)
/// variables, never from the shop's own settings files.
#[derive(Debug, Clone, Default)]
pub struct S3Location {
    pub bucket: String,
    /// The endpoint for MinIO, Ceph or a test server (`http://127.0.0.1:9000`); empty: AWS.
    pub endpoint: String,
    pub region: String,
}

/// Pictures in an object store.
#[derive(Clone)]
pub struct ObjectImages {
    store: Arc<dyn ObjectStore>,
    /// What the log calls it.
    describe: String,
    /// Whether the store keeps a content type with each object (a local directory does not).
    typed: bool,
}

impl std::fmt::Debug for ObjectImages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectImages").field("store", &self.describe).finish()
    }
}

fn unavailable(error: object_store::Error) -> ImageStoreError {
    ImageStoreError::Unavailable(error.to_string())
}

/// A stored picture's path: relative, of plain segments (no `..`, no empty segment).
fn object_path(path: &str) -> Result<Path, ImageStoreError> {
    let plain = !path.is_empty()
        && path.split('/').all(|segment| {
            !segment.is_empty()
                && segment != "."
                && segment != ".."
                && segment.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        });
    if !plain {
        return Err(ImageStoreError::Unavailable(format!("not a picture's path: {path:?}")));
    }
    Path::parse(path).map_err(|e| ImageStoreError::Unavailable(e.to_string()))
}

impl ObjectImages {
    /// Pictures as files under `dir` (created if missing).
    ///
    /// # Errors
    /// When the directory cannot be created or used.
    pub fn local(dir: &FsPath) -> Result<Self, ImageStoreError> {
        std::fs::create_dir_all(dir).map_err(|e| {
            ImageStoreError::Unavailable(format!("the picture directory {}: {e}", dir.display()))
        })?;
        let store = LocalFileSystem::new_with_prefix(dir).map_err(unavailable)?;
        let describe = format!("directory {}", dir.display());
        Ok(ObjectImages { store: Arc::new(store), describe, typed: false })
    }

    /// Pictures in an S3 bucket.
    ///
    /// # Errors
    /// When the location is incomplete.
    pub fn s3(location: &S3Location) -> Result<Self, ImageStoreError> {
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(&location.bucket);
        if !location.region.is_empty() {
            builder = builder.with_region(&location.region);
        }
        if !location.endpoint.is_empty() {
            builder = builder
                .with_endpoint(&location.endpoint)
                .with_allow_http(location.endpoint.starts_with("http://"))
                .with_virtual_hosted_style_request(false);
        }
        let store = builder.build().map_err(unavailable)?;
        let describe = format!("s3 bucket {} at {}", location.bucket, location.endpoint);
        Ok(ObjectImages { store: Arc::new(store), describe, typed: true })
    }

    /// Pictures in this process's memory (tests, throwaway servers).
    pub fn in_memory() -> Self {
        ObjectImages { store: Arc::new(InMemory::new()), describe: "memory".into(), typed: true }
    }
}

#[async_trait]
impl ImageStore for ObjectImages {
    async fn put(
        &self,
        path: &str,
        bytes: Vec<u8>,
        content_type: &str,
    ) -> Result<(), ImageStoreError> {
        let path = object_path(path)?;
        let mut options = object_store::PutOptions::default();
        if self.typed {
            options.attributes = object_store::Attributes::from_iter([(
                object_store::Attribute::ContentType,
                object_store::AttributeValue::from(content_type.to_owned()),
            )]);
        }
        self.store.put_opts(&path, PutPayload::from(bytes), options).await.map_err(unavailable)?;
        Ok(())
    }

    async fn get(&self, path: &str) -> Result<Option<Vec<u8>>, ImageStoreError> {
        let Ok(path) = object_path(path) else {
            return Ok(None);
        };
        match self.store.get(&path).await {
            Ok(found) => Ok(Some(found.bytes().await.map_err(unavailable)?.to_vec())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(error) => Err(unavailable(error)),
        }
    }

    async fn delete(&self, path: &str) -> Result<(), ImageStoreError> {
        let path = object_path(path)?;
        match self.store.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(unavailable(error)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_plain_relative_segments() {
        for bad in ["", "/etc/passwd", "../x.png", "a//b.png", "a/./b.png", "a b.png", "a\\b.png"] {
            assert!(object_path(bad).is_err(), "{bad:?} was taken");
        }
        assert!(object_path("skus/12/3f9c.png").is_ok());
    }

    #[tokio::test]
    async fn a_local_directory_keeps_and_forgets_files() {
        let dir = std::env::temp_dir().join(format!("meiduo-images-{}", std::process::id()));
        let images = ObjectImages::local(&dir).unwrap();
        images.put("skus/1/a.png", b"png bytes".to_vec(), "image/png").await.unwrap();
        assert_eq!(std::fs::read(dir.join("skus/1/a.png")).unwrap(), b"png bytes");
        assert_eq!(images.get("skus/1/a.png").await.unwrap().as_deref(), Some(&b"png bytes"[..]));
        images.delete("skus/1/a.png").await.unwrap();
        assert_eq!(images.get("skus/1/a.png").await.unwrap(), None);
        images.delete("skus/1/a.png").await.unwrap();
        assert_eq!(images.get("../secret").await.unwrap(), None);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
