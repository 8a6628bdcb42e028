//! The request rate of an S3 endpoint, measured with the same aws-sdk-rust client gtplan
//! uses, so that the client's own cost (small next to a server's) is the same for every
//! server compared. Run by `scripts/bench` (section `sandbox`), not as a timed test:
//!
//!   cargo bench --bench s3_rate -- --url http://127.0.0.1:PORT put 500
//!
//! Commands: `put N` (N sequential 1 KB PutObjects), `get N` (N GetObjects of what `put`
//! wrote), `fill N` (N PutObjects, 16 at a time, to grow the server's state). Each prints one
//! JSON line: the count, the mean and the 99th percentile in milliseconds (`fill`: seconds).

use std::time::{Duration, Instant};

use aws_config::BehaviorVersion;
use aws_sdk_s3::config::{Credentials, Region};
use aws_sdk_s3::primitives::ByteStream;
use futures::StreamExt;

/// The allocator gtplan's binary uses (src/main.rs), so the client costs what gtplan's does.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const BUCKET: &str = "rate";
const BODY: [u8; 1024] = [b'x'; 1024];

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    // `cargo test --all-targets` runs bench targets too, without arguments: nothing to measure.
    if !args.iter().any(|a| a == "--url") {
        println!("s3_rate: run by scripts/bench with --url; nothing to do");
        return;
    }
    let [flag, url, command, count] = args.as_slice() else {
        eprintln!("usage: s3_rate --url URL put|get|fill N");
        std::process::exit(2);
    };
    assert_eq!(flag, "--url", "usage: s3_rate --url URL put|get|fill N");
    let n: usize = count.parse().expect("N is a number");
    let s3 = &client(url).await;
    // Ignore "already exists": `get` and a second `put` reuse the bucket.
    let _ = s3.create_bucket().bucket(BUCKET).send().await;
    match command.as_str() {
        "put" => report(
            "put",
            timed(n, |i| {
                s3.put_object()
                    .bucket(BUCKET)
                    .key(format!("rate/{}", i % 50))
                    .body(ByteStream::from_static(&BODY))
                    .send()
            })
            .await,
        ),
        "get" => report(
            "get",
            timed(n, |i| async move {
                let out = s3
                    .get_object()
                    .bucket(BUCKET)
                    .key(format!("rate/{}", i % 50))
                    .send()
                    .await?;
                out.body.collect().await.expect("body");
                Ok::<_, aws_sdk_s3::error::SdkError<_>>(())
            })
            .await,
        ),
        "fill" => {
            let started = Instant::now();
            futures::stream::iter(0..n)
                .map(|i| {
                    s3.put_object()
                        .bucket(BUCKET)
                        .key(format!("fill/{i}"))
                        .body(ByteStream::from_static(&BODY))
                        .send()
                })
                .buffer_unordered(16)
                .for_each(|r| async move {
                    r.expect("PutObject");
                })
                .await;
            println!(
                "{{\"op\":\"fill\",\"count\":{n},\"seconds\":{:.3}}}",
                started.elapsed().as_secs_f64()
            );
        }
        other => panic!("unknown command {other}"),
    }
}

async fn client(url: &str) -> aws_sdk_s3::Client {
    let config = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(url)
        .credentials_provider(Credentials::new("test", "test", None, None, "bench"))
        .http_client(aws_smithy_http_client::Builder::new().build_http())
        .load()
        .await;
    let s3 = aws_sdk_s3::config::Builder::from(&config)
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(s3)
}

/// Runs `call(i)` for i in 0..n one after another (after 50 unmeasured warm-up calls) and
/// returns each call's duration.
async fn timed<F, Fut, T, E>(n: usize, call: F) -> Vec<Duration>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
    E: std::fmt::Debug,
{
    for i in 0..50 {
        call(i).await.expect("warm-up call");
    }
    let mut times = Vec::with_capacity(n);
    for i in 0..n {
        let started = Instant::now();
        call(i).await.expect("call");
        times.push(started.elapsed());
    }
    times
}

fn report(op: &str, mut times: Vec<Duration>) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mean = ms(times.iter().sum::<Duration>() / u32::try_from(times.len()).expect("count"));
    let p99 = ms(times[(times.len() * 99 / 100).min(times.len() - 1)]);
    println!(
        "{{\"op\":\"{op}\",\"count\":{},\"mean_ms\":{mean:.4},\"p99_ms\":{p99:.4}}}",
        times.len()
    );
}
