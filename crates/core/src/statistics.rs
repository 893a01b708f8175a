//! Issuance statistics for the management API and the portal's home page: credentials issued
//! per day, configuration and format (from the issuance records, so every node agrees), offers
//! waiting and expired, and refused protocol requests by OAuth error code (counted in memory by
//! each node since it started: refusals leave no record to count from).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use sigil_proto::admin::statistics::{FailureCount, IssuedCount, StatisticsResponse};

use crate::Clock;
use crate::catalogue::credential_configuration::CredentialConfigurations;
use crate::clock::timestamp;
use crate::error::Error;
use crate::store::Store;

/// Most days one request may count back.
pub const MAX_DAYS: u32 = 366;
/// Distinct failure codes kept (codes are Sigil's own registered ones; this bounds the map).
const MAX_CODES: usize = 64;

/// The statistics service.
#[derive(Debug)]
pub struct Statistics {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) configurations: Arc<CredentialConfigurations>,
    pub(crate) started_at: i64,
    pub(crate) failures: Mutex<BTreeMap<String, u64>>,
}

impl Statistics {
    /// Counts one refused protocol request.
    pub fn record_failure(&self, code: &str) {
        let Ok(mut failures) = self.failures.lock() else {
            return;
        };
        let room = failures.len() < MAX_CODES;
        match failures.get_mut(code) {
            Some(count) => *count += 1,
            None if room => {
                failures.insert(code.to_string(), 1);
            }
            None => {}
        }
    }

    /// `GET /v1/statistics?days=N`.
    pub async fn overview(&self, days: Option<u32>) -> Result<StatisticsResponse, Error> {
        let days = days.unwrap_or(30);
        if !(1..=MAX_DAYS).contains(&days) {
            return Err(Error::Validation(vec![crate::FieldError::query(
                "days",
                "must be 1 to 366",
                serde_json::Value::from(days),
            )]));
        }
        let now = self.clock.now();
        let first_day = now.div_euclid(86_400) - i64::from(days) + 1;
        let since = first_day * 86_400;
        let counts = self.store.issuance_counts(since).await?;
        let names: BTreeMap<String, String> = self
            .configurations
            .all_credential_configurations()
            .await?
            .iter()
            .map(|c| (c.id.clone(), c.request.name.clone()))
            .collect();
        let issued = counts
            .into_iter()
            .map(|c| IssuedCount {
                day: day_of(c.day),
                configuration_name: names.get(&c.configuration_id).cloned(),
                configuration_id: c.configuration_id,
                format: c.format,
                count: c.count,
            })
            .collect();
        let (offers_waiting, offers_expired) = self.store.open_offer_counts(now).await?;
        let failures = match self.failures.lock() {
            Ok(failures) => failures
                .iter()
                .map(|(code, count)| FailureCount {
                    code: code.clone(),
                    count: *count,
                })
                .collect(),
            Err(_) => Vec::new(),
        };
        Ok(StatisticsResponse {
            since: day_of(first_day),
            issued,
            offers_waiting,
            offers_expired,
            failures,
            failures_since: timestamp(self.started_at),
        })
    }
}

/// `YYYY-MM-DD` of a day number (days since the Unix epoch).
fn day_of(day: i64) -> String {
    timestamp(day * 86_400)
        .get(..10)
        .unwrap_or_default()
        .to_string()
}
