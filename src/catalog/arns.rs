//! The AWS-owned ARNs a job for a built-in task type uses, per region (fact sheet §2).

use super::regions::{ALGORITHM_ACCOUNT, WORKFORCE_ACCOUNT, lambda_account};
use super::task_types::{TaskType, Ui};

/// `arn:aws:lambda:<region>:<account>:function:PRE-<TaskType>`; `None` outside Ground Truth's
/// regions.
pub fn pre_lambda(region: &str, task: &TaskType) -> Option<String> {
    lambda(region, "PRE", task)
}

/// `arn:aws:lambda:<region>:<account>:function:ACS-<TaskType>`.
pub fn acs_lambda(region: &str, task: &TaskType) -> Option<String> {
    lambda(region, "ACS", task)
}

fn lambda(region: &str, kind: &str, task: &TaskType) -> Option<String> {
    let account = lambda_account(region)?;
    Some(format!(
        "arn:aws:lambda:{region}:{account}:function:{kind}-{}",
        task.name
    ))
}

/// The Mechanical Turk (public) workteam of a region.
pub fn public_workteam(region: &str) -> String {
    format!("arn:aws:sagemaker:{region}:{WORKFORCE_ACCOUNT}:workteam/public-crowd/default")
}

/// The AWS-owned worker UI of a task type, when it has one.
pub fn human_task_ui(region: &str, task: &TaskType) -> Option<String> {
    match task.ui {
        Ui::HumanTaskUi(name) => Some(format!(
            "arn:aws:sagemaker:{region}:{WORKFORCE_ACCOUNT}:human-task-ui/{name}"
        )),
        Ui::Template => None,
    }
}

/// The automated-labeling algorithm specification of a task type, when it has one.
pub fn algorithm(region: &str, task: &TaskType) -> Option<String> {
    task.auto_labeling.map(|algo| {
        format!(
            "arn:aws:sagemaker:{region}:{ALGORITHM_ACCOUNT}:labeling-job-algorithm-specification/{algo}"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::task_types::find;

    #[test]
    fn arns_for_a_region() {
        let bb = find("BoundingBox").expect("built in");
        assert_eq!(
            pre_lambda("eu-west-1", bb).as_deref(),
            Some("arn:aws:lambda:eu-west-1:568282634449:function:PRE-BoundingBox")
        );
        assert!(pre_lambda("mars-north-1", bb).is_none());
        assert_eq!(
            public_workteam("us-east-1"),
            "arn:aws:sagemaker:us-east-1:394669845002:workteam/public-crowd/default"
        );
        let ner = find("NamedEntityRecognition").expect("built in");
        assert_eq!(
            human_task_ui("us-west-2", ner).as_deref(),
            Some("arn:aws:sagemaker:us-west-2:394669845002:human-task-ui/NamedEntityRecognition")
        );
        assert!(algorithm("us-east-1", bb).is_some_and(|a| a.ends_with("/object-detection")));
    }
}
