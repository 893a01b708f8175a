//! The generated master key file, used when `SIGIL_MASTER_KEY` is not set: base64 of 32 random
//! bytes in `<data_dir>/master.key`, created with mode 0600. Convenient for one node; several
//! nodes on one database must share `SIGIL_MASTER_KEY` instead.

use std::io::Write as _;
use std::path::Path;

use sigil_crypto::{MasterKey, SecureRandom, b64};

use crate::StartError;

pub(crate) fn load_or_create(path: &Path, rng: &dyn SecureRandom) -> Result<MasterKey, StartError> {
    let io = |what: String| move |source| StartError::Io { what, source };
    if path.exists() {
        check_permissions(path);
        let text =
            std::fs::read_to_string(path).map_err(io(format!("cannot read {}", path.display())))?;
        let bytes = crate::config::decode_master_key(&text).map_err(|why| {
            crate::config::ConfigError(format!("master key file {}: {why}", path.display()))
        })?;
        return Ok(MasterKey::from_bytes(&bytes).map_err(sigil_core::Error::from)?);
    }
    let (key, bytes) = MasterKey::generate(rng).map_err(sigil_core::Error::from)?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .map_err(io(format!("cannot create {}", path.display())))?;
    file.write_all(format!("{}\n", b64::encode(bytes)).as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(io(format!("cannot write {}", path.display())))?;
    tracing::warn!(
        path = %path.display(),
        key_id = %key.id(),
        "generated a master key file because SIGIL_MASTER_KEY is not set; back it up (without it the \
         private keys in the database cannot be read) and set SIGIL_MASTER_KEY for production and for \
         several nodes sharing one database"
    );
    Ok(key)
}

fn check_permissions(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        if let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(path = %path.display(), "the master key file is readable by group or others; chmod 600 it");
        }
    }
}
