//! Users and their credentials.

use std::fmt;

use serde::Serialize;

use crate::{AddressId, UserId};

/// Why a registration or login field is not acceptable. Each names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountFieldError {
    #[error("a username is 5 to 20 letters, digits, `_` or `-`, and not a mobile number")]
    Username,
    #[error("a mobile number is 11 digits starting with 13 to 19")]
    Mobile,
    #[error("a password is 8 to 20 characters")]
    Password,
    #[error("an SMS code is 6 digits")]
    SmsCode,
    #[error("an image code id is a UUID")]
    CaptchaId,
    #[error("an email address is name@domain.tld, at most 254 characters")]
    Email,
    #[error("a login code is 1 to 256 characters")]
    OAuthCode,
}

/// A username: 5 to 20 of `[A-Za-z0-9_-]`, never a mobile number (logins accept both).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Username(String);

impl Username {
    pub fn parse(value: &str) -> Result<Self, AccountFieldError> {
        let ok = (5..=20).contains(&value.len())
            && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            && Mobile::parse(value).is_err();
        if ok { Ok(Username(value.to_owned())) } else { Err(AccountFieldError::Username) }
    }

    /// The username of an account made by QQ login: its own mobile number, as the original.
    /// Logins that take a username or a mobile stay unambiguous: no other account has this
    /// mobile, and registration refuses mobile-shaped usernames.
    pub fn of_mobile(mobile: &Mobile) -> Self {
        Username(mobile.as_str().to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A mainland China mobile number: 11 digits, `1[3-9]` first.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Mobile(String);

impl Mobile {
    pub fn parse(value: &str) -> Result<Self, AccountFieldError> {
        let b = value.as_bytes();
        let ok = b.len() == 11
            && b[0] == b'1'
            && (b'3'..=b'9').contains(&b[1])
            && b.iter().all(u8::is_ascii_digit);
        if ok { Ok(Mobile(value.to_owned())) } else { Err(AccountFieldError::Mobile) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Mobile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A password as typed: 8 to 20 characters. Its `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub fn parse(value: &str) -> Result<Self, AccountFieldError> {
        if (8..=20).contains(&value.chars().count()) {
            Ok(Password(value.to_owned()))
        } else {
            Err(AccountFieldError::Password)
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// A six-digit SMS verification code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsCode(String);

impl SmsCode {
    pub fn parse(value: &str) -> Result<Self, AccountFieldError> {
        if value.len() == 6 && value.bytes().all(|b| b.is_ascii_digit()) {
            Ok(SmsCode(value.to_owned()))
        } else {
            Err(AccountFieldError::SmsCode)
        }
    }

    /// A code from six random digits (`n` taken modulo 1,000,000).
    pub fn from_number(n: u32) -> Self {
        SmsCode(format!("{:06}", n % 1_000_000))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The id a client chose for an image captcha: a UUID (`8-4-4-4-12` hex digits), as the
/// original's front end generates and its serializer (`UUIDField`) requires.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CaptchaId(String);

impl CaptchaId {
    pub fn parse(value: &str) -> Result<Self, AccountFieldError> {
        let groups: Vec<&str> = value.split('-').collect();
        let ok = groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
            && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_hexdigit()));
        if ok {
            Ok(CaptchaId(value.to_ascii_lowercase()))
        } else {
            Err(AccountFieldError::CaptchaId)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An email address as the shop accepts it: `local@domain`, at most 254 characters, a local
/// part of printable characters without spaces, quotes or angle brackets, and a domain of
/// letter, digit and `-` labels with at least one dot (what Django's `EmailField` takes, less
/// quoted local parts and IP-literal domains).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub fn parse(value: &str) -> Result<Self, AccountFieldError> {
        let value = value.trim();
        let ok = value.len() <= 254
            && value.split_once('@').is_some_and(|(local, domain)| {
                let labels: Vec<&str> = domain.split('.').collect();
                (1..=64).contains(&local.len())
                    && local.chars().all(|c| c.is_ascii_graphic() && !"\"<>()[],;:@\\".contains(c))
                    && !local.starts_with('.')
                    && !local.ends_with('.')
                    && !local.contains("..")
                    && labels.len() >= 2
                    && labels.iter().all(|label| {
                        (1..=63).contains(&label.len())
                            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                            && !label.starts_with('-')
                            && !label.ends_with('-')
                    })
            });
        if ok { Ok(Email(value.to_ascii_lowercase())) } else { Err(AccountFieldError::Email) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A registered user as the storefront shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub mobile: String,
    pub email: Option<String>,
    pub email_active: bool,
    pub default_address_id: Option<AddressId>,
    /// Carried by the user's login tokens, which are honoured only while it is the user's
    /// (a password change draws a new one: every other session is logged out).
    #[serde(skip)]
    pub token_stamp: String,
}

/// A user to create; the password is already hashed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub username: Username,
    pub mobile: Mobile,
    pub password_hash: String,
    /// The first stamp of the user's tokens (see [`User::token_stamp`]).
    pub token_stamp: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert!(Username::parse("alice_01").is_ok());
        assert!(Username::parse("a-b-c").is_ok());
        assert!(Username::parse("abcd").is_err());
        assert!(Username::parse(&"a".repeat(21)).is_err());
        assert!(Username::parse("张三丰abc").is_err());
        assert!(Username::parse("13800138000").is_err(), "a mobile number is not a username");
        assert!(Username::parse("12345").is_ok());
    }

    #[test]
    fn mobiles() {
        assert!(Mobile::parse("13800138000").is_ok());
        assert!(Mobile::parse("19912345678").is_ok());
        assert!(Mobile::parse("12800138000").is_err());
        assert!(Mobile::parse("1380013800").is_err());
        assert!(Mobile::parse("1380013800a").is_err());
    }

    #[test]
    fn passwords_and_codes() {
        assert!(Password::parse("12345678").is_ok());
        assert!(Password::parse("1234567").is_err());
        assert!(Password::parse(&"x".repeat(21)).is_err());
        assert_eq!(format!("{:?}", Password::parse("secret123").unwrap()), "Password(***)");
        assert!(SmsCode::parse("012345").is_ok());
        assert!(SmsCode::parse("12345").is_err());
        assert_eq!(SmsCode::from_number(42).as_str(), "000042");
    }

    #[test]
    fn emails() {
        assert_eq!(Email::parse(" Li.Si@Example.com ").unwrap().as_str(), "li.si@example.com");
        assert!(Email::parse("a+tag@mail.meiduo.site").is_ok());
        for bad in [
            "",
            "li",
            "li@",
            "@example.com",
            "li@example",
            "li si@example.com",
            "li@exa_mple.com",
            "li@-example.com",
            "li..si@example.com",
            "a@b@c.com",
            "<li>@example.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
        assert!(Email::parse(&format!("{}@example.com", "a".repeat(65))).is_err());
    }

    #[test]
    fn captcha_ids_are_uuids() {
        let id = CaptchaId::parse("0F8FAD5B-D9CB-469F-A165-70867728950E").unwrap();
        assert_eq!(id.as_str(), "0f8fad5b-d9cb-469f-a165-70867728950e");
        assert!(CaptchaId::parse("0f8fad5b-d9cb-469f-a165-70867728950").is_err());
        assert!(CaptchaId::parse("0f8fad5b-d9cb-469f-a165-70867728950g").is_err());
        assert!(CaptchaId::parse("0f8fad5bd9cb469fa16570867728950e").is_err());
        assert!(CaptchaId::parse("../../etc/passwd").is_err());
    }
}
