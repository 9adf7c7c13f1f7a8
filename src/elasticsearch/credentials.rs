//! Who ecr is to Elasticsearch: a user and password or an API key, kept in a type that never
//! shows them, and found in ECK's secret, the environment, or a prompt on a terminal.

use std::collections::HashMap;
use std::fmt;
use std::io::IsTerminal as _;

use base64::Engine as _;
use reqwest::header::HeaderValue;

use crate::eck::ELASTIC_USER;
use crate::error::{Failure, FailureKind};

/// The user name, when the environment gives a password without one.
pub const USERNAME_VARIABLE: &str = "ES_USERNAME";
pub const PASSWORD_VARIABLE: &str = "ES_PASSWORD";
/// An API key as Elasticsearch returns it in `encoded` (base64 of `id:key`).
pub const API_KEY_VARIABLE: &str = "ES_API_KEY";

/// A password or API key: shown as `<redacted>` by `Debug`, never by `Display` (it has none).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(secret: impl Into<String>) -> Self {
        Secret(secret.into())
    }

    /// The secret itself, for the places that hand it over: the `Authorization` header, and
    /// the Secret that carries a key to the other cluster's keystore.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Where the credentials came from, for the hint when Elasticsearch rejects them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialSource {
    /// ECK's secret of the `elastic` user.
    EckSecret { secret: String, namespace: String },
    /// These environment variables.
    Environment(&'static str),
    /// A password typed at the prompt.
    Prompt,
}

impl fmt::Display for CredentialSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialSource::EckSecret { secret, namespace } => {
                write!(f, "the secret {secret} in {namespace}")
            }
            CredentialSource::Environment(variables) => write!(f, "the environment ({variables})"),
            CredentialSource::Prompt => f.write_str("the password prompt"),
        }
    }
}

/// How ecr authenticates to Elasticsearch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    Basic {
        username: String,
        password: Secret,
        source: CredentialSource,
    },
    ApiKey {
        key: Secret,
        source: CredentialSource,
    },
}

/// What the environment holds: complete credentials, or a user whose password must be asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FromEnvironment {
    Found(Credentials),
    PasswordMissing { username: String },
}

impl Credentials {
    /// The `elastic` user with the password from ECK's secret.
    pub fn eck_elastic(password: Secret, secret: String, namespace: String) -> Self {
        Credentials::Basic {
            username: ELASTIC_USER.to_string(),
            password,
            source: CredentialSource::EckSecret { secret, namespace },
        }
    }

    /// Reads `ES_API_KEY`, or `ES_USERNAME` (default `elastic`) and `ES_PASSWORD`, from
    /// `variables`; empty values count as unset.
    pub fn from_variables(variables: &HashMap<String, String>) -> Result<FromEnvironment, Failure> {
        let get = |name: &str| variables.get(name).filter(|value| !value.is_empty());
        let username = get(USERNAME_VARIABLE).map_or(ELASTIC_USER, String::as_str);
        match (get(API_KEY_VARIABLE), get(PASSWORD_VARIABLE)) {
            (Some(_), Some(_)) => Err(Failure::new(
                FailureKind::Invalid,
                format!("both {API_KEY_VARIABLE} and {PASSWORD_VARIABLE} are set"),
            )
            .with_hint("unset one of them: ecr authenticates with one or the other")),
            (Some(key), None) => Ok(FromEnvironment::Found(Credentials::ApiKey {
                key: Secret::new(key.as_str()),
                source: CredentialSource::Environment(API_KEY_VARIABLE),
            })),
            (None, Some(password)) => Ok(FromEnvironment::Found(Credentials::Basic {
                username: username.to_string(),
                password: Secret::new(password.as_str()),
                source: CredentialSource::Environment("ES_USERNAME, ES_PASSWORD"),
            })),
            (None, None) => Ok(FromEnvironment::PasswordMissing {
                username: username.to_string(),
            }),
        }
    }

    /// Credentials from the process environment, or else a password prompt on stderr when
    /// stdin and stderr are terminals; `target` names what the password is for, `why` (if
    /// given) why ecr has none of its own.
    pub fn from_environment_or_prompt(target: &str, why: Option<&str>) -> anyhow::Result<Self> {
        let variables = [USERNAME_VARIABLE, PASSWORD_VARIABLE, API_KEY_VARIABLE]
            .into_iter()
            .filter_map(|name| Some((name.to_string(), std::env::var(name).ok()?)))
            .collect();
        match Self::from_variables(&variables)? {
            FromEnvironment::Found(credentials) => Ok(credentials),
            FromEnvironment::PasswordMissing { username } => prompt(username, target, why),
        }
    }

    /// Who is authenticating, for messages: `elastic`, or `the API key`.
    pub fn who(&self) -> String {
        match self {
            Credentials::Basic { username, .. } => username.clone(),
            Credentials::ApiKey { .. } => "the API key".to_string(),
        }
    }

    pub fn source(&self) -> &CredentialSource {
        match self {
            Credentials::Basic { source, .. } | Credentials::ApiKey { source, .. } => source,
        }
    }

    /// The `Authorization` header, marked sensitive so that no log shows its value.
    pub fn authorization(&self) -> Result<HeaderValue, Failure> {
        let value = match self {
            Credentials::Basic {
                username, password, ..
            } => {
                let pair = format!("{username}:{}", password.expose());
                format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(pair)
                )
            }
            Credentials::ApiKey { key, .. } => format!("ApiKey {}", key.expose()),
        };
        let mut header = HeaderValue::from_str(&value).map_err(|_| {
            Failure::new(
                FailureKind::Invalid,
                format!(
                    "the credentials from {} are not valid in an HTTP header",
                    self.source()
                ),
            )
            .with_hint("an API key is the `encoded` value Elasticsearch returned when it made it")
        })?;
        header.set_sensitive(true);
        Ok(header)
    }
}

/// Asks for `username`'s password on the terminal, or says which variables to set.
fn prompt(username: String, target: &str, why: Option<&str>) -> anyhow::Result<Credentials> {
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        let message = match why {
            Some(why) => format!(
                "{why}, and the environment holds no credentials (no terminal to ask for a password)"
            ),
            None => format!("no credentials for {target}, and no terminal to ask for a password"),
        };
        return Err(Failure::new(FailureKind::Unauthorized, message)
        .with_hint(format!(
            "set {USERNAME_VARIABLE} and {PASSWORD_VARIABLE}, or {API_KEY_VARIABLE}, in the environment"
        ))
        .into());
    }
    let password = dialoguer::Password::new()
        .with_prompt(format!("Password of {username} for {target}"))
        .interact()
        .map_err(|error| anyhow::anyhow!("reading the password from the terminal: {error}"))?;
    Ok(Credentials::Basic {
        username,
        password: Secret::new(password),
        source: CredentialSource::Prompt,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn variables(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect()
    }

    #[test]
    fn debug_never_shows_a_secret() {
        let basic = Credentials::eck_elastic(
            Secret::new("s3cr3t-pw"),
            "one-es-elastic-user".into(),
            "ns".into(),
        );
        let key = Credentials::ApiKey {
            key: Secret::new("a2V5LWlkOmtleQ=="),
            source: CredentialSource::Environment(API_KEY_VARIABLE),
        };
        for credentials in [&basic, &key] {
            let shown = format!("{credentials:?} {credentials:#?}");
            assert!(!shown.contains("s3cr3t-pw"), "{shown}");
            assert!(!shown.contains("a2V5LWlkOmtleQ=="), "{shown}");
            assert!(shown.contains("<redacted>"), "{shown}");
            let header = credentials.authorization().unwrap();
            assert!(header.is_sensitive());
            assert_eq!(format!("{header:?}"), "Sensitive");
        }
    }

    #[test]
    fn the_header_is_basic_or_api_key() {
        let basic = Credentials::eck_elastic(Secret::new("pw"), "s".into(), "ns".into());
        assert_eq!(basic.authorization().unwrap(), "Basic ZWxhc3RpYzpwdw==");
        let key = Credentials::ApiKey {
            key: Secret::new("abc=="),
            source: CredentialSource::Prompt,
        };
        assert_eq!(key.authorization().unwrap(), "ApiKey abc==");
        let broken = Credentials::ApiKey {
            key: Secret::new("line\nbreak"),
            source: CredentialSource::Environment(API_KEY_VARIABLE),
        };
        let failure = broken.authorization().unwrap_err();
        assert!(!failure.message.contains("line"), "{}", failure.message);
    }

    #[test]
    fn the_environment_gives_a_password_or_an_api_key() {
        let found = Credentials::from_variables(&variables(&[
            ("ES_USERNAME", "ops"),
            ("ES_PASSWORD", "pw"),
        ]));
        let Ok(FromEnvironment::Found(credentials)) = found else {
            panic!("{found:?}");
        };
        assert_eq!(credentials.who(), "ops");
        assert_eq!(
            credentials.source(),
            &CredentialSource::Environment("ES_USERNAME, ES_PASSWORD")
        );

        let found = Credentials::from_variables(&variables(&[("ES_PASSWORD", "pw")]));
        assert!(matches!(found, Ok(FromEnvironment::Found(c)) if c.who() == "elastic"));

        let found = Credentials::from_variables(&variables(&[("ES_API_KEY", "k")]));
        assert!(matches!(found, Ok(FromEnvironment::Found(c)) if c.who() == "the API key"));
    }

    #[test]
    fn a_missing_password_is_asked_for_the_named_user() {
        let missing =
            Credentials::from_variables(&variables(&[("ES_USERNAME", "ops"), ("ES_PASSWORD", "")]));
        assert_eq!(
            missing,
            Ok(FromEnvironment::PasswordMissing {
                username: "ops".into()
            })
        );
        assert_eq!(
            Credentials::from_variables(&HashMap::new()),
            Ok(FromEnvironment::PasswordMissing {
                username: "elastic".into()
            })
        );
    }

    #[test]
    fn a_password_and_an_api_key_together_are_refused_without_showing_either() {
        let failure = Credentials::from_variables(&variables(&[
            ("ES_PASSWORD", "pw-value"),
            ("ES_API_KEY", "key-value"),
        ]))
        .unwrap_err();
        assert_eq!(failure.message, "both ES_API_KEY and ES_PASSWORD are set");
        assert!(!format!("{failure:?}").contains("-value"));
    }
}
