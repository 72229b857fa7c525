//! The S3 adapter against a real S3 API: the server at `MEIDUO_TEST_S3_URL` (moto's, on
//! loopback, under `.ci/run`), bucket `MEIDUO_TEST_S3_BUCKET`, credentials from the standard
//! `AWS_*` variables.

use meiduo_domain::ports::ImageStore;
use meiduo_images::{ObjectImages, S3Location};

fn location() -> Option<S3Location> {
    let Ok(endpoint) = std::env::var("MEIDUO_TEST_S3_URL") else {
        eprintln!("SKIPPED: MEIDUO_TEST_S3_URL is not set; the S3 adapter was not tested");
        return None;
    };
    let bucket = std::env::var("MEIDUO_TEST_S3_BUCKET").unwrap_or_else(|_| "meiduo-images".into());
    Some(S3Location { bucket, endpoint, region: "us-east-1".into() })
}

#[tokio::test]
async fn pictures_are_stored_read_replaced_and_removed_in_a_bucket() {
    let Some(location) = location() else { return };
    let images = ObjectImages::s3(&location).unwrap();
    let path = format!("skus/7/{}.png", std::process::id());
    images.put(&path, b"first".to_vec(), "image/png").await.unwrap();
    assert_eq!(images.get(&path).await.unwrap().as_deref(), Some(&b"first"[..]));
    images.put(&path, b"second".to_vec(), "image/png").await.unwrap();
    assert_eq!(images.get(&path).await.unwrap().as_deref(), Some(&b"second"[..]));
    images.delete(&path).await.unwrap();
    assert_eq!(images.get(&path).await.unwrap(), None);
    // Deleting what is not there is no error.
    images.delete(&path).await.unwrap();
}

#[tokio::test]
async fn a_bucket_that_does_not_exist_is_an_error_not_a_panic() {
    let Some(mut location) = location() else { return };
    location.bucket = "no-such-bucket-of-meiduo".into();
    let images = ObjectImages::s3(&location).unwrap();
    assert!(images.put("skus/1/a.png", b"x".to_vec(), "image/png").await.is_err());
}
