//! `forewarn cap`: validate, sign, verify, update, cancel and feed CAP 1.2 messages.

use anyhow::{Context, Result, bail};
use forewarn_cap::{CapTime, SignatureStatus, UpdateChanges};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum Cmd {
    /// Validate CAP files against the CAP 1.2 schema and the extra rules; exit 1 on any error.
    Validate {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Sign a message (enveloped XML-DSig, RSA-SHA256 or ECDSA P-256).
    Sign {
        file: PathBuf,
        #[arg(long, value_name = "KEY.pem")]
        key: PathBuf,
        #[arg(long, value_name = "CERT.pem")]
        cert: PathBuf,
        /// Output file (default: stdout).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Check the signature of messages (exit 1 when any signature is invalid or missing).
    Verify {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Write an Update that references ALERT.xml (the original is never edited).
    Update {
        alert: PathBuf,
        /// Why the alert is updated (the message note).
        #[arg(long)]
        note: String,
        /// New expiry time.
        #[arg(long)]
        expires: Option<String>,
        /// Sent time of the Update (default: now).
        #[arg(long)]
        sent: Option<String>,
        #[arg(long)]
        out: PathBuf,
    },
    /// Write a Cancel that references ALERT.xml.
    Cancel {
        alert: PathBuf,
        #[arg(long, default_value = "The alert is cancelled.")]
        note: String,
        #[arg(long)]
        sent: Option<String>,
        #[arg(long)]
        out: PathBuf,
    },
    /// Atom feeds (one per sender and language) of the alerts in a directory.
    Feed {
        dir: PathBuf,
        /// Output file; with several feeds, the sender and language are added to its name.
        #[arg(long)]
        out: PathBuf,
        /// Base URL where the alert files are published.
        #[arg(long, default_value = "http://localhost/cap/")]
        base_url: String,
    },
}

fn read(p: &Path) -> Result<String> {
    std::fs::read_to_string(p).with_context(|| format!("{}: cannot read", p.display()))
}

fn time_or_now(s: &Option<String>) -> Result<CapTime> {
    match s {
        Some(s) => CapTime::parse(s).map_err(|e| anyhow::anyhow!("--sent/--expires '{s}': {e}")),
        None => Ok(CapTime::from_utc(
            chrono::DateTime::from_timestamp(chrono::Utc::now().timestamp(), 0).unwrap_or_default(),
        )),
    }
}

fn write_out(p: &Path, text: &str) -> Result<()> {
    std::fs::write(p, text).with_context(|| format!("{}: cannot write", p.display()))
}

pub fn run(cmd: Cmd) -> Result<ExitCode> {
    match cmd {
        Cmd::Validate { files } => {
            let mut ok = true;
            for f in &files {
                let text = match read(f) {
                    Ok(t) => t,
                    Err(e) => {
                        println!("{}: INVALID\n  {e:#}", f.display());
                        ok = false;
                        continue;
                    }
                };
                let r = forewarn_cap::validate_xml(&text);
                let valid = r.is_valid();
                ok &= valid;
                println!(
                    "{}: {}{}",
                    f.display(),
                    if valid { "valid" } else { "INVALID" },
                    r.version
                        .map(|v| format!(" (CAP {v:?})"))
                        .unwrap_or_default()
                );
                for p in &r.problems {
                    println!(
                        "  {} {}: {}",
                        if p.is_error() { "error" } else { "warning" },
                        p.path,
                        p.message
                    );
                }
                if !matches!(r.signature, SignatureStatus::NotSigned) {
                    println!("  signature: {}", r.signature);
                }
            }
            Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Cmd::Sign {
            file,
            key,
            cert,
            out,
        } => {
            let signed = forewarn_cap::sign(&read(&file)?, &read(&key)?, &read(&cert)?)?;
            match out {
                Some(o) => write_out(&o, &signed)?,
                None => print!("{signed}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Verify { files } => {
            let mut ok = true;
            for f in &files {
                let st = forewarn_cap::verify(&read(f)?);
                ok &= matches!(st, SignatureStatus::Valid { .. });
                println!("{}: {st}", f.display());
            }
            Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Cmd::Update {
            alert,
            note,
            expires,
            sent,
            out,
        } => {
            let prev = forewarn_cap::read_alert(&read(&alert)?)
                .with_context(|| alert.display().to_string())?;
            let changes = UpdateChanges {
                note: Some(note),
                expires: expires
                    .as_ref()
                    .map(|e| CapTime::parse(e).map_err(|m| anyhow::anyhow!("--expires '{e}': {m}")))
                    .transpose()?,
                ..Default::default()
            };
            let upd = forewarn_cap::update(&prev, time_or_now(&sent)?, &changes)?;
            write_out(&out, &upd.to_xml())?;
            println!(
                "{}: Update {} references {}",
                out.display(),
                upd.identifier,
                prev.identifier
            );
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Cancel {
            alert,
            note,
            sent,
            out,
        } => {
            let prev = forewarn_cap::read_alert(&read(&alert)?)
                .with_context(|| alert.display().to_string())?;
            let c = forewarn_cap::cancel(&prev, time_or_now(&sent)?, &note)?;
            write_out(&out, &c.to_xml())?;
            println!(
                "{}: Cancel {} references {}",
                out.display(),
                c.identifier,
                prev.identifier
            );
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Feed { dir, out, base_url } => {
            let mut entries = Vec::new();
            let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
                .with_context(|| format!("{}: cannot list", dir.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "xml"))
                .collect();
            paths.sort();
            for p in paths {
                match forewarn_cap::read_alert(&read(&p)?) {
                    Ok(a) => entries.push((
                        p.file_name()
                            .map(|n| n.to_string_lossy().to_string())
                            .unwrap_or_default(),
                        a,
                    )),
                    Err(e) => eprintln!("warning: {}: skipped: {e}", p.display()),
                }
            }
            if entries.is_empty() {
                bail!("{}: no CAP alerts found", dir.display());
            }
            let feeds = forewarn_cap::atom_feeds(&entries, &base_url);
            if feeds.len() == 1 {
                write_out(&out, &feeds[0].xml)?;
                println!(
                    "{}: feed for {} ({}), {} alerts",
                    out.display(),
                    feeds[0].sender,
                    feeds[0].language,
                    entries.len()
                );
            } else {
                let parent = out.parent().unwrap_or(Path::new("."));
                let stem = out
                    .file_stem()
                    .map(|s| s.to_string_lossy().to_string())
                    .unwrap_or_else(|| "feed".into());
                for f in &feeds {
                    let p = parent.join(format!("{stem}.{}", f.file_name));
                    write_out(&p, &f.xml)?;
                    println!("{}: feed for {} ({})", p.display(), f.sender, f.language);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
