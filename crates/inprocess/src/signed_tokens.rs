//! [`SignedTokens`] as JWTs (HS256) under a key of their own, derived from the server secret:
//! a login token is never a reset token, nor the reverse, and a token for one purpose (its
//! audience) is refused for another.

use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use meiduo_domain::ports::{Cause, SignedTokens, TokenClaims, TokenPurpose};
use rand::Rng;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Signs purpose tokens with a key derived from the server's secret.
#[derive(Clone)]
pub struct JwtSignedTokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl std::fmt::Debug for JwtSignedTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtSignedTokens").finish_non_exhaustive()
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    aud: String,
    sub: String,
    jti: String,
    iat: i64,
    exp: i64,
}

impl JwtSignedTokens {
    pub fn new(secret: &[u8]) -> Self {
        let key = [secret, b":purpose-tokens"].concat();
        JwtSignedTokens {
            encoding: EncodingKey::from_secret(&key),
            decoding: DecodingKey::from_secret(&key),
        }
    }
}

impl SignedTokens for JwtSignedTokens {
    fn sign(&self, purpose: TokenPurpose, subject: &str, ttl: Duration) -> Result<String, Cause> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let jti: [u8; 16] = rand::rng().random();
        let claims = Claims {
            aud: purpose.as_str().to_owned(),
            sub: subject.to_owned(),
            jti: jti.iter().map(|b| format!("{b:02x}")).collect(),
            iat: now,
            exp: now.saturating_add(i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX)),
        };
        Ok(encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?)
    }

    fn verify(&self, purpose: TokenPurpose, token: &str) -> Option<TokenClaims> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_audience(&[purpose.as_str()]);
        validation.set_required_spec_claims(&["exp", "aud", "sub"]);
        let claims = decode::<Claims>(token, &self.decoding, &validation).ok()?.claims;
        let left = claims.exp - OffsetDateTime::now_utc().unix_timestamp();
        (left > 0).then(|| TokenClaims {
            subject: claims.sub,
            id: claims.jti,
            remaining: Duration::from_secs(left.unsigned_abs()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_name_their_subject_and_purpose_and_nothing_else() {
        let tokens = JwtSignedTokens::new(b"a test secret of at least 32 bytes!!");
        let ttl = Duration::from_secs(300);
        let token = tokens.sign(TokenPurpose::ResetPassword, "42", ttl).unwrap();
        let claims = tokens.verify(TokenPurpose::ResetPassword, &token).unwrap();
        assert_eq!(claims.subject, "42");
        assert_eq!(claims.id.len(), 32);
        assert!(claims.remaining <= ttl && claims.remaining >= ttl - Duration::from_secs(2));
        assert_eq!(tokens.verify(TokenPurpose::SendResetCode, &token), None, "another purpose");
        let other = JwtSignedTokens::new(b"another secret of at least 32 bytes!");
        assert_eq!(other.verify(TokenPurpose::ResetPassword, &token), None, "another key");
        let mut forged = token.clone();
        forged.pop();
        assert_eq!(tokens.verify(TokenPurpose::ResetPassword, &forged), None, "tampered");
        let again = tokens.sign(TokenPurpose::ResetPassword, "42", ttl).unwrap();
        assert_ne!(tokens.verify(TokenPurpose::ResetPassword, &again).unwrap().id, claims.id);
        let expired = tokens.sign(TokenPurpose::ResetPassword, "42", Duration::ZERO).unwrap();
        assert_eq!(tokens.verify(TokenPurpose::ResetPassword, &expired), None, "expired");
    }
}
