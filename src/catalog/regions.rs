//! The regions where Ground Truth's built-in task types run, and the AWS account that owns the
//! built-in pre-annotation (`PRE-*`) and consolidation (`ACS-*`) Lambda functions there.
//!
//! Source: the Lambda ARN lists in botocore's SageMaker model (`HumanTaskConfig`), summarised in
//! `shared/ground-truth-facts.md` §2.1. The account is per region, not per function.

/// A region that hosts the built-in labeling Lambdas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroundTruthRegion {
    pub name: &'static str,
    /// Owner of `arn:aws:lambda:<name>:<account>:function:PRE-*` / `ACS-*`.
    pub lambda_account: &'static str,
}

/// The 12 documented regions; no `aws-cn` or `aws-us-gov` ARNs are documented.
pub const REGIONS: &[GroundTruthRegion] = &[
    GroundTruthRegion {
        name: "us-east-1",
        lambda_account: "432418664414",
    },
    GroundTruthRegion {
        name: "us-east-2",
        lambda_account: "266458841044",
    },
    GroundTruthRegion {
        name: "us-west-2",
        lambda_account: "081040173940",
    },
    GroundTruthRegion {
        name: "ca-central-1",
        lambda_account: "918755190332",
    },
    GroundTruthRegion {
        name: "eu-west-1",
        lambda_account: "568282634449",
    },
    GroundTruthRegion {
        name: "eu-west-2",
        lambda_account: "487402164563",
    },
    GroundTruthRegion {
        name: "eu-central-1",
        lambda_account: "203001061592",
    },
    GroundTruthRegion {
        name: "ap-northeast-1",
        lambda_account: "477331159723",
    },
    GroundTruthRegion {
        name: "ap-northeast-2",
        lambda_account: "845288260483",
    },
    GroundTruthRegion {
        name: "ap-south-1",
        lambda_account: "565803892007",
    },
    GroundTruthRegion {
        name: "ap-southeast-1",
        lambda_account: "377565633583",
    },
    GroundTruthRegion {
        name: "ap-southeast-2",
        lambda_account: "454466003867",
    },
];

/// Owns the Mechanical Turk work team and the human task UIs in every region (facts §2.3).
pub const WORKFORCE_ACCOUNT: &str = "394669845002";
/// Owns the automated-labeling algorithm specifications in every region (facts §2.4).
pub const ALGORITHM_ACCOUNT: &str = "027400017018";

/// The account owning the built-in `PRE-*`/`ACS-*` Lambdas in `region`; `None` outside the 12
/// Ground Truth regions.
pub fn lambda_account(region: &str) -> Option<&'static str> {
    self::region(region).map(|r| r.lambda_account)
}

/// The names of the regions with built-in task types, in table order.
pub fn supported() -> impl Iterator<Item = &'static str> {
    REGIONS.iter().map(|r| r.name)
}

/// The Ground Truth region entry for `name`, if built-in task types are available there.
pub fn region(name: &str) -> Option<&'static GroundTruthRegion> {
    REGIONS.iter().find(|r| r.name == name)
}

/// A region without Ground Truth's built-in task types.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Ground Truth's built-in task types are not available in `{0}`")]
pub struct UnsupportedRegion(pub String);

impl UnsupportedRegion {
    /// What to do instead: the list of supported regions.
    pub fn hint(&self) -> String {
        let names: Vec<String> = supported().map(|r| format!("`{r}`")).collect();
        format!("use one of the supported regions: {}", names.join(", "))
    }
}

/// The Ground Truth region `name`, or the error that lists the supported ones.
pub fn require(name: &str) -> Result<&'static GroundTruthRegion, UnsupportedRegion> {
    region(name).ok_or_else(|| UnsupportedRegion(name.to_owned()))
}

/// The region whose built-in Lambdas belong to `account`, if any.
pub fn region_of_lambda_account(account: &str) -> Option<&'static GroundTruthRegion> {
    REGIONS.iter().find(|r| r.lambda_account == account)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_are_distinct_per_region() {
        for r in REGIONS {
            assert_eq!(region_of_lambda_account(r.lambda_account), Some(r));
            assert_eq!(r.lambda_account.len(), 12);
        }
        assert_eq!(
            region("us-east-1").map(|r| r.lambda_account),
            Some("432418664414")
        );
        assert!(region("cn-north-1").is_none());
    }
}
