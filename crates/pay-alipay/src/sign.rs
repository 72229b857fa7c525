//! The open platform's RSA2 signing: sorted `k=v` pairs joined by `&`, values not URL-encoded,
//! RSA PKCS#1 v1.5 over SHA-256, standard base64.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::signature::{RandomizedSigner, SignatureEncoding, Verifier};
use rsa::{RsaPrivateKey, RsaPublicKey};
use sha2::Sha256;

/// The string that is signed: every parameter but those in `skip` and those with empty values,
/// sorted by key, as `k=v` joined with `&`.
pub fn signing_string(params: &[(String, String)], skip: &[&str]) -> String {
    let mut kept: Vec<&(String, String)> =
        params.iter().filter(|(k, v)| !v.is_empty() && !skip.contains(&k.as_str())).collect();
    kept.sort_by(|a, b| a.0.cmp(&b.0));
    kept.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
}

/// Signs with blinding (`sign_with_rng`): RUSTSEC-2023-0071 concerns the timing of private-key
/// operations. The signature itself is deterministic.
pub fn sign(key: &RsaPrivateKey, content: &str) -> String {
    let signer = SigningKey::<Sha256>::new(key.clone());
    let signature = signer.sign_with_rng(&mut rsa::rand_core::OsRng, content.as_bytes());
    STANDARD.encode(signature.to_bytes())
}

/// Whether `signature` (standard base64) signs `content` under `key`.
pub fn verify(key: &RsaPublicKey, content: &str, signature: &str) -> bool {
    let Ok(bytes) = STANDARD.decode(signature.trim()) else { return false };
    let Ok(signature) = Signature::try_from(bytes.as_slice()) else { return false };
    VerifyingKey::<Sha256>::new(key.clone()).verify(content.as_bytes(), &signature).is_ok()
}

/// Compact JSON of string fields in the given order, every non-ASCII character escaped as
/// `\uXXXX` (what the reference SDK sends as `biz_content`).
pub fn ascii_json(fields: &[(&str, &str)]) -> String {
    fn escape(out: &mut String, text: &str) {
        for c in text.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if (c as u32) < 0x20 || !c.is_ascii() => {
                    let mut units = [0u16; 2];
                    for unit in c.encode_utf16(&mut units) {
                        out.push_str(&format!("\\u{unit:04x}"));
                    }
                }
                c => out.push(c),
            }
        }
    }
    let mut out = String::from("{");
    for (i, (key, value)) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('"');
        escape(&mut out, key);
        out.push_str("\":\"");
        escape(&mut out, value);
        out.push('"');
    }
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_ascii_is_escaped_like_the_reference_sdk() {
        assert_eq!(
            ascii_json(&[("subject", "美多商城订单:1"), ("total_amount", "0.01")]),
            r#"{"subject":"\u7f8e\u591a\u5546\u57ce\u8ba2\u5355:1","total_amount":"0.01"}"#
        );
        assert_eq!(ascii_json(&[("a", "😀\"")]), r#"{"a":"\ud83d\ude00\""}"#);
    }

    #[test]
    fn the_signing_string_sorts_and_skips() {
        let params: Vec<(String, String)> =
            [("b", "2"), ("a", "1"), ("sign", "x"), ("empty", ""), ("c", "a b&c")]
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
        assert_eq!(signing_string(&params, &["sign"]), "a=1&b=2&c=a b&c");
    }
}
