//! One behaviour suite for every cart store: the SQL one (SQLite, and MariaDB when configured)
//! and the Redis one (when configured).

use std::sync::Arc;

use meiduo_domain::ports::CartAddition::{Added, Refused};
use meiduo_domain::ports::CartStore;
use meiduo_domain::{CartLine, SkuId, UserId};
use meiduo_test_support::redis::{redis, redis_cluster};
use meiduo_test_support::*;

/// What every cart store must do. `user` and `other` are two users the store accepts.
async fn behaves_as_a_cart_store(cart: &dyn CartStore, user: UserId, other: UserId, name: &str) {
    assert!(cart.load(user).await.unwrap().is_empty(), "{name}: a new user's cart is empty");

    // Adding increments, and sets the selected flag.
    assert_eq!(cart.add(user, cart_line(1, 2), 200).await.unwrap(), Added(2));
    assert_eq!(
        cart.add(user, CartLine { selected: false, ..cart_line(1, 3) }, 200).await.unwrap(),
        Added(5)
    );
    let loaded = cart.load(user).await.unwrap();
    assert_eq!(loaded.get(SkuId(1)).unwrap().count.get(), 5, "{name}");
    assert!(!loaded.get(SkuId(1)).unwrap().selected);

    // An addition past the bound changes nothing, and says what the line keeps.
    assert_eq!(cart.add(user, cart_line(1, 2), 6).await.unwrap(), Refused { have: 5 }, "{name}");
    assert_eq!(cart.add(user, cart_line(9, 3), 2).await.unwrap(), Refused { have: 0 }, "{name}");
    assert_eq!(
        cart.add(user, cart_line(1, 1), 6).await.unwrap(),
        Added(6),
        "{name}: up to the bound"
    );
    let loaded = cart.load(user).await.unwrap();
    assert_eq!(loaded.get(SkuId(1)).unwrap().count.get(), 6, "{name}");
    assert!(loaded.get(SkuId(1)).unwrap().selected, "{name}");
    assert!(loaded.get(SkuId(9)).is_none(), "{name}: a refused new line is not created");

    // Setting replaces.
    cart.set(user, cart_line(1, 1)).await.unwrap();
    cart.set(user, cart_line(3, 4)).await.unwrap();
    cart.set(user, cart_line(5, 1)).await.unwrap();
    let loaded = cart.load(user).await.unwrap();
    assert_eq!(loaded.get(SkuId(1)).unwrap().count.get(), 1);
    assert!(loaded.get(SkuId(1)).unwrap().selected);
    assert_eq!(loaded.len(), 3);

    // Another user's cart is separate.
    cart.add(other, cart_line(1, 7), 200).await.unwrap();
    assert_eq!(cart.load(user).await.unwrap().get(SkuId(1)).unwrap().count.get(), 1);

    // Select all / none.
    cart.select_all(user, false).await.unwrap();
    assert!(cart.load(user).await.unwrap().selected().is_empty());
    cart.select_all(user, true).await.unwrap();
    assert_eq!(cart.load(user).await.unwrap().selected().len(), 3);

    // Removing touches exactly the given SKUs.
    cart.remove(user, &[SkuId(1), SkuId(5), SkuId(999)]).await.unwrap();
    let loaded = cart.load(user).await.unwrap();
    assert_eq!(loaded.lines().map(|l| l.sku_id).collect::<Vec<_>>(), vec![SkuId(3)]);
    assert_eq!(cart.load(other).await.unwrap().len(), 1, "{name}");

    // Merging: the merged line's count and flag win; other lines stay.
    cart.merge(user, &[CartLine { selected: false, ..cart_line(3, 9) }, cart_line(6, 2)])
        .await
        .unwrap();
    let loaded = cart.load(user).await.unwrap();
    assert_eq!(loaded.get(SkuId(3)).unwrap().count.get(), 9);
    assert!(!loaded.get(SkuId(3)).unwrap().selected);
    assert_eq!(loaded.get(SkuId(6)).unwrap().count.get(), 2);
    assert_eq!(loaded.len(), 2, "{name}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sql_cart_store_behaves() {
    for db in engines().await {
        let db = db.with_catalog().await;
        let (user, other) = (db.user("carter").await, db.user("neighbour").await);
        behaves_as_a_cart_store(&db.store.carts(), user, other, db.engine).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_redis_cart_store_behaves() {
    if let Some(redis) = redis().await {
        behaves_as_a_cart_store(&redis.store, UserId(41), UserId(42), "redis").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_redis_cart_store_behaves_on_a_cluster() {
    if let Some(cluster) = redis_cluster().await {
        // Users whose keys land on different nodes; each user's two keys share a slot.
        for (user, other) in [(41, 42), (1000, 77_777)] {
            behaves_as_a_cart_store(&cluster.store, UserId(user), UserId(other), "redis cluster")
                .await;
        }
        adds_are_never_lost(Arc::new(cluster.store.clone()), UserId(8), "redis cluster").await;
    }
}

/// 20 concurrent one-unit adds to one line add up to 20; with a bound of 12, exactly 12 pass.
async fn adds_are_never_lost(cart: Arc<dyn CartStore>, user: UserId, name: &str) {
    for (sku, bound, expected) in [(2, 200, 20), (4, 12, 12)] {
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let cart = Arc::clone(&cart);
                tokio::spawn(async move { cart.add(user, cart_line(sku, 1), bound).await })
            })
            .collect();
        let mut added = 0;
        for task in tasks {
            if let Added(_) = task.await.unwrap().unwrap() {
                added += 1;
            }
        }
        assert_eq!(added, expected, "{name}: additions that passed the bound {bound}");
        let count = cart.load(user).await.unwrap().get(SkuId(sku)).unwrap().count.get();
        assert_eq!(count, expected, "{name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_adds_to_one_line_are_never_lost() {
    for db in engines().await {
        let db = db.with_catalog().await;
        let user = db.user("hammer").await;
        adds_are_never_lost(Arc::new(db.store.carts()), user, db.engine).await;
    }
    if let Some(redis) = redis().await {
        adds_are_never_lost(Arc::new(redis.store.clone()), UserId(7), "redis").await;
    }
}

/// The requests of one thread (one HTTP worker) share its connection: 100 carts loaded and
/// changed at once on a single-threaded runtime, each user's transaction (`MULTI`/`EXEC`) and
/// script answered with that user's own lines, over one connection.
#[tokio::test(flavor = "current_thread")]
async fn one_threads_concurrent_commands_share_one_connection_and_keep_their_answers() {
    let Some(redis) = redis().await else { return };
    let store = redis.store.clone();
    let users: Vec<UserId> = (500..600).map(UserId).collect();
    let added = futures_util::future::join_all(users.iter().map(|&user| {
        let store = store.clone();
        async move {
            // Each user's line has a SKU and a count of its own.
            let line = cart_line(user.0 % 7 + 1, (user.0 % 5 + 1) as i64);
            store.add(user, line, 200).await.unwrap()
        }
    }))
    .await;
    for (user, added) in users.iter().zip(added) {
        assert_eq!(added, Added((user.0 % 5 + 1) as u32), "user {}", user.0);
    }
    let carts = futures_util::future::join_all(users.iter().map(|&user| store.load(user))).await;
    for (user, cart) in users.iter().zip(carts) {
        let lines = cart.unwrap().selected();
        assert_eq!(lines.len(), 1, "user {}: their own line only", user.0);
        assert_eq!(lines[0].sku_id, SkuId(user.0 % 7 + 1), "user {}", user.0);
        assert_eq!(lines[0].count.get(), (user.0 % 5 + 1) as u32, "user {}", user.0);
    }
    let (in_use, idle, waiting) = store.pool_status();
    assert_eq!((in_use + idle, waiting), (1, 0), "one connection for the thread, none waiting");
    store.remove_prefixed().await.unwrap();
}
