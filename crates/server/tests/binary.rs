//! The `meiduo` binary as an operator starts it: what it refuses, the files it leaves, what it
//! logs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const APP_KEY: &str = include_str!("../../pay-alipay/tests/fixtures/app_private_pkcs8.pem");

/// A fresh directory under the system's temporary one (removed by the test when it passes).
fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("meiduo-bin-{:016x}", fastrand::u64(..)));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `meiduo` with a clean environment of settings (none inherited from the developer's shell).
fn meiduo(data_dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_meiduo"));
    for (name, _) in std::env::vars() {
        if name.starts_with("MEIDUO_") || name == "RUST_LOG" {
            command.env_remove(name);
        }
    }
    command.env("MEIDUO_DATA_DIR", data_dir);
    command
}

#[test]
fn a_production_looking_start_without_a_chosen_gateway_is_refused_before_anything_is_touched() {
    let signs = [
        ("MEIDUO_ENV", "production"),
        ("MEIDUO_DATABASE_URL", "mysql://root@127.0.0.1:1/meiduo"),
        ("MEIDUO_REDIS_URL", "redis://127.0.0.1:1"),
        ("MEIDUO_LISTEN", "0.0.0.0:0"),
    ];
    for (variable, value) in signs {
        let scratch = scratch();
        let data_dir = scratch.join("data");
        let output = meiduo(&data_dir).env(variable, value).arg("serve").output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{variable}: {stderr}");
        assert!(stderr.contains("MEIDUO_PAYMENT_GATEWAY must be chosen"), "{variable}: {stderr}");
        assert!(stderr.contains(variable), "{variable}: the sign is named: {stderr}");
        assert!(!data_dir.exists(), "{variable}: nothing was created");
        std::fs::remove_dir_all(scratch).unwrap();
    }
}

struct Server {
    child: Child,
    base: String,
    log: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Starts the embedded default in `dir` and waits until it answers.
async fn start(dir: &Path) -> Server {
    start_with(dir, &[]).await
}

/// The same with these extra environment variables.
async fn start_with(dir: &Path, env: &[(&str, &str)]) -> Server {
    let port = free_port();
    let log = dir.join("server.log");
    let child = meiduo(&dir.join("data"))
        .envs(env.iter().copied())
        .env("MEIDUO_LISTEN", format!("127.0.0.1:{port}"))
        .env("MEIDUO_PAYMENT_APP_PRIVATE_KEY", APP_KEY)
        .env("MEIDUO_PAYMENT_EXPIRY_INTERVAL", "0s")
        .stdout(Stdio::from(std::fs::File::create(&log).unwrap()))
        .stderr(Stdio::from(std::fs::File::create(dir.join("server.err")).unwrap()))
        .spawn()
        .unwrap();
    let server = Server { child, base: format!("http://127.0.0.1:{port}"), log };
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Ok(answer) = reqwest::get(format!("{}/health/live", server.base)).await
            && answer.status().is_success()
        {
            return server;
        }
        assert!(Instant::now() < deadline, "the server did not start: {}", read(&server.log));
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_default_keeps_its_files_private_and_logs_bad_requests_quietly() {
    let dir = scratch();
    let server = start(&dir).await;
    let data = dir.join("data");

    #[cfg(unix)]
    {
        assert_eq!(mode(&data), 0o700, "the data directory");
        for file in ["meiduo.db", "secret", "sandbox_alipay_key.pem"] {
            assert_eq!(mode(&data.join(file)), 0o600, "{file}");
        }
    }

    let log = read(&server.log);
    assert!(log.contains("payments go to the local sandbox"), "the sandbox is announced: {log}");
    assert!(!log.contains('\u{1b}'), "no terminal colour codes in a log file: {log}");

    // A flood of bad requests leaves the log as it was.
    let before = std::fs::metadata(&server.log).unwrap().len();
    let client = reqwest::Client::new();
    for i in 0..200 {
        let answer = match i % 4 {
            0 => client.get(format!("{}/skus/{}/", server.base, 900_000 + i)).send().await,
            1 => {
                client
                    .post(format!("{}/authorizations/", server.base))
                    .header("Content-Type", "application/json")
                    .body("{not json")
                    .send()
                    .await
            }
            2 => client.get(format!("{}/user/", server.base)).send().await,
            _ => client.get(format!("{}/no/such/path/{i}", server.base)).send().await,
        }
        .unwrap();
        assert!(answer.status().is_client_error(), "{i}: {}", answer.status());
    }
    let after = std::fs::metadata(&server.log).unwrap().len();
    assert!(after - before < 200, "{} bytes of log for 200 client errors", after - before);

    // Readiness says which dependency, and never why.
    let ready: serde_json::Value =
        reqwest::get(format!("{}/health/ready", server.base)).await.unwrap().json().await.unwrap();
    assert_eq!(ready["checks"]["database"], "ok");

    drop(server);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn meiduo_admin_create_makes_staff_who_log_in_with_a_password_never_given_as_an_argument() {
    use std::io::Write;
    let dir = scratch();
    let data = dir.join("data");
    // The password from the environment: a superuser.
    let made = meiduo(&data)
        .env("MEIDUO_PAYMENT_APP_PRIVATE_KEY", APP_KEY)
        .env("MEIDUO_ADMIN_PASSWORD", "first-admin-pw")
        .args(["admin", "create", "--username", "first_admin", "--mobile", "13700000001"])
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    // From standard input: a clerk holding one permission.
    let mut clerk = meiduo(&data)
        .args(["admin", "create", "--username", "order_clerk", "--mobile", "13700000002"])
        .args(["--permission", "view_orderinfo"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    clerk.stdin.take().unwrap().write_all(b"clerk-password\n").unwrap();
    let clerk = clerk.wait_with_output().unwrap();
    assert!(clerk.status.success(), "{}", String::from_utf8_lossy(&clerk.stderr));
    // A permission nobody has, a short password: refused, nothing made.
    for (args, password) in [
        (
            ["--username", "bad_grant", "--mobile", "13700000003", "--permission", "fly"],
            "good-password",
        ),
        (
            ["--username", "short_pw", "--mobile", "13700000004", "--permission", "view_user"],
            "short",
        ),
    ] {
        let refused = meiduo(&data)
            .env("MEIDUO_ADMIN_PASSWORD", password)
            .args(["admin", "create"])
            .args(args)
            .output()
            .unwrap();
        assert!(!refused.status.success(), "{args:?}");
    }

    let server = start(&dir).await;
    let client = reqwest::Client::new();
    for (username, password, expected) in [
        ("first_admin", "first-admin-pw", 200),
        ("order_clerk", "clerk-password", 200),
        ("bad_grant", "good-password", 400),
        ("short_pw", "short", 400),
    ] {
        let answer = client
            .post(format!("{}/meiduo_admin/authorizations/", server.base))
            .json(&serde_json::json!({"username": username, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status().as_u16(), expected, "{username}");
    }

    // The first admin uploads a picture: a file in the data directory, served under /images/.
    let login: serde_json::Value = client
        .post(format!("{}/meiduo_admin/authorizations/", server.base))
        .json(&serde_json::json!({"username": "first_admin", "password": "first-admin-pw"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["token"].as_str().unwrap();
    let png = include_bytes!("../../../tests/api/pixel.png").to_vec();
    let form = reqwest::multipart::Form::new()
        .text("sku", "1")
        .part("image", reqwest::multipart::Part::bytes(png.clone()).file_name("../../evil.png"));
    let uploaded = client
        .post(format!("{}/meiduo_admin/skus/images/", server.base))
        .header("Authorization", format!("JWT {token}"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.status().as_u16(), 201);
    let uploaded: serde_json::Value = uploaded.json().await.unwrap();
    let url = uploaded["image"].as_str().unwrap();
    let path = &url[url.find("skus/").expect("a picture's path")..];
    assert_eq!(std::fs::read(data.join("images").join(path)).unwrap(), png);
    let served = client.get(format!("{}/images/{path}", server.base)).send().await.unwrap();
    assert_eq!(served.headers()["content-type"], "image/png");
    assert_eq!(served.bytes().await.unwrap().to_vec(), png);
    drop(server);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_are_one_object_a_line_with_the_request_id_and_no_query_secrets() {
    let dir = scratch();
    let server = start_with(
        &dir,
        &[("MEIDUO_LOG_FORMAT", "json"), ("RUST_LOG", "info,meiduo_server::request_log=debug")],
    )
    .await;
    let answer = reqwest::Client::new()
        .get(format!("{}/skus/987654/?token=query-secret-4711", server.base))
        .header("Authorization", "JWT header-secret-4712")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 404);
    let deadline = Instant::now() + Duration::from_secs(10);
    let refused = loop {
        let log = read(&server.log);
        let lines: Vec<serde_json::Value> = log
            .lines()
            .filter(|line| !line.trim().is_empty())
            .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
            .collect();
        assert!(lines.iter().all(serde_json::Value::is_object));
        assert!(lines.iter().any(|l| l["message"] == "meiduo is serving"), "{log}");
        if let Some(line) = lines.into_iter().find(|l| l["message"] == "request refused") {
            break line;
        }
        assert!(Instant::now() < deadline, "no refusal logged: {log}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let span = &refused["spans"][0];
    assert_eq!(span["http.path"], "/skus/987654/", "{refused}");
    assert_eq!(span["request_id"].as_str().unwrap().len(), 36, "{refused}");
    assert_eq!(refused["status"], 404);
    let log = read(&server.log);
    assert!(!log.contains("query-secret-4711") && !log.contains("header-secret-4712"), "{log}");
    assert!(!log.contains('\u{1b}'), "no terminal colour codes in a file");
    drop(server);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_drains_first_then_finishes_what_is_in_flight_and_exits_cleanly() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
    let dir = scratch();
    let mut server = start_with(
        &dir,
        &[("MEIDUO_SHUTDOWN_DRAIN", "1500ms"), ("MEIDUO_SHUTDOWN_TIMEOUT", "10s")],
    )
    .await;
    // A load balancer's view: it sends while readiness says yes, and stops when it says 503.
    let routed = Arc::new(AtomicBool::new(true));
    let (answered, cut) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let mut load = Vec::new();
    for n in 0..6 {
        let (base, routed, answered, cut) =
            (server.base.clone(), routed.clone(), answered.clone(), cut.clone());
        load.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let paths = ["/categories/", "/skus/1/", "/categories/115/skus/?page=1", "/areas/"];
            while routed.load(Relaxed) {
                match client.get(format!("{base}{}", paths[n % paths.len()])).send().await {
                    Ok(response) if response.status().is_success() => {
                        // The whole body arrives: nothing is cut mid-answer.
                        match response.bytes().await {
                            Ok(_) => answered.fetch_add(1, Relaxed),
                            Err(_) => cut.fetch_add(1, Relaxed),
                        };
                    }
                    _ => {
                        cut.fetch_add(1, Relaxed);
                    }
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    // A request whose body is still arriving when the listener closes: it must be answered.
    let address = server.base.trim_start_matches("http://").to_owned();
    let mut slow = tokio::net::TcpStream::connect(&address).await.unwrap();
    let body = r#"{"username": "nobody_here", "password": "wrong-password"}"#;
    let head = format!(
        "POST /authorizations/ HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    slow.write_all(head.as_bytes()).await.unwrap();
    slow.write_all(&body.as_bytes()[..10]).await.unwrap();
    let pid = server.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let in_flight = tokio::spawn(async move {
        // Past the drain (1.5 s): the listener is closed by now.
        tokio::time::sleep(Duration::from_millis(2500)).await;
        slow.write_all(&body.as_bytes()[10..]).await.unwrap();
        let mut answer = String::new();
        slow.read_to_string(&mut answer).await.unwrap();
        answer
    });
    // Readiness turns 503 at once, while requests are still served.
    let probe = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(1);
    loop {
        let ready = probe.get(format!("{}/health/ready", server.base)).send().await.unwrap();
        if ready.status().as_u16() == 503 {
            break;
        }
        assert!(Instant::now() < deadline, "readiness still answers {}", ready.status());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    routed.store(false, Relaxed);
    for task in load {
        task.await.unwrap();
    }
    let answer = in_flight.await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 400"), "the request in flight was answered: {answer}");
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the server did not stop: {}", read(&server.log));
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(status.success(), "exit {status}: {}", read(&server.log));
    assert!(answered.load(Relaxed) > 50, "the load ran: {}", answered.load(Relaxed));
    assert_eq!(cut.load(Relaxed), 0, "no request was refused or cut: {}", read(&server.log));
    let log = read(&server.log);
    let order = ["stopping: readiness answers 503", "stopping: the listener closes", "stopped"];
    let at: Vec<usize> = order.iter().map(|line| log.find(line).unwrap_or(usize::MAX)).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]) && at[2] != usize::MAX, "{log}");
    drop(server);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn an_operator_puts_a_sku_on_flash_sale_from_the_command_line() {
    let scratch = scratch();
    let data_dir = scratch.join("data");
    let run = |args: &[&str]| meiduo(&data_dir).args(args).output().unwrap();
    let seeded = run(&["seed"]);
    assert!(seeded.status.success(), "{}", String::from_utf8_lossy(&seeded.stderr));

    let opened = run(&["flash-sale", "open", "3"]);
    assert!(opened.status.success(), "{}", String::from_utf8_lossy(&opened.stderr));
    let listed = run(&["flash-sale", "list"]);
    let listed = String::from_utf8_lossy(&listed.stdout).into_owned();
    // Without Redis the command's gate is its own: the server sets its gate from the database.
    let fields: Vec<&str> = listed.split_whitespace().collect();
    assert_eq!(fields.len(), 3, "{listed}");
    assert_eq!((fields[0], fields[2]), ("3", "-"), "{listed}");
    assert!(fields[1].parse::<u32>().unwrap() > 0, "the stock: {listed}");

    let unknown = run(&["flash-sale", "open", "999999"]);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no SKU has id 999999"));
    let closed = run(&["flash-sale", "close", "3"]);
    assert!(closed.status.success(), "{}", String::from_utf8_lossy(&closed.stderr));
    let listed = run(&["flash-sale", "list"]);
    assert!(listed.stdout.is_empty(), "{}", String::from_utf8_lossy(&listed.stdout));
    let not_on_sale = run(&["flash-sale", "close", "3"]);
    assert!(!not_on_sale.status.success());
    std::fs::remove_dir_all(scratch).unwrap();
}
