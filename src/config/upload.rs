//! Upload bodies: the SHA-256 that identifies them in S3 metadata and the content type S3
//! should serve them with.

use sha2::{Digest, Sha256};

/// Hex SHA-256 of a body.
pub fn sha256_hex(body: &[u8]) -> String {
    hex::encode(Sha256::digest(body))
}

/// The content type for a file name, by extension; `application/octet-stream` when unknown.
pub fn content_type_for(file_name: &str) -> &'static str {
    let lower = file_name.to_ascii_lowercase();
    let ext = lower.rsplit_once('.').map_or("", |(_, e)| e);
    match ext {
        "jsonl" | "manifest" => "application/jsonlines",
        "json" => "application/json",
        "html" | "htm" | "liquid" => "text/html",
        "txt" => "text/plain",
        "csv" => "text/csv",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "bmp" => "image/bmp",
        "tif" | "tiff" => "image/tiff",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "ogg" => "video/ogg",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guesses_by_extension() {
        assert_eq!(
            content_type_for("data/manifest.jsonl"),
            "application/jsonlines"
        );
        assert_eq!(content_type_for("out.manifest"), "application/jsonlines");
        assert_eq!(content_type_for("labels.JSON"), "application/json");
        assert_eq!(
            content_type_for("ui/image-classification.liquid.html"),
            "text/html"
        );
        assert_eq!(content_type_for("t.liquid"), "text/html");
        assert_eq!(content_type_for("cat.jpeg"), "image/jpeg");
        assert_eq!(content_type_for("README"), "application/octet-stream");
    }

    #[test]
    fn hashes_bodies() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
