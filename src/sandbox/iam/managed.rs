//! The AWS-managed policies the sandbox knows. The sandbox has no `CreatePolicy`, so
//! `AttachRolePolicy` accepts only these ARNs. Their documents are simplified versions written
//! from `shared/ground-truth-facts.md` section 4.3 (the S3 name patterns, the
//! `SageMaker=true` object tag, Lambda name patterns) and keep exactly the grants that decide
//! whether a labeling job can read its inputs and write its outputs; the `sagemaker` module
//! evaluates them through [`managed_policy_document`].

/// One AWS-managed policy: its name, path and (simplified) default version's document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ManagedPolicy {
    pub name: &'static str,
    pub path: &'static str,
    pub document: &'static str,
}

impl ManagedPolicy {
    pub fn arn(&self) -> String {
        format!("arn:aws:iam::aws:policy{}{}", self.path, self.name)
    }
}

/// `AmazonSageMakerFullAccess` (for users and roles). Beyond section 4.3: `sagemaker:*` and
/// `iam:PassRole` to `sagemaker.amazonaws.com`, which are what the policy is for.
const SAGEMAKER_FULL_ACCESS: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "SageMaker", "Effect": "Allow", "Action": "sagemaker:*", "Resource": "*"},
    {"Sid": "PassRoleToSageMaker", "Effect": "Allow", "Action": "iam:PassRole",
     "Resource": "arn:aws:iam::*:role/*",
     "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}},
    {"Sid": "ObjectsInSageMakerBuckets", "Effect": "Allow",
     "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
     "Resource": ["arn:aws:s3:::*SageMaker*", "arn:aws:s3:::*Sagemaker*", "arn:aws:s3:::*sagemaker*", "arn:aws:s3:::*aws-glue*"]},
    {"Sid": "ObjectsTaggedForSageMaker", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
     "Condition": {"StringEqualsIgnoreCase": {"s3:ExistingObjectTag/SageMaker": "true"}}},
    {"Sid": "Buckets", "Effect": "Allow",
     "Action": ["s3:CreateBucket", "s3:GetBucketLocation", "s3:ListBucket", "s3:ListAllMyBuckets", "s3:GetBucketCors", "s3:PutBucketCors"],
     "Resource": "*"},
    {"Sid": "SageMakerFunctions", "Effect": "Allow", "Action": "lambda:InvokeFunction",
     "Resource": ["arn:aws:lambda:*:*:function:*SageMaker*", "arn:aws:lambda:*:*:function:*sagemaker*", "arn:aws:lambda:*:*:function:*Sagemaker*"]}
  ]
}"#;

/// `AmazonSageMakerGroundTruthExecution` (for a labeling job's execution role).
const GROUND_TRUTH_EXECUTION: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "ObjectsInLabelingBuckets", "Effect": "Allow",
     "Action": ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"],
     "Resource": ["arn:aws:s3:::*GroundTruth*", "arn:aws:s3:::*Groundtruth*", "arn:aws:s3:::*groundtruth*",
                  "arn:aws:s3:::*SageMaker*", "arn:aws:s3:::*Sagemaker*", "arn:aws:s3:::*sagemaker*"]},
    {"Sid": "ObjectsTaggedForSageMaker", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
     "Condition": {"StringEqualsIgnoreCase": {"s3:ExistingObjectTag/SageMaker": "true"}}},
    {"Sid": "Buckets", "Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetBucketLocation"], "Resource": "*"},
    {"Sid": "Logs", "Effect": "Allow",
     "Action": ["cloudwatch:PutMetricData", "logs:CreateLogStream", "logs:CreateLogGroup", "logs:DescribeLogStreams", "logs:PutLogEvents"],
     "Resource": "*"},
    {"Sid": "StreamingQueues", "Effect": "Allow",
     "Action": ["sqs:CreateQueue", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl",
                "sqs:ReceiveMessage", "sqs:SendMessage", "sqs:SendMessageBatch", "sqs:SetQueueAttributes"],
     "Resource": "arn:aws:sqs:*:*:*GroundTruth*"},
    {"Sid": "StreamingSubscribe", "Effect": "Allow", "Action": "sns:Subscribe",
     "Resource": ["arn:aws:sns:*:*:*GroundTruth*", "arn:aws:sns:*:*:*Groundtruth*", "arn:aws:sns:*:*:*groundTruth*",
                  "arn:aws:sns:*:*:*groundtruth*", "arn:aws:sns:*:*:*SageMaker*", "arn:aws:sns:*:*:*Sagemaker*",
                  "arn:aws:sns:*:*:*sageMaker*", "arn:aws:sns:*:*:*sagemaker*"],
     "Condition": {"StringEquals": {"sns:Protocol": "sqs"}, "StringLike": {"sns:Endpoint": "arn:aws:sqs:*:*:*GroundTruth*"}}},
    {"Sid": "StreamingPublish", "Effect": "Allow", "Action": "sns:Publish",
     "Resource": ["arn:aws:sns:*:*:*GroundTruth*", "arn:aws:sns:*:*:*Groundtruth*", "arn:aws:sns:*:*:*groundTruth*",
                  "arn:aws:sns:*:*:*groundtruth*", "arn:aws:sns:*:*:*SageMaker*", "arn:aws:sns:*:*:*Sagemaker*",
                  "arn:aws:sns:*:*:*sageMaker*", "arn:aws:sns:*:*:*sagemaker*"]},
    {"Sid": "StreamingUnsubscribe", "Effect": "Allow", "Action": "sns:Unsubscribe", "Resource": "*"},
    {"Sid": "LabelingFunctions", "Effect": "Allow", "Action": "lambda:InvokeFunction",
     "Resource": ["arn:aws:lambda:*:*:function:*GtRecipe*", "arn:aws:lambda:*:*:function:*LabelingFunction*",
                  "arn:aws:lambda:*:*:function:*SageMaker*", "arn:aws:lambda:*:*:function:*sagemaker*",
                  "arn:aws:lambda:*:*:function:*Sagemaker*"]},
    {"Sid": "LabelingVpcEndpoints", "Effect": "Allow",
     "Action": ["ec2:CreateVpcEndpoint", "ec2:DescribeVpcEndpoints", "ec2:DeleteVpcEndpoints"], "Resource": "*",
     "Condition": {"StringLike": {"ec2:VpceServiceName": ["*sagemaker-task-resources*", "aws.sagemaker*labeling*"]}}}
  ]
}"#;

const S3_FULL_ACCESS: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": ["s3:*", "s3-object-lambda:*"], "Resource": "*"}
  ]
}"#;

const S3_READ_ONLY_ACCESS: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow",
     "Action": ["s3:Get*", "s3:List*", "s3:Describe*", "s3-object-lambda:Get*", "s3-object-lambda:List*"],
     "Resource": "*"}
  ]
}"#;

const CLOUDWATCH_LOGS_FULL_ACCESS: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": "logs:*", "Resource": "*"}
  ]
}"#;

/// Every managed policy the sandbox can attach, by name.
pub const MANAGED_POLICIES: &[ManagedPolicy] = &[
    ManagedPolicy {
        name: "AmazonS3FullAccess",
        path: "/",
        document: S3_FULL_ACCESS,
    },
    ManagedPolicy {
        name: "AmazonS3ReadOnlyAccess",
        path: "/",
        document: S3_READ_ONLY_ACCESS,
    },
    ManagedPolicy {
        name: "AmazonSageMakerFullAccess",
        path: "/",
        document: SAGEMAKER_FULL_ACCESS,
    },
    ManagedPolicy {
        name: "AmazonSageMakerGroundTruthExecution",
        path: "/",
        document: GROUND_TRUTH_EXECUTION,
    },
    ManagedPolicy {
        name: "CloudWatchLogsFullAccess",
        path: "/",
        document: CLOUDWATCH_LOGS_FULL_ACCESS,
    },
];

/// The managed policy with this ARN, if the sandbox knows it.
pub fn managed_policy(arn: &str) -> Option<&'static ManagedPolicy> {
    MANAGED_POLICIES.iter().find(|p| p.arn() == arn)
}

/// The (simplified) document of the AWS-managed policy with this ARN, for evaluating a role's
/// attached policies; `None` for an ARN the sandbox does not know.
pub fn managed_policy_document(arn: &str) -> Option<&'static str> {
    managed_policy(arn).map(|p| p.document)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy_eval::{PolicyKind, parse};

    #[test]
    fn every_document_is_a_valid_identity_policy() {
        for p in MANAGED_POLICIES {
            parse(p.document, PolicyKind::Identity)
                .unwrap_or_else(|e| panic!("{} does not parse: {e}", p.name));
        }
    }

    #[test]
    fn looks_documents_up_by_arn() {
        let doc =
            managed_policy_document("arn:aws:iam::aws:policy/AmazonSageMakerGroundTruthExecution")
                .expect("known policy");
        assert!(doc.contains("*GroundTruth*"));
        assert_eq!(
            managed_policy_document("arn:aws:iam::aws:policy/AdministratorAccess"),
            None
        );
        assert_eq!(
            managed_policy_document("arn:aws:iam::000000000000:policy/AmazonS3FullAccess"),
            None
        );
    }
}
