//! The SKU search index: tantivy in memory, Chinese text segmented by jieba.
//!
//! Each SKU on sale is one document: its name, caption, SPU name, brand and category names,
//! each segmented in jieba's search mode (long words also give their shorter words), lowercased,
//! full-width Latin letters and digits folded to ASCII; tokens without a letter or digit
//! (spaces, punctuation) are dropped. A query is segmented the same way and every one of its
//! words must match in some field; BM25 ranks, with the name weighted most, then the brand,
//! the SPU, the category and the caption, and a query equal to a SKU's whole name puts it first.
//! Scores within about 5% of each other are a tie, which the better seller wins.
//!
//! The index lives in memory: each process builds its own from the database at start
//! ([`TantivySkuIndex::rebuild`]) and applies changes as they are read back
//! ([`TantivySkuIndex::apply`]), so that every replica follows the database.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use async_trait::async_trait;
use jieba_rs::Jieba;
use meiduo_domain::SkuId;
use meiduo_domain::ports::{SearchHits, SkuDocument, SkuIndex, StoreError};
use tantivy::collector::{Count, TopDocs};
use tantivy::indexer::NoMergePolicy;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{TextAnalyzer, Token, TokenStream, Tokenizer};
use tantivy::{DocId, Index, IndexReader, IndexWriter, ReloadPolicy, Score, TantivyDocument, Term};

/// The tokenizer's name in the index.
const TOKENIZER: &str = "meiduo_jieba";
/// The indexing memory of the one writer thread: tantivy's minimum (the arena is sized by it,
/// and the allocator keeps it). A writer exists only while it writes; a full build's segments
/// are then merged into one, for the fastest searches.
const WRITER_MEMORY: usize = 15_000_000;
/// How much a match in each field weighs.
const NAME_BOOST: Score = 3.0;
const BRAND_BOOST: Score = 2.0;
const SPU_BOOST: Score = 1.5;
const CATEGORY_BOOST: Score = 1.0;
const CAPTION_BOOST: Score = 0.5;
/// How much a query equal to the whole name weighs.
const EXACT_NAME_BOOST: Score = 20.0;
/// Scores whose logarithms round to the same multiple of this are a tie (about 5% apart).
const SCORE_STEP: Score = 0.05;
/// The longest token indexed (longer runs of letters and digits are not words).
const MAX_TOKEN_CHARS: usize = 40;

/// The dictionary: loaded once per process (about a quarter of a second), shared by every index.
fn jieba() -> &'static Jieba {
    static JIEBA: OnceLock<Jieba> = OnceLock::new();
    JIEBA.get_or_init(Jieba::new)
}

/// Lowercases and folds full-width ASCII (`Ｐ１０` → `p10`) and the ideographic space.
pub fn normalize(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// The words of a text as the index sees them, in order (search mode: a long word is followed
/// by the shorter words inside it).
pub fn words(text: &str) -> Vec<String> {
    let text = normalize(text);
    jieba()
        .cut_for_search(&text, true)
        .into_iter()
        .map(|token| token.word)
        .filter(|word| {
            word.chars().any(char::is_alphanumeric) && word.chars().count() <= MAX_TOKEN_CHARS
        })
        .map(str::to_owned)
        .collect()
}

/// The whole name as the exact-name field keeps it: normalized, spaces collapsed.
fn exact(text: &str) -> String {
    normalize(text).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// jieba as a tantivy tokenizer.
#[derive(Clone, Copy, Debug, Default)]
struct JiebaTokenizer;

/// The tokens of one text, segmented up front.
#[derive(Debug)]
struct Tokens {
    tokens: Vec<Token>,
    next: usize,
}

impl TokenStream for Tokens {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

impl Tokenizer for JiebaTokenizer {
    type TokenStream<'a> = Tokens;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Tokens {
        let tokens = words(text)
            .into_iter()
            .enumerate()
            .map(|(position, text)| Token {
                offset_from: 0,
                offset_to: 0,
                position,
                position_length: 1,
                text,
            })
            .collect();
        Tokens { tokens, next: 0 }
    }
}

#[derive(Clone, Copy, Debug)]
struct Fields {
    id: Field,
    sales: Field,
    name: Field,
    exact_name: Field,
    caption: Field,
    spu: Field,
    brand: Field,
    category: Field,
}

impl Fields {
    fn schema() -> (Schema, Fields) {
        let mut builder = Schema::builder();
        let text = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(TOKENIZER)
                .set_index_option(IndexRecordOption::WithFreqs),
        );
        let raw = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer("raw")
                .set_index_option(IndexRecordOption::Basic),
        );
        let fields = Fields {
            id: builder.add_u64_field("id", INDEXED | FAST),
            sales: builder.add_u64_field("sales", FAST),
            name: builder.add_text_field("name", text.clone()),
            exact_name: builder.add_text_field("exact_name", raw),
            caption: builder.add_text_field("caption", text.clone()),
            spu: builder.add_text_field("spu", text.clone()),
            brand: builder.add_text_field("brand", text.clone()),
            category: builder.add_text_field("category", text),
        };
        (builder.build(), fields)
    }

    fn document(&self, sku: &SkuDocument) -> TantivyDocument {
        let mut doc = TantivyDocument::default();
        doc.add_u64(self.id, sku.id.0);
        doc.add_u64(self.sales, sku.sales);
        doc.add_text(self.name, &sku.name);
        doc.add_text(self.exact_name, exact(&sku.name));
        doc.add_text(self.caption, &sku.caption);
        doc.add_text(self.spu, &sku.spu);
        doc.add_text(self.brand, &sku.brand);
        for category in &sku.categories {
            doc.add_text(self.category, category);
        }
        doc
    }

    /// Every word must match in some field; the whole name adds its boost.
    fn query(&self, text: &str) -> Option<BooleanQuery> {
        let mut words = words(text);
        let mut seen = std::collections::HashSet::new();
        words.retain(|word| seen.insert(word.clone()));
        if words.is_empty() {
            return None;
        }
        let weighted = [
            (self.name, NAME_BOOST),
            (self.brand, BRAND_BOOST),
            (self.spu, SPU_BOOST),
            (self.category, CATEGORY_BOOST),
            (self.caption, CAPTION_BOOST),
        ];
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = words
            .iter()
            .map(|word| {
                let any_field: Vec<(Occur, Box<dyn Query>)> = weighted
                    .iter()
                    .map(|&(field, boost)| {
                        let term = TermQuery::new(
                            Term::from_field_text(field, word),
                            IndexRecordOption::WithFreqs,
                        );
                        (Occur::Should, Box::new(BoostQuery::new(Box::new(term), boost)) as _)
                    })
                    .collect();
                (Occur::Must, Box::new(BooleanQuery::new(any_field)) as Box<dyn Query>)
            })
            .collect();
        let whole = TermQuery::new(
            Term::from_field_text(self.exact_name, &exact(text)),
            IndexRecordOption::Basic,
        );
        clauses.push((Occur::Should, Box::new(BoostQuery::new(Box::new(whole), EXACT_NAME_BOOST))));
        Some(BooleanQuery::new(clauses))
    }
}

/// A built index: read by any number of searches, written by one writer at a time.
struct Live {
    index: Index,
    reader: IndexReader,
    /// The documents applied since the build, as they were applied: a change read again (the
    /// refresh looks back over its last minute) is not written again. Held while a writer
    /// exists (tantivy allows one per index).
    applied: Mutex<HashMap<SkuId, SkuDocument>>,
    fields: Fields,
}

/// A writer with one indexing thread.
fn writer(index: &Index) -> Result<IndexWriter, StoreError> {
    index.writer_with_num_threads(1, WRITER_MEMORY).map_err(|e| failed("opening the writer", e))
}

fn failed(what: &str, error: impl std::fmt::Display) -> StoreError {
    StoreError::unexpected(format!("search index: {what}: {error}"))
}

impl Live {
    fn build(documents: &[SkuDocument]) -> Result<Live, StoreError> {
        let (schema, fields) = Fields::schema();
        let index = Index::create_in_ram(schema);
        index.tokenizers().register(TOKENIZER, TextAnalyzer::from(JiebaTokenizer));
        let mut writer = writer(&index)?;
        // Merged once, below, rather than in the background while it is written.
        writer.set_merge_policy(Box::new(NoMergePolicy));
        for sku in documents.iter().filter(|sku| sku.is_launched) {
            writer.add_document(fields.document(sku)).map_err(|e| failed("adding", e))?;
        }
        writer.commit().map_err(|e| failed("committing", e))?;
        let segments = index.searchable_segment_ids().map_err(|e| failed("listing", e))?;
        if segments.len() > 1 {
            writer.merge(&segments).wait().map_err(|e| failed("merging", e))?;
        }
        writer.wait_merging_threads().map_err(|e| failed("merging", e))?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(|e| failed("opening the reader", e))?;
        Ok(Live { index, reader, applied: Mutex::default(), fields })
    }

    fn apply(&self, documents: &[SkuDocument], removed: &[SkuId]) -> Result<(), StoreError> {
        let mut applied = self.applied.lock().map_err(|e| failed("the writer's lock", e))?;
        let changed: Vec<&SkuDocument> =
            documents.iter().filter(|sku| applied.get(&sku.id) != Some(*sku)).collect();
        if changed.is_empty() && removed.is_empty() {
            return Ok(());
        }
        let mut writer = writer(&self.index)?;
        let ids = changed.iter().map(|sku| sku.id).chain(removed.iter().copied());
        for id in ids {
            writer.delete_term(Term::from_field_u64(self.fields.id, id.0));
        }
        for sku in changed.iter().filter(|sku| sku.is_launched) {
            writer.add_document(self.fields.document(sku)).map_err(|e| failed("adding", e))?;
        }
        // On an error the writer is dropped uncommitted: nothing of this batch is visible.
        writer.commit().map_err(|e| failed("committing", e))?;
        writer.wait_merging_threads().map_err(|e| failed("merging", e))?;
        self.reader.reload().map_err(|e| failed("reloading", e))?;
        for sku in changed {
            applied.insert(sku.id, sku.clone());
        }
        for id in removed {
            applied.remove(id);
        }
        Ok(())
    }

    fn search(&self, text: &str, offset: u64, limit: u64) -> Result<SearchHits, StoreError> {
        let Some(query) = self.fields.query(text) else {
            return Ok(SearchHits::default());
        };
        let searcher = self.reader.searcher();
        let limit = usize::try_from(limit).unwrap_or(usize::MAX).max(1);
        let offset = usize::try_from(offset).unwrap_or(usize::MAX);
        // Ranked by score in steps of about 5% (names of the same SPU differ by a word or two,
        // which BM25's length normalization would otherwise rank on), then sales, then the
        // lower id.
        let ranked = TopDocs::with_limit(limit).and_offset(offset).tweak_score(
            |segment: &tantivy::SegmentReader| {
                let column = |name: &str| {
                    segment.fast_fields().u64(name).ok().map(|c| c.first_or_default_col(0))
                };
                let (sales, ids) = (column("sales"), column("id"));
                move |doc: DocId, score: Score| {
                    let sales = sales.as_ref().map_or(0, |c| c.get_val(doc));
                    let id = ids.as_ref().map_or(0, |c| c.get_val(doc));
                    let step = (score.max(Score::MIN_POSITIVE).ln() / SCORE_STEP).round() as i64;
                    (step, sales, u64::MAX - id)
                }
            },
        );
        let (top, count) =
            searcher.search(&query, &(ranked, Count)).map_err(|e| failed("searching", e))?;
        let ids = top.into_iter().map(|((_, _, id), _)| SkuId(u64::MAX - id)).collect();
        Ok(SearchHits { count: count as u64, ids })
    }

    fn size(&self) -> u64 {
        self.reader.searcher().num_docs()
    }
}

/// The index of SKUs on sale, empty until its first [`SkuIndex::rebuild`].
#[derive(Clone, Default)]
pub struct TantivySkuIndex {
    live: Arc<RwLock<Option<Arc<Live>>>>,
}

impl std::fmt::Debug for TantivySkuIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TantivySkuIndex").field("size", &self.size()).finish()
    }
}

impl TantivySkuIndex {
    pub fn new() -> Self {
        Self::default()
    }

    /// The bytes the built index's segments take (postings, fast fields, term dictionaries),
    /// for capacity planning; `None` before it is built.
    pub fn index_bytes(&self) -> Option<u64> {
        let live = self.live()?;
        live.reader.searcher().space_usage().ok().map(|usage| usage.total().get_bytes())
    }

    fn live(&self) -> Option<Arc<Live>> {
        self.live.read().ok().and_then(|live| live.clone())
    }
}

/// Runs index work off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(work).await.map_err(|e| failed("the index task", e))?
}

#[async_trait]
impl SkuIndex for TantivySkuIndex {
    async fn search(
        &self,
        text: &str,
        offset: u64,
        limit: u64,
    ) -> Result<Option<SearchHits>, StoreError> {
        let Some(live) = self.live() else { return Ok(None) };
        let text = text.to_owned();
        blocking(move || live.search(&text, offset, limit)).await.map(Some)
    }

    async fn rebuild(&self, documents: Vec<SkuDocument>) -> Result<(), StoreError> {
        let built = blocking(move || Live::build(&documents)).await?;
        let mut live = self.live.write().map_err(|e| failed("the index's lock", e))?;
        *live = Some(Arc::new(built));
        Ok(())
    }

    async fn apply(
        &self,
        documents: Vec<SkuDocument>,
        removed: Vec<SkuId>,
    ) -> Result<(), StoreError> {
        let Some(live) = self.live() else { return Ok(()) };
        if documents.is_empty() && removed.is_empty() {
            return Ok(());
        }
        blocking(move || live.apply(&documents, &removed)).await
    }

    fn size(&self) -> Option<u64> {
        self.live().map(|live| live.size())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_fold_case_and_width_and_drop_punctuation() {
        assert_eq!(words("华为P10"), ["华为", "p10"]);
        assert_eq!(words("Ｐ１０ Plus，64GB"), ["p10", "plus", "64gb"]);
        assert!(words("！！ ，").is_empty());
    }

    #[test]
    fn exact_names_collapse_spaces() {
        assert_eq!(exact("  Apple  iPhone 8\u{3000}Plus "), "apple iphone 8 plus");
    }
}
