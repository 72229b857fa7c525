//! Redis adapters on deadpool-redis: the cart ([`CartStore`]), SMS codes
//! ([`VerificationCodes`]), browse history ([`BrowseHistory`]) and a cache ([`Cache`]), on one
//! server or a Redis Cluster.
//!
//! Key layout (see `docs/redis.md`): every key of one user or mobile carries a hash tag, so that
//! keys changed together live in one cluster slot and a MULTI/EXEC or Lua script over them is
//! atomic:
//!
//! | key | type | content |
//! | --- | --- | --- |
//! | `cart_{<user>}` | hash | SKU id → count |
//! | `selected_{<user>}` | set | SKU ids ticked for checkout |
//! | `history_{<user>}` | list | SKU ids, newest first, at most 5 |
//! | `sms_{<mobile>}` | string | the code, expiring after 5 minutes |
//! | `send_flag_{<mobile>}` | string | present for 60 s after a code was sent |
//! | `sms_tries_{<mobile>}` | string | wrong tries of the code, expiring with it |
//! | `img_{<uuid>}`, `img_tries_{<uuid>}` | string | a captcha's text (5 minutes), read once |
//! | `used_{<token id>}` | string | present while a used single-use token would be valid |
//! | `limit:<key>` | string | a rate-limit counter, expiring with its window |
//! | `cache:<name>` | string | a cached JSON document with a short TTL |
//! | `{flash_sale}:<sku>` | string | the units a SKU on flash sale has left (its gate) |
//! | `{flash_sale}:skus` | set | the SKUs that have a gate |
//!
//! Every key starts with the configured prefix (empty in production; one per test). A refused
//! connection or a timeout becomes the domain's "unavailable" error.

use std::sync::LazyLock;
use std::time::Duration;

use async_trait::async_trait;
use deadpool::managed::{self, RecycleResult};
use deadpool_redis::redis::{
    self, AsyncCommands, Cmd, Pipeline, RedisFuture, Script, Value, aio::ConnectionLike,
};
use meiduo_domain::ports::{
    BrowseHistory, Cache, CartAddition, CartStore, CodeCheck, CodeKey, GateTake, RateLimits,
    SaleGate, StoreError, VerificationCodes,
};
use meiduo_domain::{Cart, CartLine, Quantity, SkuId, UserId};

/// How to reach Redis.
#[derive(Debug, Clone)]
pub struct RedisConfig {
    /// `redis://host:6379/0`; with `cluster`, one or more node URLs separated by commas.
    pub url: String,
    pub cluster: bool,
    /// The most connections a thread that uses Redis makes, each shared by that thread's
    /// requests. A request holds one only while it takes a handle on it, so a thread makes more
    /// than one only for requests that ask while one is being made (1: all of a worker's
    /// commands go down one connection, where they travel together).
    pub pool_size: usize,
    /// Waiting for, creating or checking a connection, and each command, at most this long.
    pub timeout: Duration,
    /// Prepended to every key (tests use one each).
    pub prefix: String,
}

impl RedisConfig {
    pub fn new(url: impl Into<String>) -> Self {
        RedisConfig {
            url: url.into(),
            cluster: false,
            pool_size: 1,
            timeout: Duration::from_millis(500),
            prefix: String::new(),
        }
    }
}

/// deadpool-redis's connection manager without its check on every checkout (an `UNWATCH` and a
/// `PING`: one more round trip before each command). A connection is multiplexed and holds no
/// WATCH state here; one that fails for a lost connection is taken out of the pool instead
/// (see [`RedisStore::run`]).
struct Unchecked<M>(M);

impl<M: managed::Manager> managed::Manager for Unchecked<M> {
    type Type = M::Type;
    type Error = M::Error;

    fn create(&self) -> impl Future<Output = Result<M::Type, M::Error>> + Send {
        self.0.create()
    }

    async fn recycle(&self, _: &mut M::Type, _: &managed::Metrics) -> RecycleResult<M::Error> {
        Ok(())
    }
}

type SinglePool = managed::Pool<Unchecked<deadpool_redis::Manager>>;
type ClusterPool = managed::Pool<Unchecked<deadpool_redis::cluster::Manager>>;

#[derive(Clone)]
enum Pool {
    Single(SinglePool),
    Cluster(ClusterPool),
}

impl Pool {
    /// A pool of `config` (no connection is made yet).
    fn of(config: &RedisConfig) -> Result<Self, StoreError> {
        fn pool<M: managed::Manager>(
            manager: M,
            config: &RedisConfig,
        ) -> Result<managed::Pool<Unchecked<M>>, StoreError> {
            managed::Pool::builder(Unchecked(manager))
                .max_size(config.pool_size)
                .wait_timeout(Some(config.timeout))
                .create_timeout(Some(config.timeout))
                .recycle_timeout(Some(config.timeout))
                .runtime(deadpool::Runtime::Tokio1)
                .build()
                .map_err(|e| StoreError::Unexpected(Box::new(e)))
        }
        Ok(if config.cluster {
            let urls: Vec<&str> = config.url.split(',').map(str::trim).collect();
            let manager = deadpool_redis::cluster::Manager::new(urls, false)
                .map_err(|e| StoreError::Unexpected(Box::new(e)))?;
            Pool::Cluster(pool(manager, config)?)
        } else {
            let manager = deadpool_redis::Manager::new(config.url.as_str())
                .map_err(|e| StoreError::Unexpected(Box::new(e)))?;
            Pool::Single(pool(manager, config)?)
        })
    }

    fn weak(&self) -> WeakPool {
        match self {
            Pool::Single(pool) => WeakPool::Single(pool.weak()),
            Pool::Cluster(pool) => WeakPool::Cluster(pool.weak()),
        }
    }

    fn status(&self) -> deadpool::Status {
        match self {
            Pool::Single(pool) => pool.status(),
            Pool::Cluster(pool) => pool.status(),
        }
    }
}

enum WeakPool {
    Single(managed::WeakPool<Unchecked<deadpool_redis::Manager>>),
    Cluster(managed::WeakPool<Unchecked<deadpool_redis::cluster::Manager>>),
}

impl WeakPool {
    fn upgrade(&self) -> Option<Pool> {
        match self {
            WeakPool::Single(pool) => pool.upgrade().map(Pool::Single),
            WeakPool::Cluster(pool) => pool.upgrade().map(Pool::Cluster),
        }
    }
}

/// Numbers the stores, for their pools in each thread.
static STORES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

thread_local! {
    /// This thread's pool of each store that it used.
    static THREAD_POOLS: std::cell::RefCell<Vec<(u64, Pool)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// A store's connections: a pool per thread that uses it. A connection's driver task runs on the
/// runtime of the thread that made it; with one pool per HTTP worker (each worker is a runtime on
/// a thread of its own), a request's commands and their answers stay on the worker's thread,
/// instead of waking another thread for each answer.
///
/// A connection is multiplexed, and shared: a request takes a handle on it and gives the pool's
/// slot back at once, so that every request of a worker sends its commands down the same
/// connection. The commands that a worker's requests issue in one turn of its runtime leave in
/// one write, and their answers come back in one read, instead of a write and a read (and a
/// wake-up of Redis) for each.
struct ThreadPools {
    id: u64,
    config: RedisConfig,
    /// Every pool made, weakly (a thread's pool goes with the thread), for the status.
    made: std::sync::Mutex<Vec<WeakPool>>,
}

impl ThreadPools {
    /// This thread's pool, made at its first use.
    fn here(&self) -> Result<Pool, StoreError> {
        THREAD_POOLS.with(|pools| {
            let mut pools = pools.borrow_mut();
            if let Some((_, pool)) = pools.iter().find(|(id, _)| *id == self.id) {
                return Ok(pool.clone());
            }
            let pool = Pool::of(&self.config)?;
            let mut made = self.made.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            made.retain(|weak| weak.upgrade().is_some());
            made.push(pool.weak());
            pools.push((self.id, pool.clone()));
            Ok(pool)
        })
    }

    /// The pools of the threads still alive.
    fn live(&self) -> Vec<Pool> {
        let made = self.made.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        made.iter().filter_map(WeakPool::upgrade).collect()
    }
}

/// A handle on a pool's shared connection.
enum Link {
    Single(redis::aio::MultiplexedConnection),
    Cluster(redis::cluster_async::ClusterConnection),
}

struct Conn {
    link: Link,
    /// The pool the connection came from, and when the connection was made (which tells it
    /// from the pool's others).
    pool: Pool,
    made: std::time::Instant,
}

impl Conn {
    /// Takes the connection out of its pool: no later command is sent on it (the commands
    /// already sent on it still get their answers).
    fn discard(self) {
        let made = self.made;
        match &self.pool {
            Pool::Single(pool) => drop(pool.retain(|_, metrics| metrics.created != made)),
            Pool::Cluster(pool) => drop(pool.retain(|_, metrics| metrics.created != made)),
        }
    }
}

impl ConnectionLike for Conn {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match &mut self.link {
            Link::Single(c) => c.req_packed_command(cmd),
            Link::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match &mut self.link {
            Link::Single(c) => c.req_packed_commands(pipeline, offset, count),
            Link::Cluster(c) => c.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match &self.link {
            Link::Single(c) => c.get_db(),
            Link::Cluster(c) => c.get_db(),
        }
    }
}

/// Whether the connection failed (refused, dropped, timed out), not the command.
fn connection_lost(err: &redis::RedisError) -> bool {
    err.is_io_error()
        || err.is_timeout()
        || err.is_connection_dropped()
        || err.is_connection_refusal()
}

fn redis_failure(err: redis::RedisError) -> StoreError {
    if connection_lost(&err) {
        StoreError::Unavailable(Box::new(err))
    } else {
        StoreError::Unexpected(Box::new(err))
    }
}

/// The Redis store.
#[derive(Clone)]
pub struct RedisStore {
    pools: std::sync::Arc<ThreadPools>,
    prefix: String,
    timeout: Duration,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore").field("prefix", &self.prefix).finish_non_exhaustive()
    }
}

static SELECT_ALL: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local skus = redis.call('HKEYS', KEYS[1])
redis.call('DEL', KEYS[2])
if ARGV[1] == '1' and #skus > 0 then
  redis.call('SADD', KEYS[2], unpack(skus))
end
return #skus",
    )
});

/// Adds ARGV[2] units to the line ARGV[1] unless it would then hold more than ARGV[3]; ticks
/// (ARGV[4] = 1) or unticks it. Returns {1, new count} or {0, the count it keeps}.
static ADD_WITHIN: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local have = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
local total = have + tonumber(ARGV[2])
if total > tonumber(ARGV[3]) then
  return {0, have}
end
redis.call('HSET', KEYS[1], ARGV[1], total)
if ARGV[4] == '1' then
  redis.call('SADD', KEYS[2], ARGV[1])
else
  redis.call('SREM', KEYS[2], ARGV[1])
end
return {1, total}",
    )
});

/// Takes the lines ARGV = sku1, count1, sku2, count2, ... if each is there with that count and
/// ticked: 1, or 0 with nothing changed.
static TAKE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
for i = 1, #ARGV, 2 do
  if redis.call('HGET', KEYS[1], ARGV[i]) ~= ARGV[i + 1]
     or redis.call('SISMEMBER', KEYS[2], ARGV[i]) == 0 then
    return 0
  end
end
for i = 1, #ARGV, 2 do
  redis.call('HDEL', KEYS[1], ARGV[i])
  redis.call('SREM', KEYS[2], ARGV[i])
end
return 1",
    )
});

static STORE_IF_QUIET: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then
  redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
  redis.call('DEL', KEYS[3])
  return 1
end
return 0",
    )
});

/// 0: no code; 1: matched (consumed); 2: wrong (counted; the code dies at ARGV[2] wrong tries).
static CHECK: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local stored = redis.call('GET', KEYS[1])
if not stored then return 0 end
if stored == ARGV[1] then
  redis.call('DEL', KEYS[1], KEYS[2])
  return 1
end
local tries = redis.call('INCR', KEYS[2])
if tries == 1 then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl < 1 then ttl = 1 end
  redis.call('PEXPIRE', KEYS[2], ttl)
end
if tries >= tonumber(ARGV[2]) then redis.call('DEL', KEYS[1], KEYS[2]) end
return 2",
    )
});

/// Counts one hit; opens the window (PEXPIRE) on the first. Returns {count, ms left}.
static HIT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  left = tonumber(ARGV[1])
end
return {count, left}",
    )
});

/// Takes ARGV[i] units from each gate KEYS[i] that exists, if every one has them: {0, 0}, or
/// the position of the first gate without enough and its units (nothing taken).
static GATE_TAKE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
for i = 1, #KEYS do
  local left = redis.call('GET', KEYS[i])
  if left and tonumber(left) < tonumber(ARGV[i]) then
    return {i, tonumber(left)}
  end
end
for i = 1, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then
    redis.call('DECRBY', KEYS[i], ARGV[i])
  end
end
return {0, 0}",
    )
});

/// Gives ARGV[i] units back to each gate KEYS[i] that still exists.
static GATE_GIVE_BACK: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
for i = 1, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then
    redis.call('INCRBY', KEYS[i], ARGV[i])
  end
end
return 0",
    )
});

/// Sets the gate KEYS[1] to ARGV[2] units (and lists ARGV[1] in the set KEYS[2]) where it is
/// missing, or empty while ARGV[2] > 0: 1, else 0.
static GATE_RESTORE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local left = redis.call('GET', KEYS[1])
if left and (tonumber(left) > 0 or tonumber(ARGV[2]) == 0) then
  return 0
end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[1])
return 1",
    )
});

impl RedisStore {
    /// Builds the pools. Connections are made when first needed, so a Redis that is down at
    /// start makes requests fail (503) until it answers, not the server refuse to start. Each
    /// thread that uses the store gets a pool of its own, of up to `pool_size` shared connections.
    pub fn new(config: &RedisConfig) -> Result<Self, StoreError> {
        // A configuration that cannot make a pool is refused here, not at the first request.
        Pool::of(config)?;
        let pools = ThreadPools {
            id: STORES.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            config: config.clone(),
            made: std::sync::Mutex::default(),
        };
        Ok(RedisStore {
            pools: std::sync::Arc::new(pools),
            prefix: config.prefix.clone(),
            timeout: config.timeout,
        })
    }

    /// A handle on one of this thread's connections (made if there is none yet). The pool's
    /// slot is given back before the handle is used: the connection is shared.
    async fn conn(&self) -> Result<Conn, StoreError> {
        let pool = self.pools.here()?;
        let unavailable =
            |e: managed::PoolError<redis::RedisError>| StoreError::Unavailable(Box::new(e));
        let (link, made) = match &pool {
            Pool::Single(p) => {
                let slot = p.get().await.map_err(unavailable)?;
                (Link::Single((*slot).clone()), managed::Object::metrics(&slot).created)
            }
            Pool::Cluster(p) => {
                let slot = p.get().await.map_err(unavailable)?;
                (Link::Cluster((*slot).clone()), managed::Object::metrics(&slot).created)
            }
        };
        Ok(Conn { link, pool, made })
    }

    /// Runs `f` on a pooled connection within the timeout. A connection that failed for being
    /// lost, or did not answer in time, is not used again.
    async fn run<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        F: for<'c> FnOnce(&'c mut Conn) -> RedisFuture<'c, T>,
    {
        let started = std::time::Instant::now();
        let outcome = self.run_timed(f).await;
        // The metrics facade: a no-op until the server installs its recorder.
        metrics::histogram!("meiduo_redis_command_duration_seconds")
            .record(started.elapsed().as_secs_f64());
        if let Err(error) = &outcome {
            let kind = match error {
                StoreError::Unavailable(_) => "unavailable",
                StoreError::Conflict(_) => "conflict",
                StoreError::Unexpected(_) => "unexpected",
            };
            metrics::counter!("meiduo_redis_errors_total", "kind" => kind).increment(1);
        }
        outcome
    }

    async fn run_timed<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        F: for<'c> FnOnce(&'c mut Conn) -> RedisFuture<'c, T>,
    {
        let deadline = tokio::time::Instant::now() + self.timeout;
        let late =
            || StoreError::Unavailable(format!("no answer within {:?}", self.timeout).into());
        let mut conn =
            tokio::time::timeout_at(deadline, self.conn()).await.map_err(|_| late())??;
        match tokio::time::timeout_at(deadline, f(&mut conn)).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => {
                if connection_lost(&error) {
                    conn.discard();
                }
                Err(redis_failure(error))
            }
            Err(_) => {
                conn.discard();
                Err(late())
            }
        }
    }

    /// Removes every key that starts with the prefix (tests clean up with it).
    pub async fn remove_prefixed(&self) -> Result<u64, StoreError> {
        if self.prefix.is_empty() {
            return Err(StoreError::unexpected("refusing to remove every key: no prefix"));
        }
        let pattern = format!("{}*", self.prefix);
        let keys: Vec<String> = self
            .run(move |c| {
                Box::pin(async move { redis::cmd("KEYS").arg(pattern).query_async(c).await })
            })
            .await?;
        let removed = keys.len() as u64;
        for key in keys {
            self.run(move |c| Box::pin(async move { c.del::<_, ()>(key).await })).await?;
        }
        Ok(removed)
    }

    /// Runs a raw command and returns its reply as strings (for tools and tests).
    pub async fn command(&self, args: &[&str]) -> Result<Vec<String>, StoreError> {
        let mut cmd = redis::cmd(args.first().copied().unwrap_or("PING"));
        for arg in args.iter().skip(1) {
            cmd.arg(*arg);
        }
        let reply =
            self.run(move |c| Box::pin(async move { cmd.query_async::<Value>(c).await })).await?;
        fn words(value: Value, out: &mut Vec<String>) {
            match value {
                Value::Nil => {}
                Value::Int(n) => out.push(n.to_string()),
                Value::BulkString(bytes) => out.push(String::from_utf8_lossy(&bytes).into_owned()),
                Value::SimpleString(text) => out.push(text),
                Value::Array(items) | Value::Set(items) => {
                    items.into_iter().for_each(|item| words(item, out))
                }
                Value::Map(pairs) => pairs.into_iter().for_each(|(k, v)| {
                    words(k, out);
                    words(v, out);
                }),
                other => out.push(format!("{other:?}")),
            }
        }
        let mut out = Vec::new();
        words(reply, &mut out);
        Ok(out)
    }

    /// The pools' connections, summed over the threads: (in use, idle, callers waiting for one).
    pub fn pool_status(&self) -> (u64, u64, u64) {
        self.pools.live().iter().map(Pool::status).fold(
            (0, 0, 0),
            |(used, idle, waiting), status| {
                let in_use = status.size.saturating_sub(status.available) as u64;
                (used + in_use, idle + status.available as u64, waiting + status.waiting as u64)
            },
        )
    }

    /// Answers when Redis answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.run(|c| {
            Box::pin(async move { redis::cmd("PING").query_async::<String>(c).await.map(|_| ()) })
        })
        .await
    }

    pub fn cart_key(&self, user: UserId) -> String {
        format!("{}cart_{{{}}}", self.prefix, user.0)
    }

    pub fn selected_key(&self, user: UserId) -> String {
        format!("{}selected_{{{}}}", self.prefix, user.0)
    }

    fn history_key(&self, user: UserId) -> String {
        format!("{}history_{{{}}}", self.prefix, user.0)
    }

    /// The code, its send flag and its wrong tries, in one slot (the owner is the hash tag).
    fn code_keys(&self, key: &CodeKey) -> [String; 3] {
        let (prefix, kind, owner) = (&self.prefix, key.kind(), key.owner());
        let flag = if let CodeKey::Sms(_) = key { "send".to_owned() } else { kind.to_owned() };
        [
            format!("{prefix}{kind}_{{{owner}}}"),
            format!("{prefix}{flag}_flag_{{{owner}}}"),
            format!("{prefix}{kind}_tries_{{{owner}}}"),
        ]
    }

    fn limit_key(&self, key: &str) -> String {
        format!("{}limit:{key}", self.prefix)
    }

    /// A SKU's gate. Every gate and their set share one hash tag: an order's lines are taken from
    /// their gates by one script, which a cluster runs only on keys of one slot.
    fn gate_key(&self, sku: SkuId) -> String {
        format!("{}{{flash_sale}}:{}", self.prefix, sku.0)
    }

    fn gates_key(&self) -> String {
        format!("{}{{flash_sale}}:skus", self.prefix)
    }

    fn cache_key(&self, name: &str) -> String {
        format!("{}cache:{name}", self.prefix)
    }

    /// One transaction (MULTI/EXEC) over a user's cart keys.
    async fn cart_transaction(&self, pipe: Pipeline) -> Result<Vec<Value>, StoreError> {
        self.run(move |c| Box::pin(async move { pipe.query_async::<Vec<Value>>(c).await })).await
    }

    fn mark(&self, pipe: &mut Pipeline, user: UserId, sku: SkuId, selected: bool) {
        if selected {
            pipe.sadd(self.selected_key(user), sku.0).ignore();
        } else {
            pipe.srem(self.selected_key(user), sku.0).ignore();
        }
    }
}

#[async_trait]
impl CartStore for RedisStore {
    async fn load(&self, user: UserId) -> Result<Cart, StoreError> {
        let (cart, selected) = (self.cart_key(user), self.selected_key(user));
        let (counts, ticked): (Vec<(u64, i64)>, Vec<u64>) = self
            .run(move |c| {
                Box::pin(async move {
                    redis::pipe().atomic().hgetall(cart).smembers(selected).query_async(c).await
                })
            })
            .await?;
        let mut lines = Vec::with_capacity(counts.len());
        for (sku, count) in counts {
            let count =
                u32::try_from(count).ok().and_then(Quantity::from_stored).ok_or_else(|| {
                    StoreError::unexpected(format!("cart line {sku} has count {count}"))
                })?;
            lines.push(CartLine { sku_id: SkuId(sku), count, selected: ticked.contains(&sku) });
        }
        Ok(Cart::from_lines(lines))
    }

    async fn add(
        &self,
        user: UserId,
        line: CartLine,
        at_most: u32,
    ) -> Result<CartAddition, StoreError> {
        let mut invocation = ADD_WITHIN.prepare_invoke();
        invocation
            .key(self.cart_key(user))
            .key(self.selected_key(user))
            .arg(line.sku_id.0)
            .arg(line.count.get())
            .arg(at_most)
            .arg(if line.selected { "1" } else { "0" });
        let (added, count): (i64, i64) =
            self.run(move |c| Box::pin(async move { invocation.invoke_async(c).await })).await?;
        let count = u32::try_from(count)
            .map_err(|_| StoreError::unexpected(format!("cart line count {count}")))?;
        Ok(if added == 1 {
            CartAddition::Added(count)
        } else {
            CartAddition::Refused { have: count }
        })
    }

    async fn set(&self, user: UserId, line: CartLine) -> Result<(), StoreError> {
        let mut pipe = redis::pipe();
        pipe.atomic().hset(self.cart_key(user), line.sku_id.0, line.count.get()).ignore();
        self.mark(&mut pipe, user, line.sku_id, line.selected);
        self.cart_transaction(pipe).await?;
        Ok(())
    }

    async fn remove(&self, user: UserId, skus: &[SkuId]) -> Result<(), StoreError> {
        if skus.is_empty() {
            return Ok(());
        }
        let ids: Vec<u64> = skus.iter().map(|s| s.0).collect();
        let mut pipe = redis::pipe();
        pipe.atomic()
            .hdel(self.cart_key(user), &ids)
            .ignore()
            .srem(self.selected_key(user), &ids)
            .ignore();
        self.cart_transaction(pipe).await?;
        Ok(())
    }

    async fn select_all(&self, user: UserId, selected: bool) -> Result<(), StoreError> {
        let mut invocation = SELECT_ALL.prepare_invoke();
        invocation.key(self.cart_key(user)).key(self.selected_key(user)).arg(if selected {
            "1"
        } else {
            "0"
        });
        self.run(move |c| {
            Box::pin(async move { invocation.invoke_async::<i64>(c).await.map(|_| ()) })
        })
        .await?;
        Ok(())
    }

    async fn take(&self, user: UserId, lines: &[CartLine]) -> Result<bool, StoreError> {
        if lines.is_empty() {
            return Ok(false);
        }
        let mut invocation = TAKE.prepare_invoke();
        invocation.key(self.cart_key(user)).key(self.selected_key(user));
        for line in lines {
            invocation.arg(line.sku_id.0).arg(line.count.get());
        }
        let taken = self
            .run(move |c| Box::pin(async move { invocation.invoke_async::<i64>(c).await }))
            .await?;
        Ok(taken == 1)
    }

    async fn merge(&self, user: UserId, lines: &[CartLine]) -> Result<(), StoreError> {
        if lines.is_empty() {
            return Ok(());
        }
        let mut pipe = redis::pipe();
        pipe.atomic();
        for line in lines {
            pipe.hset(self.cart_key(user), line.sku_id.0, line.count.get()).ignore();
            self.mark(&mut pipe, user, line.sku_id, line.selected);
        }
        self.cart_transaction(pipe).await?;
        Ok(())
    }
}

#[async_trait]
impl VerificationCodes for RedisStore {
    async fn store_if_quiet(
        &self,
        key: &CodeKey,
        code: &str,
        ttl: Duration,
        interval: Duration,
    ) -> Result<bool, StoreError> {
        let [code_key, flag_key, tries_key] = self.code_keys(key);
        let mut invocation = STORE_IF_QUIET.prepare_invoke();
        invocation
            .key(flag_key)
            .key(code_key)
            .key(tries_key)
            .arg(interval.as_millis().max(1) as u64)
            .arg(code)
            .arg(ttl.as_millis().max(1) as u64);
        let stored = self
            .run(move |c| Box::pin(async move { invocation.invoke_async::<i64>(c).await }))
            .await?;
        Ok(stored == 1)
    }

    async fn check(
        &self,
        key: &CodeKey,
        code: &str,
        max_wrong: u32,
    ) -> Result<CodeCheck, StoreError> {
        let [code_key, _, tries_key] = self.code_keys(key);
        let mut invocation = CHECK.prepare_invoke();
        invocation.key(code_key).key(tries_key).arg(code).arg(max_wrong.max(1));
        let outcome = self
            .run(move |c| Box::pin(async move { invocation.invoke_async::<i64>(c).await }))
            .await?;
        Ok(match outcome {
            1 => CodeCheck::Matched,
            2 => CodeCheck::Wrong,
            _ => CodeCheck::Missing,
        })
    }

    async fn take(&self, key: &CodeKey) -> Result<Option<String>, StoreError> {
        let [code_key, _, tries_key] = self.code_keys(key);
        let mut pipe = redis::pipe();
        pipe.atomic().cmd("GETDEL").arg(code_key).del(tries_key).ignore();
        let (code,): (Option<String>,) =
            self.run(move |c| Box::pin(async move { pipe.query_async(c).await })).await?;
        Ok(code)
    }

    async fn withdraw(&self, key: &CodeKey) -> Result<(), StoreError> {
        let keys = self.code_keys(key);
        // One DEL over keys of one slot (they share the owner's hash tag).
        self.run(move |c| Box::pin(async move { c.del::<_, ()>(&keys).await })).await?;
        Ok(())
    }
}

#[async_trait]
impl RateLimits for RedisStore {
    async fn peek(&self, key: &str) -> Result<Option<(u32, Duration)>, StoreError> {
        let key = self.limit_key(key);
        let mut pipe = redis::pipe();
        pipe.get(&key).pttl(&key);
        let (count, left): (Option<u32>, i64) =
            self.run(move |c| Box::pin(async move { pipe.query_async(c).await })).await?;
        Ok(count.filter(|_| left > 0).map(|count| (count, Duration::from_millis(left as u64))))
    }

    async fn hit(&self, key: &str, window: Duration) -> Result<(u32, Duration), StoreError> {
        let mut invocation = HIT.prepare_invoke();
        invocation.key(self.limit_key(key)).arg(window.as_millis().max(1) as u64);
        let (count, left): (u32, i64) =
            self.run(move |c| Box::pin(async move { invocation.invoke_async(c).await })).await?;
        Ok((count, Duration::from_millis(left.max(0) as u64)))
    }

    async fn clear(&self, key: &str) -> Result<(), StoreError> {
        let key = self.limit_key(key);
        self.run(move |c| Box::pin(async move { c.del::<_, ()>(key).await })).await?;
        Ok(())
    }
}

#[async_trait]
impl BrowseHistory for RedisStore {
    async fn record(&self, user: UserId, sku: SkuId, keep: u32) -> Result<(), StoreError> {
        let key = self.history_key(user);
        let last = i64::from(keep.max(1)) - 1;
        let mut pipe = redis::pipe();
        pipe.atomic()
            .lrem(&key, 0, sku.0)
            .ignore()
            .lpush(&key, sku.0)
            .ignore()
            .ltrim(&key, 0, last as isize)
            .ignore();
        self.run(move |c| Box::pin(async move { pipe.query_async::<()>(c).await })).await?;
        Ok(())
    }

    async fn recent(&self, user: UserId, limit: u32) -> Result<Vec<SkuId>, StoreError> {
        let key = self.history_key(user);
        let stop = limit.max(1) as isize - 1;
        let ids: Vec<u64> =
            self.run(move |c| Box::pin(async move { c.lrange(key, 0, stop).await })).await?;
        Ok(ids.into_iter().map(SkuId).collect())
    }
}

#[async_trait]
impl Cache for RedisStore {
    async fn get(&self, name: &str) -> Result<Option<String>, StoreError> {
        let key = self.cache_key(name);
        Ok(self.run(move |c| Box::pin(async move { c.get(key).await })).await?)
    }

    async fn put(&self, name: &str, value: &str, ttl: Duration) -> Result<(), StoreError> {
        let (key, value) = (self.cache_key(name), value.to_owned());
        let millis = ttl.as_millis().max(1) as u64;
        self.run(move |c| Box::pin(async move { c.pset_ex::<_, _, ()>(key, value, millis).await }))
            .await?;
        Ok(())
    }

    async fn forget(&self, names: &[String]) -> Result<(), StoreError> {
        // One DEL per key: cache keys have no hash tag, so they may live in different slots.
        for name in names {
            let key = self.cache_key(name);
            self.run(move |c| Box::pin(async move { c.del::<_, ()>(key).await })).await?;
        }
        Ok(())
    }
}

#[async_trait]
impl SaleGate for RedisStore {
    async fn take(&self, lines: &[(SkuId, u32)]) -> Result<GateTake, StoreError> {
        if lines.is_empty() {
            return Ok(GateTake::Taken);
        }
        let mut invocation = GATE_TAKE.prepare_invoke();
        for (sku, count) in lines {
            invocation.key(self.gate_key(*sku)).arg(*count);
        }
        let (short, left): (usize, i64) =
            self.run(move |c| Box::pin(async move { invocation.invoke_async(c).await })).await?;
        Ok(match short.checked_sub(1).and_then(|i| lines.get(i)) {
            Some((sku, _)) => {
                GateTake::SoldOut { sku: *sku, left: u32::try_from(left).unwrap_or(0) }
            }
            None => GateTake::Taken,
        })
    }

    async fn give_back(&self, lines: &[(SkuId, u32)]) -> Result<(), StoreError> {
        if lines.is_empty() {
            return Ok(());
        }
        let mut invocation = GATE_GIVE_BACK.prepare_invoke();
        for (sku, count) in lines {
            invocation.key(self.gate_key(*sku)).arg(*count);
        }
        self.run(move |c| Box::pin(async move { invocation.invoke_async::<i64>(c).await })).await?;
        Ok(())
    }

    async fn open(&self, sku: SkuId, units: u32) -> Result<(), StoreError> {
        let mut pipe = redis::pipe();
        pipe.atomic()
            .set(self.gate_key(sku), units)
            .ignore()
            .sadd(self.gates_key(), sku.0)
            .ignore();
        self.run(move |c| Box::pin(async move { pipe.query_async::<()>(c).await })).await
    }

    async fn restore(&self, sku: SkuId, units: u32) -> Result<bool, StoreError> {
        let mut invocation = GATE_RESTORE.prepare_invoke();
        invocation.key(self.gate_key(sku)).key(self.gates_key()).arg(sku.0).arg(units);
        let changed = self
            .run(move |c| Box::pin(async move { invocation.invoke_async::<i64>(c).await }))
            .await?;
        Ok(changed == 1)
    }

    async fn close(&self, sku: SkuId) -> Result<(), StoreError> {
        let mut pipe = redis::pipe();
        pipe.atomic().del(self.gate_key(sku)).ignore().srem(self.gates_key(), sku.0).ignore();
        self.run(move |c| Box::pin(async move { pipe.query_async::<()>(c).await })).await
    }

    async fn gated(&self) -> Result<Vec<SkuId>, StoreError> {
        let key = self.gates_key();
        let mut ids: Vec<u64> =
            self.run(move |c| Box::pin(async move { c.smembers(key).await })).await?;
        ids.sort_unstable();
        Ok(ids.into_iter().map(SkuId).collect())
    }

    async fn units(&self, sku: SkuId) -> Result<Option<u32>, StoreError> {
        let key = self.gate_key(sku);
        let left: Option<i64> =
            self.run(move |c| Box::pin(async move { c.get(key).await })).await?;
        left.map(|n| {
            u32::try_from(n).map_err(|_| StoreError::unexpected(format!("gate of {sku} holds {n}")))
        })
        .transpose()
    }
}
