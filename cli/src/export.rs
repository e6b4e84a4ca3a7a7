//! `wxkf records export`: every record of a range to JSONL or CSV, page by page (memory stays
//! flat), with a progress line on a terminal and exact resume after an interruption.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, IsTerminal, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use wxkf::api::record::get_msg_list::MsgRecord;
use wxkf::records::{format_china_time, parse_time, RecordCursor};
use wxkf_native::NativeClient;

use crate::args::{ExportArgs, Format};
use crate::error::CliError;

/// Saved beside the output after each page: where to continue and how long the output was.
#[derive(Debug, Serialize, Deserialize)]
struct Checkpoint {
    cursor: RecordCursor,
    bytes: u64,
    records: u64,
}

/// Unix seconds, or a time string (China time unless it carries an offset).
pub fn parse_when(text: &str) -> Result<i64, CliError> {
    match text.trim().parse::<i64>() {
        Ok(unix) => Ok(unix),
        Err(_) => Ok(parse_time(text)?),
    }
}

fn checkpoint_path(out: &Path) -> PathBuf {
    let mut name = out.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".cursor");
    out.with_file_name(name)
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn write_record(w: &mut dyn Write, format: Format, r: &MsgRecord) -> std::io::Result<()> {
    match format {
        Format::Jsonl => {
            serde_json::to_writer(&mut *w, r)?;
            w.write_all(b"\n")
        }
        Format::Csv => writeln!(
            w,
            "{},{},{},{},{},{}",
            r.time,
            csv_field(&format_china_time(r.time)),
            csv_field(&r.openid),
            r.opercode,
            csv_field(&r.worker),
            csv_field(&r.text)
        ),
    }
}

/// Runs the export; returns how many records were written.
pub async fn export(client: &NativeClient, args: &ExportArgs) -> Result<u64, CliError> {
    let from = parse_when(&args.from)?;
    let to = parse_when(&args.to)?;
    let mut records = 0u64;
    let (mut stream, mut out, file): (_, Box<dyn Write>, Option<(File, PathBuf)>) = match &args.out {
        Some(path) => {
            let cp_path = checkpoint_path(path);
            if args.resume {
                let text = std::fs::read_to_string(&cp_path)
                    .map_err(|_| CliError::Usage(format!("nothing to resume: {} not found", cp_path.display())))?;
                let cp: Checkpoint = serde_json::from_str(&text)
                    .map_err(|e| CliError::Usage(format!("{} is damaged: {e}", cp_path.display())))?;
                let mut f = OpenOptions::new().read(true).write(true).open(path)?;
                // Drop whatever was written after the last checkpoint: it is fetched again.
                f.set_len(cp.bytes)?;
                f.seek(SeekFrom::End(0))?;
                records = cp.records;
                let stream = client.resume_msg_records(cp.cursor, args.page_size)?;
                (stream, Box::new(BufWriter::new(f.try_clone()?)), Some((f, cp_path)))
            } else {
                let f = File::create(path)?;
                let stream = client.iter_msg_records_paged(from, to, args.page_size)?;
                (stream, Box::new(BufWriter::new(f.try_clone()?)), Some((f, cp_path)))
            }
        }
        None => {
            let stream = client.iter_msg_records_paged(from, to, args.page_size)?;
            (stream, Box::new(BufWriter::new(std::io::stdout().lock())), None)
        }
    };
    if args.format == Format::Csv && records == 0 {
        writeln!(out, "time,china_time,openid,opercode,worker,text")?;
    }
    let progress = std::io::stderr().is_terminal();
    let started = std::time::Instant::now();
    loop {
        let page = stream.next_page().await?;
        if page.is_empty() {
            break;
        }
        for r in &page {
            write_record(&mut out, args.format, r)?;
        }
        records += page.len() as u64;
        out.flush()?;
        if let (Some((f, cp_path)), Some(cursor)) = (&file, stream.cursor()) {
            let cp = Checkpoint { cursor, bytes: f.metadata()?.len(), records };
            let tmp = cp_path.with_extension("cursor.tmp");
            std::fs::write(&tmp, serde_json::to_vec(&cp).map_err(|e| CliError::Io(e.to_string()))?)?;
            std::fs::rename(&tmp, cp_path)?;
        }
        if progress {
            let day = page.last().map(|r| format_china_time(r.time)).unwrap_or_default();
            let rate = records as f64 / started.elapsed().as_secs_f64().max(0.001);
            eprint!("\r{records} records, {} pages, at {day} ({rate:.0}/s)   ", stream.pages_fetched());
        }
    }
    out.flush()?;
    drop(out);
    if let Some((f, cp_path)) = file {
        f.sync_all()?;
        let _ = std::fs::remove_file(cp_path);
    }
    if progress {
        eprintln!();
    }
    Ok(records)
}
