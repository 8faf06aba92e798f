//! Encrypted backups and archives, with age (<https://age-encryption.org>, the `age` crate).
//!
//! A backup holds the map of where hospitals are weak: operators encrypt it to the age recipients
//! of the people allowed to restore (`vigie backup -r age1… -R team.txt`). The server only needs
//! the public recipients, so a compromised server cannot read the backups it wrote. `vigie
//! restore` recognises an encrypted file by its age header and asks for `--identity`.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;

use anyhow::{anyhow, bail, Context};

const AGE_MAGIC: &[u8] = b"age-encryption.org/v1";

/// The recipients given on the command line and in a recipients file, parsed.
pub fn recipients(
    args: &[String],
    file: Option<&Path>,
) -> anyhow::Result<Vec<age::x25519::Recipient>> {
    let mut out = Vec::new();
    for (i, r) in args.iter().enumerate() {
        out.push(
            r.trim()
                .parse::<age::x25519::Recipient>()
                .map_err(|e| anyhow!("--recipient #{} ({r:?}): {e}", i + 1))?,
        );
    }
    if let Some(path) = file {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the recipients file {}", path.display()))?;
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            out.push(line.parse::<age::x25519::Recipient>().map_err(|e| {
                anyhow!(
                    "{} line {}: not an age recipient: {e}",
                    path.display(),
                    n + 1
                )
            })?);
        }
        if out.is_empty() {
            bail!("{}: no recipient in the file", path.display());
        }
    }
    Ok(out)
}

/// A writer that encrypts to `recipients`; call `finish()` once everything is written.
pub fn encrypting<W: Write>(
    out: W,
    recipients: &[age::x25519::Recipient],
) -> anyhow::Result<age::stream::StreamWriter<W>> {
    let enc = age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient))
        .map_err(|e| anyhow!("cannot encrypt: {e}"))?;
    enc.wrap_output(out)
        .context("cannot start the encrypted file")
}

/// Opens an archive for reading, decrypting it when it is an age file.
pub fn open_archive(path: &Path, identity: Option<&Path>) -> anyhow::Result<Box<dyn Read>> {
    let f = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut input = BufReader::new(f);
    let head = input
        .fill_buf()
        .with_context(|| format!("cannot read {}", path.display()))?;
    if !head.starts_with(AGE_MAGIC) {
        if identity.is_some() {
            tracing::warn!(file = %path.display(), "the archive is not encrypted; --identity is ignored");
        }
        return Ok(Box::new(input));
    }
    let Some(id_path) = identity else {
        bail!(
            "{} is encrypted (age): give the identity file that decrypts it with --identity",
            path.display()
        );
    };
    let ids = std::fs::File::open(id_path)
        .map(BufReader::new)
        .and_then(age::IdentityFile::from_buffer)
        .with_context(|| format!("cannot read the identity file {}", id_path.display()))?
        .into_identities()
        .map_err(|e| anyhow!("{}: {e}", id_path.display()))?;
    let dec = age::Decryptor::new(input).map_err(|e| anyhow!("{}: {e}", path.display()))?;
    let reader = dec
        .decrypt(ids.iter().map(|i| i.as_ref() as &dyn age::Identity))
        .map_err(|e| {
            anyhow!(
                "{}: cannot decrypt with {}: {e}",
                path.display(),
                id_path.display()
            )
        })?;
    Ok(Box::new(BufReader::new(reader)))
}
