//! One line for an error and its causes, `outer: cause: root cause`, for messages that must
//! fit on a line (tera and the AWS SDK put the useful part in the causes).

pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}
