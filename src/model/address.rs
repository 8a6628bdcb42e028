//! Resource addresses: how a plan names its resources (`bucket.data`, `job.pets`), in tags,
//! plan output and errors.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The kinds of resource a plan manages, in dependency order: a bucket comes before the role
/// whose policy names it, both before the uploads; the workforce before its teams; all before
/// the job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Bucket,
    Role,
    Upload,
    Workforce,
    Team,
    Job,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::Bucket,
        Kind::Role,
        Kind::Upload,
        Kind::Workforce,
        Kind::Team,
        Kind::Job,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Bucket => "bucket",
            Kind::Role => "role",
            Kind::Upload => "upload",
            Kind::Workforce => "workforce",
            Kind::Team => "team",
            Kind::Job => "job",
        }
    }
}

/// `<kind>.<name>`, e.g. `bucket.data`. Ordered by kind, then name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Address {
    pub kind: Kind,
    pub name: String,
}

impl Address {
    pub fn new(kind: Kind, name: impl Into<String>) -> Self {
        Self {
            kind,
            name: name.into(),
        }
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.kind.as_str(), self.name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a resource address (expected `bucket.NAME`, `role.NAME`, `upload.NAME` or `job.NAME`)"
)]
pub struct AddressError(String);

impl FromStr for Address {
    type Err = AddressError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (kind, name) = s
            .split_once('.')
            .ok_or_else(|| AddressError(s.to_owned()))?;
        let kind = Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == kind)
            .ok_or_else(|| AddressError(s.to_owned()))?;
        if name.is_empty() {
            return Err(AddressError(s.to_owned()));
        }
        Ok(Self::new(kind, name))
    }
}

impl Serialize for Address {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Address {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_orders_by_dependency() {
        let a: Address = "job.pets".parse().expect("parses");
        assert_eq!(a.to_string(), "job.pets");
        assert!("thing.x".parse::<Address>().is_err());
        let mut v = [
            a,
            Address::new(Kind::Bucket, "z"),
            Address::new(Kind::Role, "a"),
        ];
        v.sort();
        assert_eq!(
            v.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["bucket.z", "role.a", "job.pets"]
        );
    }
}
