//! `wxkf-emulator`: run the WeChat kf API emulator from the command line.
//!
//! The first line on stdout is `listening on http://HOST:PORT` once connections are accepted.
//! Logs go to stderr, filtered by `RUST_LOG` (default `info`).

use clap::Parser;
use wxkf_emulator::cli::{serve_until_signal, Args};

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let mut rt = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = args.threads {
        rt.worker_threads(n.max(1));
    }
    let rt = match rt.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("wxkf-emulator: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match rt.block_on(serve_until_signal(args.config())) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wxkf-emulator: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
