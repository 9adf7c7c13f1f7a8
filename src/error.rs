//! Failures the operator can act on: what failed, in their words, and what to do about it.
//! Everything else travels as plain `anyhow` context; `main` prints both the same way.

use std::fmt;

/// What kind of failure this is, for the callers that branch on it (a conflict is re-planned,
/// a missing object is diagnosed) and for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// The named thing does not exist.
    NotFound,
    /// Someone else changed the object since it was read.
    Conflict,
    /// RBAC denied the request.
    Forbidden,
    /// The credentials were rejected.
    Unauthorized,
    /// The server could not be reached, or kept failing.
    Unavailable,
    /// The input or the data read is not what it must be.
    Invalid,
}

/// A failure phrased for the operator: one line saying what failed, and at most one hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub kind: FailureKind,
    pub message: String,
    pub hint: Option<String>,
}

impl Failure {
    pub fn new(kind: FailureKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            hint: None,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The failure inside an `anyhow` chain, if there is one.
    pub fn find(error: &anyhow::Error) -> Option<&Failure> {
        error
            .chain()
            .find_map(|cause| cause.downcast_ref::<Failure>())
    }

    /// Whether `error` carries a failure of this kind.
    pub fn is(error: &anyhow::Error, kind: FailureKind) -> bool {
        Self::find(error).is_some_and(|failure| failure.kind == kind)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// Not a failure of ecr: a command that reports on health (`ecr status`) found things that
/// need attention, printed them, and exits with status 1 so that cron and CI notice.
#[derive(Debug, thiserror::Error)]
#[error("{} need{} attention", counted(self.0, "thing"), if self.0 == 1 { "s" } else { "" })]
pub struct NeedsAttention(pub usize);

/// A count and its noun, in the singular for one: `1 change`, `2 changes`, `-3 days`.
pub fn counted<N: Copy + fmt::Display + TryInto<u8>>(count: N, noun: &str) -> String {
    format!("{count} {}", plural(count, noun))
}

/// The noun for that many things: `nodeSet`, `nodeSets` (nouns that take an `s`).
pub fn plural<N: TryInto<u8>>(count: N, noun: &str) -> String {
    match count.try_into() {
        Ok(1) => noun.to_string(),
        _ => format!("{noun}s"),
    }
}

/// Joins names for a message: `a, b, c`, or the given word when there are none.
pub fn name_list<S: AsRef<str>>(names: &[S], none: &str) -> String {
    if names.is_empty() {
        return none.to_string();
    }
    names
        .iter()
        .map(AsRef::as_ref)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context as _;

    #[test]
    fn counts_take_the_singular_for_one_only() {
        assert_eq!(counted(0, "change"), "0 changes");
        assert_eq!(counted(1, "change"), "1 change");
        assert_eq!(counted(2, "day"), "2 days");
        assert_eq!(NeedsAttention(1).to_string(), "1 thing needs attention");
        assert_eq!(NeedsAttention(3).to_string(), "3 things need attention");
    }

    #[test]
    fn a_failure_is_found_under_context() {
        let error = Err::<(), _>(Failure::new(FailureKind::Conflict, "changed"))
            .context("writing the secret")
            .unwrap_err();
        assert!(Failure::is(&error, FailureKind::Conflict));
        assert!(!Failure::is(&error, FailureKind::NotFound));
        assert_eq!(format!("{error:#}"), "writing the secret: changed");
    }

    #[test]
    fn name_lists_read_naturally() {
        assert_eq!(name_list(&["a", "b"], "none"), "a, b");
        assert_eq!(name_list::<&str>(&[], "none"), "none");
    }
}
