//! The index against a handful of SKUs: what matches, in which order, and how it follows changes.
#![allow(clippy::unwrap_used)]

use meiduo_domain::SkuId;
use meiduo_domain::ports::{SkuDocument, SkuIndex};
use meiduo_search::TantivySkuIndex;

fn sku(id: u64, name: &str, spu: &str, brand: &str, category: &str, sales: u64) -> SkuDocument {
    let top = if category == "手机" {
        ["手机 相机 数码", "手机通讯"]
    } else {
        ["电脑 办公", "电脑整机"]
    };
    SkuDocument {
        id: SkuId(id),
        name: name.to_owned(),
        caption: String::new(),
        spu: spu.to_owned(),
        brand: brand.to_owned(),
        categories: vec![top[0].to_owned(), top[1].to_owned(), category.to_owned()],
        sales,
        is_launched: true,
    }
}

fn catalog() -> Vec<SkuDocument> {
    vec![
        sku(
            1,
            "Apple iPhone 8 Plus (A1864) 64GB 金色 移动联通电信4G手机",
            "Apple iPhone 8 Plus",
            "Apple",
            "手机",
            5,
        ),
        sku(
            2,
            "Apple iPhone 8 Plus (A1864) 256GB 深空灰色 移动联通电信4G手机",
            "Apple iPhone 8 Plus",
            "Apple",
            "手机",
            9,
        ),
        sku(
            3,
            "华为 HUAWEI P10 Plus 6GB+64GB 钻雕金 移动联通电信4G手机 双卡双待",
            "华为 HUAWEI P10 Plus",
            "华为（HUAWEI）",
            "手机",
            3,
        ),
        sku(
            4,
            "华为 HUAWEI P10 Plus 6GB+128GB 曜石黑 移动联通电信4G手机 双卡双待",
            "华为 HUAWEI P10 Plus",
            "华为（HUAWEI）",
            "手机",
            1,
        ),
        sku(
            5,
            "华为 MateBook X 13英寸超轻薄微边框笔记本电脑",
            "华为 MateBook X",
            "华为（HUAWEI）",
            "笔记本",
            7,
        ),
        SkuDocument {
            is_launched: false,
            ..sku(6, "华为 HUAWEI P10 下架款", "华为 HUAWEI P10", "华为（HUAWEI）", "手机", 99)
        },
    ]
}

async fn built() -> TantivySkuIndex {
    let index = TantivySkuIndex::new();
    index.rebuild(catalog()).await.unwrap();
    index
}

async fn ids(index: &TantivySkuIndex, text: &str) -> Vec<u64> {
    let hits = index.search(text, 0, 10).await.unwrap().expect("built");
    assert_eq!(hits.count as usize, hits.ids.len(), "{text}: one page holds every hit");
    hits.ids.into_iter().map(|id| id.0).collect()
}

#[tokio::test]
async fn nothing_is_answered_before_the_first_build() {
    let index = TantivySkuIndex::new();
    assert_eq!(index.search("华为", 0, 10).await.unwrap(), None);
    assert_eq!(index.size(), None);
    index.apply(catalog(), vec![]).await.unwrap();
    assert_eq!(index.size(), None, "changes before the build are the build's to read");
}

#[tokio::test]
async fn every_word_must_match_somewhere_and_unlaunched_skus_are_left_out() {
    let index = built().await;
    assert_eq!(index.size(), Some(5));
    assert_eq!(ids(&index, "华为 手机").await, [3, 4], "Huawei phones, not the laptop");
    assert_eq!(ids(&index, "华为手机").await, [3, 4]);
    assert_eq!(ids(&index, "华为P10").await, [3, 4]);
    assert_eq!(ids(&index, "huawei 笔记本").await, [5]);
    assert_eq!(ids(&index, "iphone 8 plus 64gb").await, [1]);
    assert_eq!(
        ids(&index, "ＩＰＨＯＮＥ").await,
        [2, 1],
        "full width, upper case; the better seller first"
    );
    assert!(ids(&index, "三星").await.is_empty());
    assert!(ids(&index, "华为 三星").await.is_empty());
    assert!(ids(&index, "，。！").await.is_empty());
}

#[tokio::test]
async fn the_whole_name_comes_first() {
    let index = built().await;
    let found = ids(&index, "Apple iPhone 8 Plus (A1864) 64GB 金色 移动联通电信4G手机").await;
    assert_eq!(found, [1]);
    let found =
        ids(&index, "华为 HUAWEI P10 Plus 6GB+128GB 曜石黑 移动联通电信4G手机 双卡双待").await;
    assert_eq!(found.first(), Some(&4));
}

#[tokio::test]
async fn pages_follow_the_ranking() {
    let index = built().await;
    let all = ids(&index, "手机").await;
    assert_eq!(all.len(), 4);
    let second = index.search("手机", 2, 2).await.unwrap().unwrap();
    assert_eq!(second.count, 4);
    assert_eq!(second.ids.iter().map(|id| id.0).collect::<Vec<_>>(), all[2..]);
}

#[tokio::test]
async fn changes_apply_and_a_rebuild_replaces_everything() {
    let index = built().await;
    let mut renamed = catalog().remove(4);
    renamed.name = "华为 MateBook 14 轻薄笔记本".to_owned();
    let mut off_sale = catalog().remove(0);
    off_sale.is_launched = false;
    let relaunched = SkuDocument { is_launched: true, ..catalog().remove(5) };
    index.apply(vec![renamed, off_sale, relaunched], vec![SkuId(4)]).await.unwrap();
    assert_eq!(ids(&index, "matebook 14").await, [5]);
    assert!(ids(&index, "13英寸").await.is_empty(), "the old name is gone");
    assert_eq!(ids(&index, "iphone").await, [2], "taken off sale");
    assert_eq!(ids(&index, "华为 P10").await, [6, 3], "relaunched; 4 removed");
    index.rebuild(catalog()).await.unwrap();
    assert_eq!(ids(&index, "华为 P10").await, [3, 4]);
}

#[tokio::test]
async fn a_change_read_again_is_kept_and_a_removed_sku_comes_back_with_its_document() {
    let index = built().await;
    let mut renamed = catalog().remove(4);
    renamed.name = "华为 MateBook 14 轻薄笔记本".to_owned();
    for _ in 0..3 {
        // The refresh reads the same change again within its look-back.
        index.apply(vec![renamed.clone()], vec![]).await.unwrap();
        assert_eq!(ids(&index, "matebook 14").await, [5]);
    }
    // Taken out (a search found it off sale), then the same document read again: back in.
    index.apply(vec![], vec![SkuId(5)]).await.unwrap();
    assert!(ids(&index, "matebook 14").await.is_empty());
    index.apply(vec![renamed], vec![]).await.unwrap();
    assert_eq!(ids(&index, "matebook 14").await, [5]);
}
