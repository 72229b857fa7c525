//! RSA keys as Alipay's console and tools hand them out: PEM (PKCS#1 or PKCS#8 / SPKI) or the
//! one-line base64 of the DER.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::{RsaPrivateKey, RsaPublicKey};

/// A key that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct KeyError(pub &'static str);

fn der_of_one_line(text: &str) -> Option<Vec<u8>> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    STANDARD.decode(compact).ok()
}

/// Reads a private key: PKCS#8 PEM, PKCS#1 PEM, or one-line base64 of either DER.
pub fn private_key(text: &str) -> Result<RsaPrivateKey, KeyError> {
    let text = text.trim();
    if text.starts_with("-----BEGIN PRIVATE KEY-----") {
        return RsaPrivateKey::from_pkcs8_pem(text)
            .map_err(|_| KeyError("unreadable PKCS#8 private key"));
    }
    if text.starts_with("-----BEGIN RSA PRIVATE KEY-----") {
        return RsaPrivateKey::from_pkcs1_pem(text)
            .map_err(|_| KeyError("unreadable PKCS#1 private key"));
    }
    let der = der_of_one_line(text).ok_or(KeyError("a private key is PEM or one-line base64"))?;
    RsaPrivateKey::from_pkcs8_der(&der)
        .or_else(|_| RsaPrivateKey::from_pkcs1_der(&der))
        .map_err(|_| KeyError("unreadable private key"))
}

/// Reads a public key: SPKI PEM, PKCS#1 PEM, or one-line base64 of either DER (Alipay's console
/// shows SPKI as one line).
pub fn public_key(text: &str) -> Result<RsaPublicKey, KeyError> {
    let text = text.trim();
    if text.starts_with("-----BEGIN PUBLIC KEY-----") {
        return RsaPublicKey::from_public_key_pem(text)
            .map_err(|_| KeyError("unreadable public key"));
    }
    if text.starts_with("-----BEGIN RSA PUBLIC KEY-----") {
        return RsaPublicKey::from_pkcs1_pem(text)
            .map_err(|_| KeyError("unreadable PKCS#1 public key"));
    }
    let der = der_of_one_line(text).ok_or(KeyError("a public key is PEM or one-line base64"))?;
    RsaPublicKey::from_public_key_der(&der)
        .or_else(|_| RsaPublicKey::from_pkcs1_der(&der))
        .map_err(|_| KeyError("unreadable public key"))
}
