//! A function binary run as a child process for one test.

use crate::WAIT;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// A running process a test waits on: whether it has exited, and what it printed (for failure
/// messages).
pub trait Watched {
    fn exited(&mut self) -> Option<ExitStatus>;
    fn output(&self) -> String;
}

/// The command line that runs the binary `name` under test: `<NAME>_TEST_BINARY` if set (a
/// command line, e.g. `qemu-aarch64 -L /usr/aarch64-linux-gnu target/lambda/notify/bootstrap`),
/// else `built` (the crate's `env!("CARGO_BIN_EXE_<name>")`).
pub fn command_line(name: &str, built: &str) -> String {
    let var = format!("{}_TEST_BINARY", name.to_ascii_uppercase());
    std::env::var(var)
        .ok()
        .filter(|b| !b.trim().is_empty())
        .unwrap_or_else(|| built.to_string())
}

/// A [`command_line`] as a [`Command`]: its first word is the program, the rest arguments.
pub fn command(line: &str) -> Command {
    let mut words = line.split_whitespace();
    let mut command = Command::new(words.next().expect("a program"));
    command.args(words);
    command
}

/// A function binary running as a child process. Killed when dropped.
pub struct Function {
    name: String,
    child: Option<Child>,
    dir: tempfile::TempDir,
}

impl Function {
    /// Starts `name` ([`command_line`]) with `args` and exactly these environment variables:
    /// nothing is inherited, so a developer's `AWS_*` or `RUST_LOG` cannot change what is tested.
    pub fn spawn(name: &str, built: &str, args: &[&str], envs: &[(&str, String)]) -> Function {
        let line = command_line(name, built);
        let dir = tempfile::tempdir().expect("temp dir for the logs");
        let stdout = std::fs::File::create(dir.path().join("stdout.log")).expect("log file");
        let stderr = std::fs::File::create(dir.path().join("stderr.log")).expect("log file");
        let mut command = command(&line);
        command
            .args(args)
            .env_clear()
            .env("RUST_BACKTRACE", "1")
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr);
        for (var, value) in envs {
            command.env(var, value);
        }
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("could not start {line}: {e}"));
        Function {
            name: name.to_string(),
            child: Some(child),
            dir,
        }
    }

    pub fn stdout(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("stdout.log")).unwrap_or_default()
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("stderr.log")).unwrap_or_default()
    }

    /// Waits (up to [`WAIT`]) for it to exit.
    pub fn wait_for_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.exited() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "{} did not exit within {WAIT:?}:\n{}",
                self.name,
                self.output()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Watched for Function {
    fn exited(&mut self) -> Option<ExitStatus> {
        self.child
            .as_mut()
            .and_then(|c| c.try_wait().ok().flatten())
    }

    fn output(&self) -> String {
        format!(
            "--- {name} stdout ---\n{}\n--- {name} stderr ---\n{}",
            self.stdout(),
            self.stderr(),
            name = self.name
        )
    }
}

impl Drop for Function {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
