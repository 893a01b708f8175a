//! `sigil`: the command line. `sigil serve` runs the issuer; `sigil admin-token` manages the
//! management API's bearer tokens; `sigil keys` lists and rotates the issuer keys; `sigil offer`
//! creates offers.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use sigil::config::{self, Config, LogFormat, Overrides};
use sigil::{Server, StartError, open_store};
use sigil_core::SystemClock;
use sigil_core::catalogue::admin_token;
use sigil_crypto::SystemRandom;

#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Sigil: an OpenID4VCI 1.0 credential issuer.
#[derive(Debug, Parser)]
#[command(name = "sigil", version)]
struct Cli {
    /// Configuration file [default: ./sigil.toml when present; env: SIGIL_CONFIG].
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Data directory: the SQLite database and the generated master key [storage.data_dir].
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<String>,
    /// Database URL, sqlite://PATH or postgres://… [database.url].
    #[arg(long, global = true, value_name = "URL")]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the issuer.
    Serve {
        /// Listen address [server.listen].
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
        /// Public base URL, the credential issuer identifier [server.public_url].
        #[arg(long, value_name = "URL")]
        public_url: Option<String>,
        /// Serve the management API on its own address [server.admin_listen].
        #[arg(long, value_name = "ADDR")]
        admin_listen: Option<String>,
    },
    /// Manage admin API tokens (they authorize the /v1 management routes).
    #[command(subcommand)]
    AdminToken(AdminTokenCommand),
    /// Create credential offers from the command line.
    #[command(subcommand)]
    Offer(OfferCommand),
    /// List and rotate the issuer keys (running nodes pick up a rotation within a second).
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Revoke, suspend or reinstate issued credentials of revocable configurations (published in
    /// their status lists; other nodes serve the change within status_list.ttl_secs).
    #[command(subcommand)]
    Credential(CredentialCommand),
}

#[derive(Debug, Subcommand)]
enum CredentialCommand {
    /// Revoke for good.
    Revoke(CredentialTarget),
    /// Suspend (reversible).
    Suspend(CredentialTarget),
    /// Make a suspended credential valid again.
    Reinstate(CredentialTarget),
}

#[derive(Debug, clap::Args)]
struct CredentialTarget {
    /// The issued credential id (GET /v1/users/{id}/credentials lists them).
    #[arg(required_unless_present = "user", conflicts_with = "user")]
    id: Option<String>,
    /// Every credential of the issuance (batch) the credential belongs to.
    #[arg(long, requires = "id")]
    issuance: bool,
    /// Every revocable credential of this user instead.
    #[arg(long, value_name = "USER_ID")]
    user: Option<String>,
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// List the issuer keys with their state and dates, newest first.
    List,
    /// Rotate issuer keys: the new ones sign at once; the old ones stay published for
    /// keys.overlap_days.
    Rotate {
        /// The kind to rotate (repeat for several): credential-es256, credential-eddsa,
        /// issuer-ca, request-encryption [default: all].
        #[arg(long = "kind", value_name = "KIND")]
        kinds: Vec<sigil_proto::admin::keys::KeyKind>,
    },
}

#[derive(Debug, Subcommand)]
enum OfferCommand {
    /// Create a pre-authorized offer and print its URI, transaction code and a QR code.
    Create {
        /// Credential configuration id to offer (repeat for several).
        #[arg(long = "configuration", value_name = "ID", required = true)]
        configurations: Vec<String>,
        /// Require a transaction code (printed here, to send the holder out of band).
        #[arg(long)]
        tx_code: bool,
        /// Issue to this existing user instead of a new one.
        #[arg(long, value_name = "ID")]
        user: Option<String>,
        /// Offer lifetime in seconds (at most 600).
        #[arg(long, value_name = "SECONDS")]
        expires_in: Option<i64>,
        /// Print the URI only, without the QR code.
        #[arg(long)]
        no_qr: bool,
    },
}

#[derive(Debug, Subcommand)]
enum AdminTokenCommand {
    /// Create a token and print it once.
    Create {
        /// A label for the token.
        #[arg(long, default_value = "cli")]
        name: String,
    },
    /// List tokens (ids and labels, never the tokens).
    List,
    /// Revoke a token by id.
    Revoke {
        /// The token id shown by `list`.
        id: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut overrides = Overrides::new();
    let mut put = |key: &'static str, value: &Option<String>| {
        if let Some(v) = value {
            overrides.insert(key, v.clone());
        }
    };
    put("storage.data_dir", &cli.data_dir);
    put("database.url", &cli.database_url);
    if let Command::Serve {
        listen,
        public_url,
        admin_listen,
    } = &cli.command
    {
        put("server.listen", listen);
        put("server.public_url", public_url);
        put("server.admin_listen", admin_listen);
    }
    let file = cli
        .config
        .clone()
        .or_else(|| std::env::var_os("SIGIL_CONFIG").map(PathBuf::from));
    let config = match config::load(
        file.as_deref(),
        &|name| std::env::var(name).ok(),
        &overrides,
    ) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("sigil: {e}");
            return ExitCode::from(2);
        }
    };
    init_tracing(&config);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("sigil: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve { .. } => serve(&config).await,
            Command::AdminToken(cmd) => admin_tokens(&config, cmd).await,
            Command::Offer(cmd) => offers(&config, cmd).await,
            Command::Keys(cmd) => keys(&config, cmd).await,
            Command::Credential(cmd) => credentials(&config, cmd).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(StartError::Config(e)) => {
            eprintln!("sigil: {e}");
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("sigil: {e}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log_level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match config.log_format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

fn print_initial_token(token: Option<&sigil_crypto::SecretString>) {
    if let Some(token) = token {
        println!(
            "\nSigil created its first admin token. It is shown only this once (only its hash is stored):\n\n    {}\n\n\
             Send it as `Authorization: Bearer <token>` to the /v1 management API.\n\
             More tokens: sigil admin-token create | list | revoke\n",
            token.expose()
        );
    }
}

async fn serve(config: &Config) -> Result<(), StartError> {
    let server = Server::start(config).await?;
    print_initial_token(server.initial_admin_token.as_ref());
    println!(
        "Sigil is serving {} (listening on {})",
        server.public_url, server.public_addr
    );
    server.run_until(shutdown_signal()).await;
    Ok(())
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

async fn keys(config: &Config, command: KeysCommand) -> Result<(), StartError> {
    use sigil_proto::admin::keys::KeyKind;
    let started = sigil::build(config, config.listen).await?;
    print_initial_token(started.initial_admin_token.as_ref());
    let keys = started.sigil.issuer_keys();
    let list = match command {
        KeysCommand::List => keys.list().await?,
        KeysCommand::Rotate { kinds } => {
            let kinds: Vec<KeyKind> = if kinds.is_empty() {
                KeyKind::ALL.to_vec()
            } else {
                KeyKind::ALL
                    .into_iter()
                    .filter(|k| kinds.contains(k))
                    .collect()
            };
            let list = keys.rotate(&kinds).await?;
            let names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
            eprintln!("rotated {}", names.join(", "));
            list
        }
    };
    println!(
        "{:<44}  {:<18}  {:<8}  {:<7}  {:<20}  {:<20}  PUBLISHED UNTIL",
        "KID", "KIND", "ALG", "STATE", "CREATED", "RETIRED"
    );
    for k in list.data {
        let state = match k.state {
            sigil_proto::admin::keys::KeyState::Active => "active",
            sigil_proto::admin::keys::KeyState::Retired => "retired",
            sigil_proto::admin::keys::KeyState::Expired => "expired",
        };
        println!(
            "{:<44}  {:<18}  {:<8}  {:<7}  {:<20}  {:<20}  {}",
            k.kid,
            k.kind.as_str(),
            k.algorithm,
            state,
            k.created_at,
            k.retired_at.as_deref().unwrap_or("-"),
            k.published_until.as_deref().unwrap_or("-")
        );
    }
    Ok(())
}

async fn credentials(config: &Config, command: CredentialCommand) -> Result<(), StartError> {
    use sigil_core::status_list::{CredentialStatus, StatusScope};
    let (status, target) = match command {
        CredentialCommand::Revoke(t) => (CredentialStatus::Revoked, t),
        CredentialCommand::Suspend(t) => (CredentialStatus::Suspended, t),
        CredentialCommand::Reinstate(t) => (CredentialStatus::Valid, t),
    };
    let started = sigil::build(config, config.listen).await?;
    print_initial_token(started.initial_admin_token.as_ref());
    let lists = started.sigil.status_lists();
    let actor = admin_token::Actor::command_line();
    let changed = match (target.user, target.id) {
        (Some(user), _) => lists.change_user(&user, status, &actor.0).await?,
        (None, Some(id)) => {
            let scope = if target.issuance {
                StatusScope::Issuance
            } else {
                StatusScope::Credential
            };
            lists.change(&id, scope, status, &actor.0).await?
        }
        (None, None) => Vec::new(),
    };
    println!("{:<36}  {:<10}  {:<14}  LIST", "ID", "STATUS", "FORMAT");
    for c in lists.responses(changed).data {
        let list = c
            .status_lists
            .as_deref()
            .and_then(|l| l.first())
            .map(|e| format!("{} #{}", e.uri, e.index))
            .unwrap_or_else(|| "-".into());
        println!("{:<36}  {:<10}  {:<14}  {list}", c.id, c.status, c.format);
    }
    Ok(())
}

async fn admin_tokens(config: &Config, command: AdminTokenCommand) -> Result<(), StartError> {
    let store = open_store(config).await?;
    let clock = SystemClock;
    let rng = Arc::new(SystemRandom::new());
    match command {
        AdminTokenCommand::Create { name } => {
            let (record, token) =
                admin_token::create(store.as_ref(), &clock, rng.as_ref(), &name).await?;
            println!("{}", token.expose());
            eprintln!(
                "created admin token {} ({}); it is shown only this once",
                record.id, record.name
            );
        }
        AdminTokenCommand::List => {
            println!("{:<36}  {:<10}  {:<20}  NAME", "ID", "STATUS", "CREATED");
            for t in store.list_admin_tokens().await? {
                let created = time::OffsetDateTime::from_unix_timestamp(t.created_at)
                    .ok()
                    .and_then(|d| {
                        d.format(&time::format_description::well_known::Rfc3339)
                            .ok()
                    })
                    .unwrap_or_else(|| t.created_at.to_string());
                let status = if t.revoked_at.is_some() {
                    "revoked"
                } else {
                    "active"
                };
                println!("{:<36}  {:<10}  {:<20}  {}", t.id, status, created, t.name);
            }
        }
        AdminTokenCommand::Revoke { id } => {
            admin_token::revoke(store.as_ref(), &clock, &id).await?;
            println!("revoked admin token {id}");
        }
    }
    Ok(())
}

async fn offers(config: &Config, command: OfferCommand) -> Result<(), StartError> {
    let OfferCommand::Create {
        configurations,
        tx_code,
        user,
        expires_in,
        no_qr,
    } = command;
    let started = sigil::build(config, config.listen).await?;
    print_initial_token(started.initial_admin_token.as_ref());
    let request = sigil_proto::admin::offer::PreAuthorizedOfferRequest {
        credentials: configurations,
        user_id: user,
        transaction_code_configuration: tx_code.then(|| {
            sigil_proto::admin::offer::TransactionCodeConfiguration {
                length: None,
                input_mode: None,
                description: Some("Enter the code you were given with this offer".into()),
            }
        }),
        claims: None,
        claims_to_persist: None,
        expires_in: expires_in.map(|s| sigil_proto::admin::offer::OfferExpiresIn {
            minutes: None,
            seconds: Some(s),
        }),
        by_reference: false,
    };
    let offer = match started
        .sigil
        .offers()
        .create_pre_authorized_offer(request)
        .await
    {
        Ok(offer) => offer,
        Err(sigil_core::Error::Validation(details)) => {
            for d in details {
                eprintln!("sigil: {}: {}", d.param, d.msg);
            }
            return Err(StartError::Config(config::ConfigError(
                "the offer was not created".into(),
            )));
        }
        Err(e) => return Err(e.into()),
    };
    println!("{}", offer.uri);
    if let Some(code) = &offer.transaction_code {
        let code = code
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| code.to_string());
        println!("transaction code: {code}");
    }
    println!(
        "offer id: {}  user id: {}  expires at: {}",
        offer.id, offer.user_id, offer.expires_at
    );
    if !no_qr {
        match qrcode::QrCode::new(offer.uri.as_bytes()) {
            Ok(qr) => println!(
                "\n{}",
                qr.render::<qrcode::render::unicode::Dense1x2>()
                    .quiet_zone(true)
                    .build()
            ),
            Err(e) => eprintln!("sigil: the URI is too long for a QR code ({e}); use --no-qr"),
        }
    }
    Ok(())
}
