//! Cursor pagination: `?limit=&cursor=` → `{nextCursor, data}` (PLATFORM-API.md conventions).

use serde_json::Value;

use crate::error::FieldError;
use crate::ids::is_id;

/// Default page size.
pub const DEFAULT_LIMIT: u32 = 100;
/// Largest page size.
pub const MAX_LIMIT: u32 = 1000;

/// A validated page request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    /// Items per page.
    pub limit: u32,
    /// Return items after this id.
    pub after: Option<String>,
}

impl PageRequest {
    /// Validates `limit` (1–1000) and decodes `cursor`.
    pub fn parse(limit: Option<u32>, cursor: Option<&str>) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            errors.push(FieldError::query(
                "limit",
                format!("must be between 1 and {MAX_LIMIT}"),
                Value::from(limit),
            ));
        }
        let after = match cursor {
            None => None,
            Some(c) => match Some(c.to_string()).filter(|id| is_id(id)) {
                Some(id) => Some(id),
                None => {
                    errors.push(FieldError::query(
                        "cursor",
                        "is not a cursor returned by this API",
                        Value::from(c),
                    ));
                    None
                }
            },
        };
        if errors.is_empty() {
            Ok(Self { limit, after })
        } else {
            Err(errors)
        }
    }

    /// How many rows to fetch: one more than the page, to learn whether another page exists.
    pub fn fetch_limit(&self) -> u32 {
        self.limit.saturating_add(1)
    }

    /// Splits fetched rows into the page and the cursor of the next page.
    pub fn finish<T>(&self, mut rows: Vec<T>, id: impl Fn(&T) -> &str) -> (Vec<T>, Option<String>) {
        let limit = usize::try_from(self.limit).unwrap_or(usize::MAX);
        if rows.len() > limit {
            rows.truncate(limit);
            // The cursor is the last id of the page: ids are time-ordered (UUIDv7).
            let next = rows.last().map(|r| id(r).to_string());
            (rows, next)
        } else {
            (rows, None)
        }
    }
}
