//! Property tests of the parsers of user input: proxy addresses, durations, annotations, PEM
//! bundles, aliases, Kubernetes names and whole command lines. None may panic, and each
//! accepts exactly what its documentation says.

use clap::{CommandFactory as _, Parser as _};
use ecr::commands::Cli;
use ecr::remote::ProxyAddress;
use proptest::prelude::*;
use regex::Regex;

/// Strings made mostly of the characters that matter to these parsers, so that both sides of
/// each rule are reached, with some arbitrary unicode mixed in.
fn tricky_string(max: usize) -> impl Strategy<Value = String> {
    let chars = prop_oneof![
        8 => prop::sample::select(
            "abcxyzABCZ0189-_.:/=[] @%\u{0}\u{7f}é名".chars().collect::<Vec<_>>()
        ),
        1 => any::<char>(),
    ];
    prop::collection::vec(chars, 0..=max).prop_map(|chars| chars.into_iter().collect())
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), tricky_string(80)]
}

/// Host-and-port-looking text: names, IPv4, IPv6 with and without brackets, ports in and out
/// of range.
fn address_like() -> impl Strategy<Value = String> {
    let host = prop_oneof![
        "[a-z0-9-]{0,10}(\\.[a-z0-9-]{0,10}){0,3}",
        "[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}",
        "[0-9a-f:]{0,20}",
        "\\[[0-9a-f:]{0,20}\\]?",
        any::<std::net::Ipv6Addr>().prop_map(|ip| ip.to_string()),
        any::<std::net::Ipv6Addr>().prop_map(|ip| format!("[{ip}]")),
    ];
    let port = prop_oneof![
        Just(String::new()),
        (0u32..70000).prop_map(|p| format!(":{p}")),
        "[:]?[-+0-9a-z]{0,6}",
    ];
    (host, port).prop_map(|(host, port)| format!("{host}{port}"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn proxy_addresses_round_trip(text in prop_oneof![any_text(), address_like()]) {
        if let Ok(address) = text.parse::<ProxyAddress>() {
            prop_assert!(address.port > 0);
            let shown = address.to_string();
            let again = shown.parse::<ProxyAddress>();
            prop_assert_eq!(again.as_ref().ok(), Some(&address), "{:?} shows as {:?}", text, shown);
        }
    }

    #[test]
    fn annotations_accept_only_documented_keys(pair in prop_oneof![
        any_text(),
        "([a-z0-9.-]{0,12}/)?[a-zA-Z0-9_.-]{0,12}=[ -~]{0,8}",
    ]) {
        let key_shape = Regex::new(
            r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?$",
        ).unwrap();
        match ecr::expose::parse_annotation(&pair) {
            Ok((key, value)) => {
                prop_assert_eq!(format!("{key}={value}"), pair.clone());
                prop_assert!(key_shape.is_match(&key), "accepted key {:?}", key);
                let name = key.rsplit('/').next().unwrap();
                prop_assert!(name.len() <= 63);
                prop_assert!(key.len() - name.len() <= 254);
            }
            Err(message) => {
                prop_assert!(!message.contains('\n'), "a message over one line: {}", message);
                if let Some((key, _)) = pair.split_once('=') {
                    let name = key.rsplit('/').next().unwrap();
                    let prefix_labels_ok = key.rsplit_once('/').is_none_or(|(prefix, _)| {
                        prefix.len() <= 253
                            && prefix.split('.').all(|label| label.len() <= 63)
                    });
                    prop_assert!(
                        !(key_shape.is_match(key) && name.len() <= 63 && prefix_labels_ok),
                        "refused the documented key {:?}", key
                    );
                }
            }
        }
    }

    #[test]
    fn aliases_are_ascii_letters_digits_dash_and_underscore(alias in any_text()) {
        let shape = Regex::new(r"^[A-Za-z0-9]([A-Za-z0-9_-]*[A-Za-z0-9])?$").unwrap();
        let documented = shape.is_match(&alias) && alias.len() <= 63;
        prop_assert_eq!(ecr::trust::validate_alias(&alias).is_ok(), documented, "{:?}", alias);
    }

    #[test]
    fn kubernetes_names_are_rfc_1123_labels(name in any_text()) {
        let shape = Regex::new(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$").unwrap();
        let documented = shape.is_match(&name) && name.len() <= 63;
        prop_assert_eq!(ecr::k8s::validate_name("name", &name).is_ok(), documented, "{:?}", name);
    }

    #[test]
    fn timeouts_are_exactly_humantime_durations(text in prop_oneof![
        any_text(),
        "[-+ ]?[0-9]{0,22}[ ]?(ns|us|ms|s|m|h|d|w|M|y|sec|min|hours|x|)( [0-9]{1,3}[a-z]{0,3}){0,2}",
    ]) {
        let timeout = format!("--timeout={text}");
        for argv in [
            vec!["ecr", "expose", "cluster-one", timeout.as_str()],
            vec!["ecr", "connect", "c", "--proxy", "h", timeout.as_str()],
            vec!["ecr", "setup", timeout.as_str()],
        ] {
            let parsed = Cli::try_parse_from(&argv);
            if let Err(error) = &parsed {
                let _ = error.render().to_string();
            }
            prop_assert_eq!(
                parsed.is_ok(),
                humantime::parse_duration(&text).is_ok(),
                "{:?}", argv
            );
        }
    }

    #[test]
    fn arbitrary_bytes_are_no_certificate_bundle(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        if let Ok(certificates) = ecr::certs::parse_bundle(&bytes) {
            prop_assert!(!certificates.is_empty());
        }
    }

    #[test]
    fn pem_looking_text_never_panics(blocks in prop::collection::vec(
        (
            prop::sample::select(vec!["CERTIFICATE", "PRIVATE KEY", "", "CERTIFICATE REQUEST", "X509 CRL"]),
            prop::collection::vec(any::<u8>(), 0..400),
            any::<bool>(),
            "[ \\t\\r\\n]{0,3}",
        ),
        0..4,
    )) {
        use base64::Engine as _;
        let mut pem = String::new();
        for (label, body, wrapped, junk) in &blocks {
            let encoded = base64::engine::general_purpose::STANDARD.encode(body);
            let encoded = if *wrapped {
                encoded.as_bytes().chunks(64).map(|c| std::str::from_utf8(c).unwrap()).collect::<Vec<_>>().join("\n")
            } else {
                encoded
            };
            pem.push_str(&format!("-----BEGIN {label}-----\n{encoded}\n-----END {label}-----{junk}\n"));
        }
        if let Ok(certificates) = ecr::certs::parse_bundle(pem.as_bytes()) {
            prop_assert!(!certificates.is_empty());
        }
    }

    #[test]
    fn damaged_certificates_never_panic(position in any::<prop::sample::Index>(), byte in any::<u8>(), cut in any::<prop::sample::Index>()) {
        use base64::Engine as _;
        let der = certificate_der();
        let mut damaged = der.to_vec();
        let at = position.index(damaged.len());
        damaged[at] = byte;
        damaged.truncate(cut.index(damaged.len()) + 1);
        let pem = format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            base64::engine::general_purpose::STANDARD.encode(&damaged)
        );
        if let Ok(certificates) = ecr::certs::parse_bundle(pem.as_bytes()) {
            prop_assert_eq!(certificates.len(), 1);
        }
    }

    #[test]
    fn random_command_lines_never_panic(
        words in prop::collection::vec(prop_oneof![
            6 => prop::sample::select(flag_words()),
            3 => prop::sample::select(value_words()),
            1 => any_text(),
        ], 0..10),
        separate in prop::collection::vec(any::<bool>(), 10),
    ) {
        let mut argv = vec!["ecr".to_string()];
        for (word, equals) in words.iter().zip(separate) {
            match argv.last() {
                Some(last) if equals && last.starts_with("--") && !last.contains('=') && !word.starts_with('-') => {
                    let joined = format!("{last}={word}");
                    *argv.last_mut().unwrap() = joined;
                }
                _ => argv.push(word.clone()),
            }
        }
        match Cli::try_parse_from(&argv) {
            Ok(_) => {}
            Err(error) => {
                let _ = error.render().to_string();
                let _ = error.exit_code();
            }
        }
    }
}

/// One real certificate, generated once.
fn certificate_der() -> &'static [u8] {
    static DER: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    DER.get_or_init(|| {
        let certified = rcgen::generate_simple_self_signed(vec!["es.example".to_string()])
            .expect("a self-signed certificate");
        certified.cert.der().to_vec()
    })
}

#[test]
fn a_real_certificate_parses() {
    use base64::Engine as _;
    let pem = format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        base64::engine::general_purpose::STANDARD.encode(certificate_der())
    );
    assert_eq!(ecr::certs::parse_bundle(pem.as_bytes()).unwrap().len(), 1);
}

#[test]
fn the_command_line_definition_is_consistent() {
    Cli::command().debug_assert();
}

/// Every subcommand name and every long and short flag of the real command line.
fn flag_words() -> Vec<String> {
    fn collect(command: &clap::Command, words: &mut Vec<String>) {
        words.push(command.get_name().to_string());
        for arg in command.get_arguments() {
            if let Some(long) = arg.get_long() {
                words.push(format!("--{long}"));
            }
            if let Some(short) = arg.get_short() {
                words.push(format!("-{short}"));
            }
        }
        for sub in command.get_subcommands() {
            collect(sub, words);
        }
    }
    let mut words = Vec::new();
    collect(&Cli::command(), &mut words);
    words.retain(|w| {
        w != "ecr" && w != "--help" && w != "-h" && w != "--version" && w != "-V" && w != "help"
    });
    words.sort();
    words.dedup();
    words
}

/// Values of each kind the flags take, valid and not.
fn value_words() -> Vec<String> {
    [
        "cluster-one",
        "ns-one",
        "",
        "名前",
        "clüster",
        "5m",
        "5x",
        "-1s",
        "0",
        "99999",
        "true",
        "maybe",
        "json",
        "text",
        "yaml",
        "bash",
        "tcsh",
        "LoadBalancer",
        "NodePort",
        "config-map",
        "secret-mount",
        "host:9300",
        "host:99999",
        "[::1",
        "[::1]:9300",
        "a b",
        "a:b",
        "-a",
        "k=v",
        "/etc/x",
        "/nonexistent/x.pem",
        "ftp://x",
        "https://es:9200",
    ]
    .iter()
    .map(ToString::to_string)
    .collect()
}
