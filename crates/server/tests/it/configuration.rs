//! Configuration layering, the documented example file, and errors that name the key.

use std::collections::BTreeMap;

use sigil::config::{self, KEYS, Overrides};

fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: BTreeMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name| map.get(name).cloned()
}

fn example_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sigil.example.toml")
}

#[test]
fn the_example_file_parses_and_documents_every_key_with_its_default_and_env() {
    let path = example_path();
    let text = std::fs::read_to_string(&path).unwrap();
    let config =
        config::load(Some(&path), &|_| None, &Overrides::new()).expect("the example is valid");
    let defaults = config::load(
        Some(std::path::Path::new("/dev/null")),
        &|_| None,
        &Overrides::new(),
    )
    .unwrap();
    assert_eq!(
        format!("{config:?}"),
        format!("{defaults:?}"),
        "the example's values are the defaults"
    );

    let parsed: toml::Table = text.parse().unwrap();
    for key in KEYS {
        let section_start = text
            .find(&format!("[{}]", key.section))
            .unwrap_or_else(|| panic!("section [{}] is in the example", key.section));
        let section = &text[section_start..];
        let section = section[1..]
            .find("\n[")
            .map_or(section, |end| &section[..end + 1]);
        let line = section
            .lines()
            .find(|l| {
                l.trim_start_matches(['#', ' '])
                    .starts_with(&format!("{} =", key.name))
            })
            .unwrap_or_else(|| panic!("{} appears in the example", key.path()));
        assert!(
            section.contains(key.env),
            "{} documents its environment variable {}",
            key.path(),
            key.env
        );
        assert!(
            section.contains("Default:"),
            "{} documents its default",
            key.path()
        );
        let value = parsed.get(key.section).and_then(|s| s.get(key.name));
        match key.default {
            Some(default) => {
                assert!(
                    !line.trim_start().starts_with('#'),
                    "{} has a default, so it is shown set",
                    key.path()
                );
                let shown = value.unwrap_or_else(|| panic!("{} is set in the example", key.path()));
                let shown = shown
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| shown.to_string());
                assert_eq!(shown, default, "{} shows its default", key.path());
            }
            None => assert!(
                value.is_none(),
                "{} has no default, so it is shown commented out",
                key.path()
            ),
        }
    }
    let documented: Vec<String> = parsed
        .iter()
        .flat_map(|(s, t)| {
            t.as_table()
                .unwrap()
                .keys()
                .map(move |k| format!("{s}.{k}"))
        })
        .collect();
    for path in documented {
        assert!(
            KEYS.iter().any(|k| k.path() == path),
            "{path} in the example is a real key"
        );
    }
}

#[test]
fn layers_apply_in_order_defaults_file_env_cli() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sigil.toml");
    std::fs::write(&file, "[server]\nlisten = \"127.0.0.1:9001\"\nmax_body_bytes = 4096\n[storage]\ndata_dir = \"/tmp/from-file\"\n").unwrap();
    let none = Overrides::new();
    let c = config::load(Some(&file), &|_| None, &none).unwrap();
    assert_eq!(c.listen.to_string(), "127.0.0.1:9001");
    assert_eq!(c.max_body_bytes, 4096);
    assert_eq!(
        c.database_max_connections, 10,
        "default where nothing says otherwise"
    );

    let env = env_of(&[
        ("SIGIL_LISTEN", "127.0.0.1:9002"),
        ("SIGIL_DATABASE_MAX_CONNECTIONS", "3"),
    ]);
    let c = config::load(Some(&file), &env, &none).unwrap();
    assert_eq!(c.listen.to_string(), "127.0.0.1:9002", "env beats the file");
    assert_eq!(c.database_max_connections, 3);
    assert_eq!(c.data_dir.to_str(), Some("/tmp/from-file"));

    let mut cli = Overrides::new();
    cli.insert("server.listen", "127.0.0.1:9003".into());
    let c = config::load(Some(&file), &env, &cli).unwrap();
    assert_eq!(
        c.listen.to_string(),
        "127.0.0.1:9003",
        "the command line beats env"
    );
}

#[test]
fn bad_configuration_names_the_key_and_its_source() {
    let dir = tempfile::tempdir().unwrap();
    let none = Overrides::new();
    let err = |file: Option<&str>, env: &[(&str, &str)]| {
        let path = dir.path().join("bad.toml");
        if let Some(text) = file {
            std::fs::write(&path, text).unwrap();
        }
        config::load(file.map(|_| path.as_path()), &env_of(env), &none)
            .unwrap_err()
            .to_string()
    };
    let cases: Vec<(String, &[&str])> = vec![
        (
            err(None, &[("SIGIL_LISTEN", "everywhere")]),
            &["server.listen", "SIGIL_LISTEN"],
        ),
        (
            err(None, &[("SIGIL_PUBLIC_URL", "http://issuer.example.com")]),
            &["server.public_url", "SIGIL_PUBLIC_URL", "https"],
        ),
        (
            err(
                None,
                &[("SIGIL_PUBLIC_URL", "https://issuer.example.com/?a=b")],
            ),
            &["server.public_url", "query"],
        ),
        (
            err(None, &[("SIGIL_PUBLIC_URL", "issuer.example.com")]),
            &["server.public_url"],
        ),
        (
            err(None, &[("SIGIL_MAX_BODY_BYTES", "lots")]),
            &["server.max_body_bytes", "SIGIL_MAX_BODY_BYTES", "integer"],
        ),
        (
            err(None, &[("SIGIL_MAX_BODY_BYTES", "10")]),
            &["server.max_body_bytes"],
        ),
        (
            err(None, &[("SIGIL_DATABASE_URL", "mysql://x")]),
            &["database.url", "SIGIL_DATABASE_URL"],
        ),
        (
            err(None, &[("SIGIL_MASTER_KEY", "c2hvcnQ=")]),
            &["security.master_key", "32 bytes"],
        ),
        (
            err(None, &[("SIGIL_ADMIN_TOKEN", "short")]),
            &["security.admin_token", "32 characters"],
        ),
        (err(None, &[("SIGIL_LOG_FORMAT", "xml")]), &["log.format"]),
        (
            err(None, &[("SIGIL_LISTEN", "10.1.2.3:8080")]),
            &["server.public_url", "non-loopback"],
        ),
        (
            err(Some("[server]\nlisten = 8080\n"), &[]),
            &["server.listen", "bad.toml"],
        ),
        (
            err(Some("[server]\nlisen = \"127.0.0.1:1\"\n"), &[]),
            &["lisen"],
        ),
        (err(Some("[servre]\n"), &[]), &["servre"]),
        (err(Some("[server\n"), &[]), &["bad.toml", "TOML"]),
    ];
    for (message, needles) in cases {
        for needle in needles {
            assert!(
                message.contains(needle),
                "{message:?} should mention {needle:?}"
            );
        }
    }
}

#[test]
fn public_url_rules() {
    for ok in [
        "https://issuer.example.com",
        "https://issuer.example.com/tenant/a",
        "http://localhost:8080",
        "http://127.0.0.1:1",
        "http://[::1]:8080",
    ] {
        assert!(config::parse_public_url(ok).is_ok(), "{ok}");
    }
    for bad in [
        "http://issuer.example.com",
        "http://192.168.1.1",
        "ftp://issuer.example.com",
        "https://issuer.example.com#x",
        "https://u:p@issuer.example.com",
    ] {
        assert!(config::parse_public_url(bad).is_err(), "{bad}");
    }
    let url = config::parse_public_url("https://issuer.example.com/").unwrap();
    assert_eq!(
        config::issuer_identifier(&url),
        "https://issuer.example.com",
        "no trailing slash"
    );
    let derived = config::derived_public_url("0.0.0.0:8080".parse().unwrap()).unwrap();
    assert_eq!(config::issuer_identifier(&derived), "http://localhost:8080");
}
