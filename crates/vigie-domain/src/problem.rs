//! A mistake in what a person gave, said so that it can be told in their language.
//!
//! The layers that find a mistake (the domain's rules, the store) do not speak any language: they
//! name the message by its key in the translation catalogues of the presentation layer
//! (`vigie-report`, `i18n/{fr,en}/*.ftl`) and give its arguments. The pages and the command line
//! render it in the reader's language; logs show the key and the arguments.
//!
//! Keys are Fluent message identifiers (`asset-range-too-broad`); arguments are named (`$value`,
//! `$max`) and are texts or whole numbers (numbers select the plural forms).

use std::fmt;

use serde::Serialize;

/// A value of a message's argument.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum Arg {
    Text(String),
    Number(i64),
}

impl From<&str> for Arg {
    fn from(s: &str) -> Arg {
        Arg::Text(s.to_string())
    }
}
impl From<String> for Arg {
    fn from(s: String) -> Arg {
        Arg::Text(s)
    }
}
impl From<&String> for Arg {
    fn from(s: &String) -> Arg {
        Arg::Text(s.clone())
    }
}
impl From<i64> for Arg {
    fn from(n: i64) -> Arg {
        Arg::Number(n)
    }
}
impl From<usize> for Arg {
    fn from(n: usize) -> Arg {
        Arg::Number(i64::try_from(n).unwrap_or(i64::MAX))
    }
}
impl From<u64> for Arg {
    fn from(n: u64) -> Arg {
        Arg::Number(i64::try_from(n).unwrap_or(i64::MAX))
    }
}
impl From<u32> for Arg {
    fn from(n: u32) -> Arg {
        Arg::Number(i64::from(n))
    }
}
impl From<i32> for Arg {
    fn from(n: i32) -> Arg {
        Arg::Number(i64::from(n))
    }
}
impl From<u16> for Arg {
    fn from(n: u16) -> Arg {
        Arg::Number(i64::from(n))
    }
}

impl fmt::Display for Arg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Arg::Text(s) => f.write_str(s),
            Arg::Number(n) => write!(f, "{n}"),
        }
    }
}

/// A message key and its arguments.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Problem {
    pub key: &'static str,
    pub args: Vec<(&'static str, Arg)>,
}

impl Problem {
    pub fn new(key: &'static str) -> Problem {
        Problem {
            key,
            args: Vec::new(),
        }
    }

    /// Adds the argument `$name`.
    pub fn arg(mut self, name: &'static str, value: impl Into<Arg>) -> Problem {
        self.args.push((name, value.into()));
        self
    }

    /// The value of the argument `$name`.
    pub fn get(&self, name: &str) -> Option<&Arg> {
        self.args.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }
}

/// `key(name=value, …)`: what logs show (pages render it in the reader's language).
impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key)?;
        if !self.args.is_empty() {
            f.write_str("(")?;
            for (i, (n, v)) in self.args.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                match v {
                    Arg::Text(s) => write!(f, "{n}={s:?}")?,
                    Arg::Number(x) => write!(f, "{n}={x}")?,
                }
            }
            f.write_str(")")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_key_and_arguments() {
        let p = Problem::new("asset-range-too-broad")
            .arg("value", "10.0.0.0/8")
            .arg("max", 16u32);
        assert_eq!(p.get("max"), Some(&Arg::Number(16)));
        assert_eq!(
            p.to_string(),
            "asset-range-too-broad(value=\"10.0.0.0/8\", max=16)"
        );
    }
}
