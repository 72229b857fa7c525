//! The SQL cart store's behaviour.

#![allow(clippy::unwrap_used)]

use meiduo_domain::ports::CartStore;
use meiduo_domain::{CartLine, SkuId};
use meiduo_store_sql::testing::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sql_cart_behaves_as_a_cart_store() {
    for db in engines().await {
        let db = db.with_catalog().await;
        let user = db.user("carter").await;
        let other = db.user("neighbour").await;
        let cart: &dyn CartStore = &db.store;

        assert!(
            cart.load(user).await.unwrap().is_empty(),
            "{}: a new user's cart is empty",
            db.engine
        );

        // Adding increments, and sets the selected flag.
        assert_eq!(cart.add(user, line(1, 2)).await.unwrap(), 2);
        assert_eq!(cart.add(user, CartLine { selected: false, ..line(1, 3) }).await.unwrap(), 5);
        let loaded = cart.load(user).await.unwrap();
        assert_eq!(loaded.get(SkuId(1)).unwrap().count.get(), 5, "{}", db.engine);
        assert!(!loaded.get(SkuId(1)).unwrap().selected);

        // Setting replaces.
        cart.set(user, line(1, 1)).await.unwrap();
        cart.set(user, line(3, 4)).await.unwrap();
        cart.set(user, line(5, 1)).await.unwrap();
        let loaded = cart.load(user).await.unwrap();
        assert_eq!(loaded.get(SkuId(1)).unwrap().count.get(), 1);
        assert!(loaded.get(SkuId(1)).unwrap().selected);
        assert_eq!(loaded.len(), 3);

        // Another user's cart is separate.
        cart.add(other, line(1, 7)).await.unwrap();
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
        assert_eq!(cart.load(other).await.unwrap().len(), 1, "{}", db.engine);

        // Merging: the merged line's count and flag win; other lines stay.
        cart.merge(user, &[CartLine { selected: false, ..line(3, 9) }, line(6, 2)]).await.unwrap();
        let loaded = cart.load(user).await.unwrap();
        assert_eq!(loaded.get(SkuId(3)).unwrap().count.get(), 9);
        assert!(!loaded.get(SkuId(3)).unwrap().selected);
        assert_eq!(loaded.get(SkuId(6)).unwrap().count.get(), 2);
        assert_eq!(loaded.len(), 2, "{}", db.engine);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_adds_to_one_line_are_never_lost() {
    for db in engines().await {
        let db = db.with_catalog().await;
        let user = db.user("hammer").await;
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let store = db.store.clone();
                tokio::spawn(async move { store.add(user, line(2, 1)).await })
            })
            .collect();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        let cart = db.store.load(user).await.unwrap();
        assert_eq!(cart.get(SkuId(2)).unwrap().count.get(), 20, "{}", db.engine);
    }
}
