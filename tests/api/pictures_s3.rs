//! Pictures in a real S3 API: the server at `MEIDUO_TEST_S3_URL` (moto's, on loopback, under
//! `.ci/run`), bucket `MEIDUO_TEST_S3_BUCKET`, credentials from the standard `AWS_*` variables.
//! The adapter on its own, then the admin API storing and the server serving pictures there.

use meiduo_domain::ports::ImageStore;
use meiduo_images::{ObjectImages, S3Location};
use meiduo_test_support::*;
use reqwest::{Method, StatusCode};

fn location() -> Option<S3Location> {
    let endpoint = service_url("MEIDUO_TEST_S3_URL", "S3 picture storage")?;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploaded_pictures_are_kept_in_the_bucket_and_served_from_it() {
    let Some(location) = location() else { return };
    let mut settings = test_settings();
    settings.images.store = "s3".into();
    settings.images.s3_bucket = location.bucket.clone();
    settings.images.s3_endpoint = location.endpoint.clone();
    settings.images.s3_region = location.region.clone();
    let app = spawn_with_settings(sqlite().await.with_catalog().await, None, settings).await;
    let admin = crate::admin::staff(&app, "bucket_admin", "13700000051", &[]).await;
    let uploaded = admin
        .upload(
            Method::POST,
            "/meiduo_admin/skus/images/",
            &[("sku", "1")],
            Some(("image", crate::catalog_admin::PNG.to_vec())),
        )
        .await;
    assert_eq!(uploaded.status, StatusCode::CREATED, "{uploaded:?}");
    let url = uploaded.body["image"].as_str().unwrap();
    let path = url.strip_prefix(app.settings.image_host.as_str()).unwrap().to_owned();
    // In the bucket itself, as another replica would read it.
    let bucket = ObjectImages::s3(&location).unwrap();
    assert_eq!(bucket.get(&path).await.unwrap().as_deref(), Some(&crate::catalog_admin::PNG[..]));
    let (status, bytes) = app.session().get_bytes(&format!("/images/{path}")).await;
    assert_eq!((status, bytes.as_slice()), (StatusCode::OK, &crate::catalog_admin::PNG[..]));
    let picture = uploaded.body["id"].as_u64().unwrap();
    let deleted = admin.delete(&format!("/meiduo_admin/skus/images/{picture}/"), None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(bucket.get(&path).await.unwrap(), None, "the file left the bucket with its row");
}
