//! The Resource Groups Tagging API in the sandbox: `GetResources` through the real
//! aws-sdk-resourcegroupstagging client and the AWS CLI, the call gtplan uses to find what a
//! plan made without listing the account.

use aws_sdk_resourcegroupstagging::Client;
use aws_sdk_resourcegroupstagging::operation::get_resources::GetResourcesOutput;
use aws_sdk_resourcegroupstagging::types::TagFilter;
use aws_sdk_s3::types::{Tag, Tagging};

use crate::support::{TestSandbox, sdk_config};

async fn tagging_client(sb: &TestSandbox, region: &str) -> Client {
    Client::new(&sdk_config(&sb.endpoint(), region, "test", "test").await)
}

async fn tagged_bucket(sb: &TestSandbox, name: &str, plan: Option<&str>) {
    sb.s3
        .create_bucket()
        .bucket(name)
        .send()
        .await
        .expect("create");
    if let Some(plan) = plan {
        let tag = Tag::builder()
            .key("gtplan:plan")
            .value(plan)
            .build()
            .expect("tag");
        sb.s3
            .put_bucket_tagging()
            .bucket(name)
            .tagging(Tagging::builder().tag_set(tag).build().expect("tagging"))
            .send()
            .await
            .expect("tag the bucket");
    }
}

fn plan_filter(plan: &str) -> TagFilter {
    TagFilter::builder().key("gtplan:plan").values(plan).build()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_resources_filters_by_tag_and_type_and_pages() {
    let sb = TestSandbox::start().await;
    for n in 0..5 {
        tagged_bucket(&sb, &format!("alpha-{n}"), Some("alpha")).await;
    }
    tagged_bucket(&sb, "beta-0", Some("beta")).await;
    tagged_bucket(&sb, "untagged-0", None).await;
    let client = tagging_client(&sb, "us-east-1").await;

    // Two resources per page: the paginator follows the tokens to the end.
    let pages: Vec<_> = client
        .get_resources()
        .tag_filters(plan_filter("alpha"))
        .resource_type_filters("s3:bucket")
        .resources_per_page(2)
        .into_paginator()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("pages");
    assert_eq!(pages.len(), 3, "5 resources at 2 per page");
    let arns: Vec<String> = pages
        .iter()
        .flat_map(GetResourcesOutput::resource_tag_mapping_list)
        .filter_map(|m| m.resource_arn().map(str::to_owned))
        .collect();
    assert_eq!(
        arns,
        (0..5)
            .map(|n| format!("arn:aws:s3:::alpha-{n}"))
            .collect::<Vec<_>>()
    );

    // A key without values matches any value; untagged resources are not in the index.
    let any = client
        .get_resources()
        .tag_filters(TagFilter::builder().key("gtplan:plan").build())
        .send()
        .await
        .expect("any value");
    assert_eq!(any.resource_tag_mapping_list().len(), 6);

    // A type filter leaves out other services' resources; another region sees nothing.
    let jobs = client
        .get_resources()
        .resource_type_filters("sagemaker:labeling-job")
        .send()
        .await
        .expect("jobs");
    assert!(jobs.resource_tag_mapping_list().is_empty());
    let elsewhere = tagging_client(&sb, "eu-west-1")
        .await
        .get_resources()
        .tag_filters(plan_filter("alpha"))
        .send()
        .await
        .expect("other region");
    assert!(elsewhere.resource_tag_mapping_list().is_empty());

    let too_many = client
        .get_resources()
        .resources_per_page(101)
        .send()
        .await
        .expect_err("at most 100 per page");
    assert_eq!(
        aws_sdk_resourcegroupstagging::error::ProvideErrorMetadata::code(&too_many),
        Some("InvalidParameterException")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_aws_cli_finds_tagged_buckets() {
    let sb = TestSandbox::start().await;
    tagged_bucket(&sb, "cli-tagged", Some("cli")).await;
    tagged_bucket(&sb, "cli-other", Some("other")).await;
    let cli = crate::readme::aws_cli();
    let endpoint = sb.endpoint();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(cli)
            .args([
                "resourcegroupstaggingapi",
                "get-resources",
                "--tag-filters",
                "Key=gtplan:plan,Values=cli",
                "--endpoint-url",
                &endpoint,
                "--region",
                "us-east-1",
                "--output",
                "json",
            ])
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env_remove("AWS_PROFILE")
            .output()
            .expect("aws runs")
    })
    .await
    .expect("join");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    let arns: Vec<&str> = doc["ResourceTagMappingList"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|m| m["ResourceARN"].as_str())
        .collect();
    assert_eq!(arns, ["arn:aws:s3:::cli-tagged"]);
}
