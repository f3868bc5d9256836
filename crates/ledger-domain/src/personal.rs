//! Personal data that can be erased without breaking verification
//! (`docs/FORMAT.md`, "Personal data"). An accountability action (问责,
//! 约谈, 通报) may name an official: the signed payload holds only a salted
//! commitment, `BLAKE3(salt || canonical JSON of the details)` with a
//! random 32-byte salt; the details and the salt are kept beside the
//! ledger (the store's `personal_data` table), never in a record. Erasing
//! them (`personal_data_redacted`) deletes the cleartext and the salt and
//! changes no record, so every hash, signature and proof stays valid; while
//! they exist, anyone holding them can show they match the commitment.
//!
//! Pure: the caller draws the salt.

use serde_json::Value;

/// The name of the commitment scheme, for documentation and `--json`.
pub const SCHEME: &str = "blake3(salt32 || canonical-json(details))";

/// The stream `personal_data_redacted` events live in.
pub const STREAM: &str = crate::events::Stream::PersonalData.name();

/// The type of the event that erases a record's personal data.
pub const REDACTED_TYPE: &str = <crate::events::PersonalDataRedacted as crate::events::Payload>::TYPE;

/// Checks the details an official is named by: a JSON object with a
/// non-empty `name` and only non-empty string members (at most 16, each at
/// most 200 characters), so that its canonical form is well defined.
pub fn check_details(details: &Value) -> Result<(), String> {
    let Value::Object(map) = details else {
        return Err(
            "personal details: a JSON object of strings, e.g. {\"name\": \"...\", \"position\": \"...\"}".into()
        );
    };
    if map.len() > 16 {
        return Err("personal details: at most 16 members".into());
    }
    for (k, v) in map {
        match v {
            Value::String(s) if !s.trim().is_empty() && s.chars().count() <= 200 => {}
            _ => return Err(format!("personal details: {k} must be a non-empty string of at most 200 characters")),
        }
        if k.is_empty() || k.chars().count() > 64 {
            return Err("personal details: member names are 1-64 characters".into());
        }
    }
    if !map.contains_key("name") {
        return Err("personal details: name is required".into());
    }
    Ok(())
}

/// The commitment to `details` under `salt`: 64 lowercase hex digits of
/// BLAKE3 over the 32 salt bytes followed by the canonical JSON of the
/// details (`docs/FORMAT.md` section 2).
pub fn commitment(salt: &[u8; 32], details: &Value) -> Result<String, String> {
    check_details(details)?;
    let bytes = ledger_core::canonical::to_vec(details).map_err(|e| format!("personal details: {e}"))?;
    let mut h = blake3::Hasher::new();
    h.update(salt);
    h.update(&bytes);
    Ok(h.finalize().to_hex().to_string())
}

/// Whether `salt_hex` and `details` open `commitment_hex`.
pub fn opens(commitment_hex: &str, salt_hex: &str, details: &Value) -> Result<bool, String> {
    let salt = hex::decode(salt_hex.trim()).map_err(|_| "salt: 64 hex digits (32 bytes)".to_owned())?;
    let salt: [u8; 32] = salt.try_into().map_err(|_| "salt: 64 hex digits (32 bytes)".to_owned())?;
    Ok(commitment(&salt, details)? == commitment_hex)
}

/// True for 64 lowercase hex digits.
pub fn is_commitment(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_commitment_is_blake3_of_the_salt_and_the_canonical_details() {
        let salt = [7u8; 32];
        let details = json!({"position": "deputy head", "name": "张三"});
        let c = commitment(&salt, &details).unwrap();
        // by hand: the canonical JSON sorts the members
        let mut bytes = salt.to_vec();
        bytes.extend_from_slice("{\"name\":\"张三\",\"position\":\"deputy head\"}".as_bytes());
        assert_eq!(c, blake3::hash(&bytes).to_hex().to_string());
        assert!(opens(&c, &hex::encode(salt), &details).unwrap());
        assert!(!opens(&c, &hex::encode([8u8; 32]), &details).unwrap());
        assert!(!opens(&c, &hex::encode(salt), &json!({"name": "李四", "position": "deputy head"})).unwrap());
        assert!(opens(&c, "abc", &details).is_err());
        assert!(commitment(&salt, &json!({"position": "x"})).unwrap_err().contains("name is required"));
        assert!(commitment(&salt, &json!({"name": 5})).unwrap_err().contains("name must be a non-empty string"));
        assert!(commitment(&salt, &json!("张三")).is_err());
        assert!(is_commitment(&c) && !is_commitment(&c.to_uppercase()));
    }
}
