//! The statements, written once and expanded for each engine's pool type.

use sigil_core::store::StoreError;

/// An engine's error, as the store reports it.
pub(crate) trait EngineError {
    fn into_store_error(self) -> StoreError;
}

/// Maps an engine error, turning unique violations into [`StoreError::Conflict`].
pub(crate) fn map_err(error: impl EngineError) -> StoreError {
    error.into_store_error()
}

impl EngineError for rusqlite::Error {
    fn into_store_error(self) -> StoreError {
        crate::lite::map_err(self)
    }
}

impl EngineError for sqlx::Error {
    fn into_store_error(self) -> StoreError {
        match &self {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict(db.constraint().unwrap_or("unique").to_string())
            }
            // Two transactions that locked rows in opposite orders (one aborted to free the
            // other) or failed to serialise: a concurrent writer won, as with a unique violation.
            sqlx::Error::Database(db)
                if matches!(db.code().as_deref(), Some("40P01") | Some("40001")) =>
            {
                StoreError::Conflict("concurrent update".into())
            }
            // PostgreSQL refuses U+0000 in text (22021) and `\u0000` in JSON (22P05).
            sqlx::Error::Database(db)
                if matches!(db.code().as_deref(), Some("22021") | Some("22P05")) =>
            {
                StoreError::Unstorable(db.message().to_string())
            }
            _ => StoreError::Backend(self.to_string()),
        }
    }
}

/// A store method's writes: `self.writer()` gives the executor (`db`), the body runs, and
/// `self.finish` settles it (on SQLite: keeps or undoes its savepoint and waits for the group's
/// commit; on PostgreSQL: passes the result through).
macro_rules! writing {
    ($store:ident, |$db:ident| $body:block) => {{
        let guard = $store.writer().await?;
        let $db = &*guard;
        let result: Result<_, StoreError> = async $body.await;
        $store.finish(guard, result).await
    }};
}
pub(crate) use writing;

macro_rules! impl_store {
    ($store:ty, $engine:expr, $db:ident, $dbt:ty) => {
        #[async_trait::async_trait]
        impl sigil_core::store::Store for $store {
            fn engine(&self) -> sigil_core::store::Engine {
                $engine
            }

            fn configurations_version(&self) -> Option<u64> {
                self.configurations_version()
            }

            async fn ping(&self) -> Result<(), StoreError> {
                let guard = self.reader()?;
                let db = &*guard;
                $db::query("SELECT 1")
                    .execute(db)
                    .await
                    .map(|_| ())
                    .map_err($crate::sql::map_err)
            }

            async fn claim_bootstrap(&self, name: &str, at: i64) -> Result<bool, StoreError> {
                $crate::sql::writing!(self, |db| {
                    let done = $db::query(
                        "INSERT INTO bootstrap_steps (name, completed_at) VALUES ($1, $2) \
                         ON CONFLICT (name) DO NOTHING",
                    )
                    .bind(name)
                    .bind(at)
                    .execute(db)
                    .await
                    .map_err($crate::sql::map_err)?;
                    Ok(done.rows_affected() == 1)
                })
            }

            async fn insert_admin_token(
                &self,
                t: &sigil_core::store::AdminTokenRecord,
            ) -> Result<(), StoreError> {
                $crate::sql::writing!(self, |db| {
                    $db::query(
                        "INSERT INTO admin_tokens (id, name, token_hash, created_at, revoked_at) \
                         VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(&t.id)
                    .bind(&t.name)
                    .bind(&t.token_hash)
                    .bind(t.created_at)
                    .bind(t.revoked_at)
                    .execute(db)
                    .await
                    .map(|_| ())
                    .map_err($crate::sql::map_err)
                })
            }

            async fn find_admin_token_by_hash(
                &self,
                hash: &[u8],
            ) -> Result<Option<sigil_core::store::AdminTokenRecord>, StoreError> {
                let guard = self.reader()?;
                let db = &*guard;
                let row = $db::query_as::<$dbt, $crate::sql::AdminTokenRow>(concat!(
                    "SELECT ", $crate::sql::admin_token_columns!(),
                    " FROM admin_tokens WHERE token_hash = $1 AND revoked_at IS NULL"
                ))
                .bind(hash)
                .fetch_optional(db)
                .await
                .map_err($crate::sql::map_err)?;
                Ok(row.map($crate::sql::admin_token_record))
            }

            async fn list_admin_tokens(
                &self,
            ) -> Result<Vec<sigil_core::store::AdminTokenRecord>, StoreError> {
                let guard = self.reader()?;
                let db = &*guard;
                let rows = $db::query_as::<$dbt, $crate::sql::AdminTokenRow>(concat!(
                    "SELECT ", $crate::sql::admin_token_columns!(),
                    " FROM admin_tokens ORDER BY created_at, id"
                ))
                .fetch_all(db)
                .await
                .map_err($crate::sql::map_err)?;
                Ok(rows.into_iter().map($crate::sql::admin_token_record).collect())
            }

            async fn get_admin_token(
                &self,
                id: &str,
            ) -> Result<Option<sigil_core::store::AdminTokenRecord>, StoreError> {
                let guard = self.reader()?;
                let db = &*guard;
                let row = $db::query_as::<$dbt, $crate::sql::AdminTokenRow>(concat!(
                    "SELECT ", $crate::sql::admin_token_columns!(), " FROM admin_tokens WHERE id = $1"
                ))
                .bind(id)
                .fetch_optional(db)
                .await
                .map_err($crate::sql::map_err)?;
                Ok(row.map($crate::sql::admin_token_record))
            }

            async fn get_offer_progress(
                &self,
                id: &str,
                authorization_code: bool,
            ) -> Result<Option<sigil_core::store::OfferProgressRecord>, StoreError> {
                let guard = self.reader()?;
                let db = &*guard;
                let sql = if authorization_code {
                    concat!(
                        "SELECT expires_at, consumed_at, ",
                        "(SELECT COUNT(*) FROM issued_credentials WHERE offer_id = $1) ",
                        "FROM authorization_offers WHERE id = $1"
                    )
                } else {
                    concat!(
                        "SELECT expires_at, consumed_at, ",
                        "(SELECT COUNT(*) FROM issued_credentials WHERE offer_id = $1) ",
                        "FROM offers WHERE id = $1"
                    )
                };
                let row = $db::query_as::<$dbt, (i64, Option<i64>, i64)>(sql)
                    .bind(id)
                    .fetch_optional(db)
                    .await
                    .map_err($crate::sql::map_err)?;
                Ok(row.map(|(expires_at, consumed_at, issued)| {
                    sigil_core::store::OfferProgressRecord { expires_at, consumed_at, issued }
                }))
            }

            async fn issuance_counts(
                &self,
                since: i64,
            ) -> Result<Vec<sigil_core::store::IssuanceCount>, StoreError> {
                let guard = self.reader()?;
                let db = &*guard;
                let rows = $db::query_as::<$dbt, (String, String, i64, i64)>(
                    "SELECT configuration_id, format, issued_at / 86400 AS day, COUNT(*) \
                     FROM issued_credentials WHERE issued_at >= $1 \
                     GROUP BY configuration_id, format, issued_at / 86400 \
                     ORDER BY day, configuration_id, format",
                )
                .bind(since)
                .fetch_all(db)
                .await
                .map_err($crate::sql::map_err)?;
                Ok(rows
                    .into_iter()
                    .map(|(configuration_id, format, day, count)| {
                        sigil_core::store::IssuanceCount { configuration_id, format, day, count }
                    })
                    .collect())
            }

            async fn open_offer_counts(&self, now: i64) -> Result<(i64, i64), StoreError> {
                let guard = self.reader()?;
                let db = &*guard;
                let row = $db::query_as::<$dbt, (i64, i64)>(
                    "SELECT COALESCE(SUM(CASE WHEN expires_at > $1 THEN 1 ELSE 0 END), 0), \
                     COALESCE(SUM(CASE WHEN expires_at <= $1 THEN 1 ELSE 0 END), 0) \
                     FROM offers WHERE consumed_at IS NULL",
                )
                .bind(now)
                .fetch_one(db)
                .await
                .map_err($crate::sql::map_err)?;
                Ok(row)
            }

            async fn revoke_admin_token(&self, id: &str, at: i64) -> Result<bool, StoreError> {
                $crate::sql::writing!(self, |db| {
                    let done = $db::query(
                        "UPDATE admin_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
                    )
                    .bind(id)
                    .bind(at)
                    .execute(db)
                    .await
                    .map_err($crate::sql::map_err)?;
                    Ok(done.rows_affected() == 1)
                })
            }

            async fn get_interaction_hook(
                &self,
            ) -> Result<Option<sigil_core::store::InteractionHookRecord>, StoreError> {
                let guard = self.reader()?;
                let db = &*guard;
                let row = $db::query_as::<$dbt, $crate::sql::HookRow>(concat!(
                    "SELECT ", $crate::sql::hook_columns!(), " FROM interaction_hooks WHERE tenant = 'default'"
                ))
                .fetch_optional(db)
                .await
                .map_err($crate::sql::map_err)?;
                Ok(row.map($crate::sql::hook_record))
            }

            async fn put_interaction_hook(
                &self,
                h: &sigil_core::store::InteractionHookRecord,
            ) -> Result<sigil_core::store::InteractionHookRecord, StoreError> {
                $crate::sql::writing!(self, |db| {
                    let row = $db::query_as::<$dbt, $crate::sql::HookRow>(concat!(
                        "INSERT INTO interaction_hooks (tenant, url, claims, session_timeout_secs, disabled, \
                         secret_key_id, secret_ciphertext, created_at, updated_at) \
                         VALUES ('default', $1, $2, $3, $4, $5, $6, $7, $8) \
                         ON CONFLICT (tenant) DO UPDATE SET url = excluded.url, claims = excluded.claims, \
                         session_timeout_secs = excluded.session_timeout_secs, disabled = excluded.disabled, \
                         updated_at = excluded.updated_at RETURNING ",
                        $crate::sql::hook_columns!()
                    ))
                    .bind(&h.url)
                    .bind(&h.claims)
                    .bind(h.session_timeout_secs)
                    .bind(h.disabled)
                    .bind(&h.secret_key_id)
                    .bind(&h.secret_ciphertext)
                    .bind(h.created_at)
                    .bind(h.updated_at)
                    .fetch_one(db)
                    .await
                    .map_err($crate::sql::map_err)?;
                    Ok($crate::sql::hook_record(row))
                })
            }

            async fn rotate_interaction_hook_secret(
                &self,
                secret_key_id: &str,
                secret_ciphertext: &[u8],
                at: i64,
            ) -> Result<Option<sigil_core::store::InteractionHookRecord>, StoreError> {
                $crate::sql::writing!(self, |db| {
                    let row = $db::query_as::<$dbt, $crate::sql::HookRow>(concat!(
                        "UPDATE interaction_hooks SET secret_key_id = $1, secret_ciphertext = $2, \
                         updated_at = $3 WHERE tenant = 'default' RETURNING ",
                        $crate::sql::hook_columns!()
                    ))
                    .bind(secret_key_id)
                    .bind(secret_ciphertext)
                    .bind(at)
                    .fetch_optional(db)
                    .await
                    .map_err($crate::sql::map_err)?;
                    Ok(row.map($crate::sql::hook_record))
                })
            }

            async fn delete_interaction_hook(&self) -> Result<bool, StoreError> {
                $crate::sql::writing!(self, |db| {
                    let done = $db::query("DELETE FROM interaction_hooks WHERE tenant = 'default'")
                        .execute(db)
                        .await
                        .map_err($crate::sql::map_err)?;
                    Ok(done.rows_affected() == 1)
                })
            }

            async fn insert_credential_configuration(
                &self,
                c: &sigil_core::store::CredentialConfigurationRecord,
            ) -> Result<(), StoreError> {
                $crate::sql::writing!(self, |db| {
                    $db::query(
                        "INSERT INTO credential_configurations \
                         (id, format, scope, document, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(&c.id)
                    .bind(&c.format)
                    .bind(&c.scope)
                    .bind(&c.document)
                    .bind(c.created_at)
                    .bind(c.updated_at)
                    .execute(db)
                    .await
                    .map(|_| ())
                    .map_err($crate::sql::map_err)
                })
            }

            async fn get_credential_configuration(
                &self,
                id: &str,
            ) -> Result<Option<sigil_core::store::CredentialConfigurationRecord>, StoreError> {
                let guard = self.reader()?;
                let db = &*guard;
                let row = $db::query_as::<$dbt, $crate::sql::ConfigRow>(
                    "SELECT id, format, scope, document, created_at, updated_at \
                     FROM credential_configurations WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(db)
                .await
                .map_err($crate::sql::map_err)?;
                Ok(row.map($crate::sql::config_record))
            }

            async fn list_credential_configurations(
                &self,
                after: Option<&str>,
                limit: u32,
            ) -> Result<Vec<sigil_core::store::CredentialConfigurationRecord>, StoreError> {
                let guard = self.reader()?;
                let db = &*guard;
                let rows = $db::query_as::<$dbt, $crate::sql::ConfigRow>(
                    "SELECT id, format, scope, document, created_at, updated_at \
                     FROM credential_configurations WHERE ($1 IS NULL OR id > $1) \
                     ORDER BY id LIMIT $2",
                )
                .bind(after)
                .bind(i64::from(limit))
                .fetch_all(db)
                .await
                .map_err($crate::sql::map_err)?;
                Ok(rows.into_iter().map($crate::sql::config_record).collect())
            }

            async fn update_credential_configuration(
                &self,
                c: &sigil_core::store::CredentialConfigurationRecord,
            ) -> Result<bool, StoreError> {
                $crate::sql::writing!(self, |db| {
                    let done = $db::query(
                        "UPDATE credential_configurations SET format = $2, scope = $3, document = $4, \
                         updated_at = $5 WHERE id = $1",
                    )
                    .bind(&c.id)
                    .bind(&c.format)
                    .bind(&c.scope)
                    .bind(&c.document)
                    .bind(c.updated_at)
                    .execute(db)
                    .await
                    .map_err($crate::sql::map_err)?;
                    Ok(done.rows_affected() == 1)
                })
            }

            async fn delete_credential_configuration(&self, id: &str) -> Result<bool, StoreError> {
                $crate::sql::writing!(self, |db| {
                    let done = $db::query("DELETE FROM credential_configurations WHERE id = $1")
                        .bind(id)
                        .execute(db)
                        .await
                        .map_err($crate::sql::map_err)?;
                    Ok(done.rows_affected() == 1)
                })
            }

            async fn insert_user(&self, u: &sigil_core::store::UserRecord) -> Result<(), StoreError> {
                $crate::sql::writing!(self, |db| {
                    $db::query(
                        "INSERT INTO users (id, provider_url, subject_id, claims, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(&u.id)
                    .bind(&u.provider_url)
                    .bind(&u.subject_id)
                    .bind(&u.claims)
                    .bind(u.created_at)
                    .bind(u.updated_at)
                    .execute(db)
                    .await
                    .map(|_| ())
                    .map_err($crate::sql::map_err)
                })
            }

            async fn get_user(
                &self,
                id: &str,
            ) -> Result<Option<sigil_core::store::UserRecord>, StoreError> {
                let guard = self.reader()?;
                let db = &*guard;
                let row = $db::query_as::<$dbt, $crate::sql::UserRow>(
                    "SELECT id, provider_url, subject_id, claims, created_at, updated_at \
                     FROM users WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(db)
                .await
                .map_err($crate::sql::map_err)?;
                Ok(row.map($crate::sql::user_record))
            }

            async fn list_users(
                &self,
                filter: &sigil_core::store::UserFilter,
                after: Option<&str>,
                limit: u32,
            ) -> Result<Vec<sigil_core::store::UserRecord>, StoreError> {
                let guard = self.reader()?;
                let db = &*guard;
                // With a subject (a sign-in looks its user up by provider and subject) or a
                // provider, the statement names `subject_id = $2` or `provider_url = $1` on its
                // own, so that SQLite's planner uses users_subject or users_provider_subject
                // instead of walking every user in id order.
                let statement = if filter.subject_id.is_some() {
                    concat!(
                        "SELECT ", $crate::sql::user_columns!(), " FROM users \
                         WHERE subject_id = $2 AND ($1 IS NULL OR provider_url = $1) \
                         AND ($3 IS NULL OR id > $3) ORDER BY id LIMIT $4"
                    )
                } else if filter.provider_url.is_some() {
                    concat!(
                        "SELECT ", $crate::sql::user_columns!(), " FROM users \
                         WHERE provider_url = $1 AND ($2 IS NULL OR subject_id = $2) \
                         AND ($3 IS NULL OR id > $3) ORDER BY id LIMIT $4"
                    )
                } else {
                    // Neither: both conditions hold for every row (PostgreSQL wants every
                    // bound parameter used).
                    concat!(
                        "SELECT ", $crate::sql::user_columns!(), " FROM users \
                         WHERE ($1 IS NULL OR provider_url = $1) AND ($2 IS NULL OR subject_id = $2) \
                         AND ($3 IS NULL OR id > $3) ORDER BY id LIMIT $4"
                    )
                };
                let rows = $db::query_as::<$dbt, $crate::sql::UserRow>(statement)
                .bind(&filter.provider_url)
                .bind(&filter.subject_id)
                .bind(after)
                .bind(i64::from(limit))
                .fetch_all(db)
                .await
                .map_err($crate::sql::map_err)?;
                Ok(rows.into_iter().map($crate::sql::user_record).collect())
            }

            async fn update_user(&self, u: &sigil_core::store::UserRecord) -> Result<bool, StoreError> {
                $crate::sql::writing!(self, |db| {
                    let done = $db::query(
                        "UPDATE users SET provider_url = $2, subject_id = $3, claims = $4, updated_at = $5 \
                         WHERE id = $1",
                    )
                    .bind(&u.id)
                    .bind(&u.provider_url)
                    .bind(&u.subject_id)
                    .bind(&u.claims)
                    .bind(u.updated_at)
                    .execute(db)
                    .await
                    .map_err($crate::sql::map_err)?;
                    Ok(done.rows_affected() == 1)
                })
            }

            async fn delete_user(&self, id: &str) -> Result<bool, StoreError> {
                $crate::sql::writing!(self, |db| {
                    let done = $db::query("DELETE FROM users WHERE id = $1")
                        .bind(id)
                        .execute(db)
                        .await
                        .map_err($crate::sql::map_err)?;
                    Ok(done.rows_affected() == 1)
                })
            }

            async fn insert_signing_key_if_absent(
                &self,
                k: &sigil_core::store::SigningKeyRecord,
            ) -> Result<bool, StoreError> {
                $crate::sql::writing!(self, |db| {
                    let done = $db::query(
                        "INSERT INTO signing_keys (kid, algorithm, public_jwk, private_key_key_id, \
                         private_key_ciphertext, status, purpose, certificate, created_at, provider, \
                         retired_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                         ON CONFLICT DO NOTHING",
                    )
                    .bind(&k.kid)
                    .bind(&k.algorithm)
                    .bind(&k.public_jwk)
                    .bind(&k.private_key_key_id)
                    .bind(&k.private_key_ciphertext)
                    .bind(&k.status)
                    .bind(&k.purpose)
                    .bind(&k.certificate)
                    .bind(k.created_at)
                    .bind(&k.provider)
                    .bind(k.retired_at)
                    .execute(db)
                    .await
                    .map_err($crate::sql::map_err)?;
                    Ok(done.rows_affected() == 1)
                })
            }

            async fn list_signing_keys(
                &self,
            ) -> Result<Vec<sigil_core::store::SigningKeyRecord>, StoreError> {
                let guard = self.reader()?;
                let db = &*guard;
                let rows = $db::query_as::<$dbt, $crate::sql::KeyRow>(
                    "SELECT kid, algorithm, public_jwk, private_key_key_id, private_key_ciphertext, \
                     status, purpose, certificate, created_at, provider, retired_at \
                     FROM signing_keys ORDER BY created_at, kid",
                )
                .fetch_all(db)
                .await
                .map_err($crate::sql::map_err)?;
                Ok(rows.into_iter().map($crate::sql::key_record).collect())
            }

            async fn signing_keys_version(
                &self,
            ) -> Result<sigil_core::store::SigningKeysVersion, StoreError> {
                let guard = self.reader()?;
                let db = &*guard;
                let (keys, created, retired) = $db::query_as::<$dbt, (i64, i64, i64)>(
                    "SELECT COUNT(*), COALESCE(MAX(created_at), 0), COALESCE(MAX(retired_at), 0) \
                     FROM signing_keys",
                )
                .fetch_one(db)
                .await
                .map_err($crate::sql::map_err)?;
                Ok(sigil_core::store::SigningKeysVersion {
                    keys,
                    created,
                    retired,
                })
            }

            async fn rotate_signing_key(
                &self,
                k: &sigil_core::store::SigningKeyRecord,
                now: i64,
            ) -> Result<(), StoreError> {
                $crate::sql::writing!(self, |db| {
                    // Concurrent rotations on PostgreSQL (READ COMMITTED): the later one's UPDATE
                    // does not see the key the earlier one inserted, and its INSERT then meets the
                    // one-active index. It retries in a new transaction, which retires that key.
                    let mut attempts = 0;
                    loop {
                        attempts += 1;
                        let mut tx = db.begin().await.map_err($crate::sql::map_err)?;
                        $db::query(
                            "UPDATE signing_keys SET status = 'retired', retired_at = $3 \
                             WHERE purpose = $1 AND algorithm = $2 AND status = 'active'",
                        )
                        .bind(&k.purpose)
                        .bind(&k.algorithm)
                        .bind(now)
                        .execute(&mut *tx)
                        .await
                        .map_err($crate::sql::map_err)?;
                        let inserted = $db::query(
                            "INSERT INTO signing_keys (kid, algorithm, public_jwk, private_key_key_id, \
                             private_key_ciphertext, status, purpose, certificate, created_at, provider, \
                             retired_at) VALUES ($1, $2, $3, $4, $5, 'active', $6, $7, $8, $9, NULL)",
                        )
                        .bind(&k.kid)
                        .bind(&k.algorithm)
                        .bind(&k.public_jwk)
                        .bind(&k.private_key_key_id)
                        .bind(&k.private_key_ciphertext)
                        .bind(&k.purpose)
                        .bind(&k.certificate)
                        .bind(k.created_at)
                        .bind(&k.provider)
                        .execute(&mut *tx)
                        .await
                        .map_err($crate::sql::map_err);
                        match inserted {
                            Err(StoreError::Conflict(_)) if attempts < 16 => continue,
                            Err(e) => return Err(e),
                            Ok(_) => return tx.commit().await.map_err($crate::sql::map_err),
                        }
                }
                })
            }

            async fn set_signing_key_certificate(
                &self,
                kid: &str,
                expected: Option<&str>,
                certificate: &str,
            ) -> Result<bool, StoreError> {
                $crate::sql::writing!(self, |db| {
                    let done = $db::query(
                        "UPDATE signing_keys SET certificate = $3 WHERE kid = $1 \
                         AND ((certificate IS NULL AND $2 IS NULL) OR certificate = $2)",
                    )
                    .bind(kid)
                    .bind(expected)
                    .bind(certificate)
                    .execute(db)
                    .await
                    .map_err($crate::sql::map_err)?;
                    Ok(done.rows_affected() == 1)
                })
            }

            async fn insert_offer(
                &self,
                o: &sigil_core::store::OfferRecord,
                user: &sigil_core::store::UserWrite,
            ) -> Result<(), StoreError> {
                if let Some(done) = self.insert_offer_in_one_statement(o, user).await {
                    return done;
                }
                $crate::sql::writing!(self, |db| {
                    use sigil_core::store::UserWrite;
                    let mut tx = db.begin().await.map_err($crate::sql::map_err)?;
                    match user {
                        UserWrite::Keep => {}
                        UserWrite::Insert(u) => {
                            $crate::sql::bind_user!(
                                $db::query(concat!(
                                    "INSERT INTO users (", $crate::sql::user_columns!(), ") \
                                     VALUES ($1, $2, $3, $4, $5, $6)"
                                )),
                                u
                            )
                            .execute(&mut *tx)
                            .await
                            .map_err($crate::sql::map_err)?;
                        }
                        UserWrite::UpdateClaims { id, claims, at } => {
                            let done = $db::query("UPDATE users SET claims = $2, updated_at = $3 WHERE id = $1")
                                .bind(id)
                                .bind(claims)
                                .bind(at)
                                .execute(&mut *tx)
                                .await
                                .map_err($crate::sql::map_err)?;
                            if done.rows_affected() != 1 {
                                return Err(StoreError::Conflict("users.id".into()));
                            }
                        }
                    }
                    $crate::sql::bind_offer!(
                        $db::query(concat!(
                            "INSERT INTO offers (", $crate::sql::offer_insert_columns!(), ") \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
                        )),
                        o
                    )
                    .execute(&mut *tx)
                    .await
                    .map_err($crate::sql::map_err)?;
                    tx.commit().await.map_err($crate::sql::map_err)
                })
            }

            async fn find_offer_by_code_hash(
                &self,
                code_hash: &[u8],
            ) -> Result<Option<sigil_core::store::OfferRecord>, StoreError> {
                let guard = self.reader()?;
                let db = &*guard;
                let row = $db::query_as::<$dbt, $crate::sql::OfferRow>(concat!(
                    "SELECT ", $crate::sql::offer_columns!(), " FROM offers WHERE code_hash = $1"
                ))
                .bind(code_hash)
                .fetch_optional(db)
                .await
                .map_err($crate::sql::map_err)?;
                Ok(row.map($crate::sql::offer_record))
            }

            async fn find_offer_by_reference(
                &self,
                reference_hash: &[u8],
                now: i64,
            ) -> Result<Option<sigil_core::store::OfferRecord>, StoreError> {
                let guard = self.reader()?;
                let db = &*guard;
                let row = $db::query_as::<$dbt, $crate::sql::OfferRow>(concat!(
                    "SELECT ", $crate::sql::offer_columns!(),
                    " FROM offers WHERE reference_hash = $1 AND expires_at > $2 AND consumed_at IS NULL"
                ))
                .bind(reference_hash)
                .bind(now)
                .fetch_optional(db)
                .await
                .map_err($crate::sql::map_err)?;
                Ok(row.map($crate::sql::offer_record))
            }

            async fn delete_offer(&self, id: &str) -> Result<bool, StoreError> {
                $crate::sql::writing!(self, |db| {
                    let done = $db::query("DELETE FROM offers WHERE id = $1")
                        .bind(id)
                        .execute(db)
                        .await
                        .map_err($crate::sql::map_err)?;
                    Ok(done.rows_affected() == 1)
                })
            }

            async fn redeem_pre_authorized_code(
                &self,
                code_hash: &[u8],
                tx_code_mac: Option<&[u8]>,
                now: i64,
                max_failures: i64,
                token: &sigil_core::store::NewAccessToken,
            ) -> Result<sigil_core::store::Redemption, StoreError> {
                if let Some(done) = self
                    .redeem_in_one_statement(code_hash, tx_code_mac, now, max_failures, token)
                    .await
                {
                    return done;
                }
                $crate::sql::writing!(self, |db| {
                    use sigil_core::store::Redemption;
                    let mut tx = db.begin().await.map_err($crate::sql::map_err)?;
                    // One statement decides: exactly one request can flip consumed_at.
                    let won = $db::query_as::<$dbt, (String, String, String, Option<String>)>(
                        "UPDATE offers SET consumed_at = $2 WHERE code_hash = $1 AND consumed_at IS NULL \
                         AND expires_at > $2 AND tx_code_failures < $3 \
                         AND ((tx_code_mac IS NULL AND $4 IS NULL) OR tx_code_mac = $4) \
                         RETURNING id, user_id, configuration_ids, claims",
                    )
                    .bind(code_hash)
                    .bind(now)
                    .bind(max_failures)
                    .bind(tx_code_mac)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err($crate::sql::map_err)?;
                    if let Some(won) = won {
                        let record = $crate::sql::redeemed_token(token, won);
                        $crate::sql::insert_access_token!($db, &mut *tx, &record);
                        tx.commit().await.map_err($crate::sql::map_err)?;
                        return Ok(Redemption::Redeemed(Box::new(record)));
                    }
                    tx.rollback().await.map_err($crate::sql::map_err)?;
                    let Some(mac) = tx_code_mac else {
                        return Ok(Redemption::Refused);
                    };
                    // A wrong transaction code is judged only while under the cap: the increment and
                    // the check are one statement, so concurrent guesses never exceed it.
                    let counted = $db::query_as::<$dbt, (i64,)>(
                        "UPDATE offers SET tx_code_failures = tx_code_failures + 1 WHERE code_hash = $1 \
                         AND consumed_at IS NULL AND expires_at > $2 AND tx_code_failures < $3 \
                         AND tx_code_mac IS NOT NULL AND tx_code_mac <> $4 RETURNING tx_code_failures",
                    )
                    .bind(code_hash)
                    .bind(now)
                    .bind(max_failures)
                    .bind(mac)
                    .fetch_optional(db)
                    .await
                    .map_err($crate::sql::map_err)?;
                    Ok(match counted {
                        Some((failures,)) => Redemption::WrongTxCode { failures },
                        None => Redemption::Refused,
                    })
                })
            }

            async fn find_access_token(
                &self,
                token_hash: &[u8],
                now: i64,
            ) -> Result<Option<sigil_core::store::AccessTokenRecord>, StoreError> {
                let guard = self.reader()?;
                let db = &*guard;
                let row = $db::query_as::<$dbt, $crate::sql::AccessTokenUserRow>(
                    "SELECT t.token_hash, t.user_id, t.offer_id, t.configuration_ids, t.claims, \
                     t.client_id, t.authorization_code_hash, t.credential_identifiers, t.dpop_jkt, \
                     t.expires_at, t.created_at, u.provider_url, u.subject_id, u.claims \
                     FROM access_tokens t LEFT JOIN users u ON u.id = t.user_id \
                     WHERE t.token_hash = $1 AND t.expires_at > $2",
                )
                .bind(token_hash)
                .bind(now)
                .fetch_optional(db)
                .await
                .map_err($crate::sql::map_err)?;
                Ok(row.map($crate::sql::access_token_with_user))
            }

            async fn nonce_spent(
                &self,
                nonce: &sigil_core::store::SpentNonce,
            ) -> Result<bool, StoreError> {
                let guard = self.reader()?;
                let db = &*guard;
                let found = $db::query_as::<$dbt, (i64,)>(
                    "SELECT expires_at FROM nonces WHERE expires_at = $1 AND nonce_hash = $2",
                )
                .bind(nonce.expires_at)
                .bind(&nonce.nonce_hash)
                .fetch_optional(db)
                        .await
                        .map_err($crate::sql::map_err)?;
                Ok(found.is_some())
            }

            async fn use_dpop_proof(&self, proof_hash: &[u8], expires_at: i64) -> Result<bool, StoreError> {
                $crate::sql::writing!(self, |db| {
                    let done = $db::query(
                        "INSERT INTO dpop_proofs (proof_hash, expires_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                    )
                    .bind(proof_hash)
                    .bind(expires_at)
                    .execute(db)
                    .await
                    .map_err($crate::sql::map_err)?;
                    Ok(done.rows_affected() == 1)
                })
            }

            async fn insert_issued_credentials(
                &self,
                records: &[sigil_core::store::IssuedCredentialRecord],
                nonces: &[sigil_core::store::SpentNonce],
            ) -> Result<bool, StoreError> {
                if let Some(done) = self.record_issuance_in_one_statement(records, nonces).await {
                    return done;
                }
                $crate::sql::writing!(self, |db| {
                    let mut tx = db.begin().await.map_err($crate::sql::map_err)?;
                    if !$crate::sql::spend_nonces!($db, &mut *tx, nonces) {
                        // Ended here, not by dropping it (which closes a PostgreSQL connection).
                        tx.rollback().await.map_err($crate::sql::map_err)?;
                        return Ok(false);
                    }
                    for r in records {
                        $crate::sql::insert_issued_credential!($db, &mut *tx, r);
                    }
                    tx.commit().await.map_err($crate::sql::map_err)?;
                    Ok(true)
                })
            }

            async fn record_notification(
                &self,
                notification_id: &str,
                token_hash: &[u8],
                n: &sigil_core::store::NotificationRecord,
            ) -> Result<bool, StoreError> {
                $crate::sql::writing!(self, |db| {
                    let done = $db::query(
                        "UPDATE issued_credentials SET notification_event = $3, notification_description = $4, \
                         notified_at = $5 WHERE notification_id = $1 AND token_hash = $2",
                    )
                    .bind(notification_id)
                    .bind(token_hash)
                    .bind(&n.event)
                    .bind(&n.description)
                    .bind(n.at)
                    .execute(db)
                    .await
                    .map_err($crate::sql::map_err)?;
                    Ok(done.rows_affected() > 0)
                })
            }

            async fn get_issued_credential(
                &self,
                id: &str,
            ) -> Result<Option<sigil_core::store::IssuedCredentialRecord>, StoreError> {
                let guard = self.reader()?;
                let db = &*guard;
                let row = $db::query_as::<$dbt, $crate::sql::IssuedCredentialRow>(concat!(
                    "SELECT ", $crate::sql::issued_credential_columns!(),
                    " FROM issued_credentials WHERE id = $1"
                ))
                .bind(id)
                .fetch_optional(db)
                .await
                .map_err($crate::sql::map_err)?;
                Ok(row.map($crate::sql::issued_credential_record))
            }

            async fn reserve_status_positions(
                &self,
                kind: &str,
                count: i64,
                fresh: &sigil_core::store::StatusListRecord,
            ) -> Result<sigil_core::store::StatusPositions, StoreError> {
                // One statement takes the positions: PostgreSQL re-checks the room on the row it
                // locked, SQLite runs it under the one writer. A list with less room than `count`
                // is passed over (its tail stays unused).
                const RESERVE: &str = concat!(
                    "UPDATE status_lists SET allocated = allocated + $2 WHERE id = \
                     (SELECT id FROM status_lists WHERE kind = $1 AND allocated + $2 <= size \
                      ORDER BY created_at DESC, id DESC LIMIT 1) AND allocated + $2 <= size \
                     RETURNING ", $crate::sql::status_list_columns!()
                );
                $crate::sql::writing!(self, |db| {
                    // PostgreSQL: when another node fills the chosen list first, the row re-check finds
                    // no room and nothing is reserved; the next attempt picks again, making a list
                    // when none has room. Every miss means another caller took positions.
                    for _ in 0..32 {
                        let row = $db::query_as::<$dbt, $crate::sql::StatusListRow>(RESERVE)
                            .bind(kind)
                            .bind(count)
                            .fetch_optional(db)
                            .await
                            .map_err($crate::sql::map_err)?;
                        if let Some(row) = row {
                            let list = $crate::sql::status_list_record(row);
                            return Ok(sigil_core::store::StatusPositions {
                                first: list.allocated - count,
                                count,
                                list,
                            });
                        }
                        {
                            // Only while no list of the kind has room: nodes that find the
                            // lists full at once rarely make more than one (an extra one waits,
                            // empty, for its turn).
                            $db::query(concat!(
                                "INSERT INTO status_lists (", $crate::sql::status_list_columns!(),
                                ") SELECT $1, $2, $3, $4, $5, $6, $7 WHERE NOT EXISTS \
                                 (SELECT 1 FROM status_lists WHERE kind = $2 AND allocated + $8 <= size) \
                                 ON CONFLICT DO NOTHING"
                            ))
                            .bind(&fresh.id)
                            .bind(kind)
                            .bind(fresh.size)
                            .bind(0_i64)
                            .bind(&fresh.permutation_key)
                            .bind(0_i64)
                            .bind(fresh.created_at)
                            .bind(count)
                            .execute(db)
                            .await
                            .map_err($crate::sql::map_err)?;
                        }
                    }
                    Err(StoreError::Conflict(format!(
                        "no status list of kind {kind} has room for {count} positions"
                    )))
                })
            }

            async fn get_status_list(
                &self,
                id: &str,
            ) -> Result<Option<sigil_core::store::StatusListRecord>, StoreError> {
                let guard = self.reader()?;
                let db = &*guard;
                let row = $db::query_as::<$dbt, $crate::sql::StatusListRow>(concat!(
                    "SELECT ", $crate::sql::status_list_columns!(), " FROM status_lists WHERE id = $1"
                ))
                .bind(id)
                .fetch_optional(db)
                .await
                .map_err($crate::sql::map_err)?;
                Ok(row.map($crate::sql::status_list_record))
            }

            async fn list_status_lists(
                &self,
            ) -> Result<Vec<sigil_core::store::StatusListRecord>, StoreError> {
                let guard = self.reader()?;
                let db = &*guard;
                let rows = $db::query_as::<$dbt, $crate::sql::StatusListRow>(concat!(
                    "SELECT ", $crate::sql::status_list_columns!(),
                    " FROM status_lists ORDER BY created_at, id"
                ))
                .fetch_all(db)
                .await
                .map_err($crate::sql::map_err)?;
                Ok(rows.into_iter().map($crate::sql::status_list_record).collect())
            }

            async fn status_list_entries(
                &self,
                list_id: &str,
            ) -> Result<Vec<(i64, String)>, StoreError> {
                let guard = self.reader()?;
                let db = &*guard;
                $db::query_as::<$dbt, (i64, String)>(
                    "SELECT status_index, status FROM issued_credentials \
                     WHERE status_list_id = $1 AND status <> 'valid' AND status_index IS NOT NULL",
                )
                .bind(list_id)
                .fetch_all(db)
                .await
                .map_err($crate::sql::map_err)
            }

            async fn change_credential_statuses(
                &self,
                changes: &[sigil_core::store::StatusChangeRecord],
            ) -> Result<Vec<String>, StoreError> {
                $crate::sql::writing!(self, |db| {
                    let mut tx = db.begin().await.map_err($crate::sql::map_err)?;
                    let mut changed = Vec::new();
                    let mut lists: Vec<String> = Vec::new();
                    for c in changes {
                        let list = $db::query_as::<$dbt, (String,)>(
                            "UPDATE issued_credentials SET status = $2, status_changed_at = $3 \
                             WHERE id = $1 AND status_list_id IS NOT NULL \
                             AND status <> 'revoked' AND status <> $2 RETURNING status_list_id",
                        )
                        .bind(&c.credential_id)
                        .bind(&c.status)
                        .bind(c.changed_at)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err($crate::sql::map_err)?;
                        let Some((list,)) = list else { continue };
                        $db::query(
                            "INSERT INTO credential_status_changes \
                             (id, credential_id, status, actor, changed_at) VALUES ($1, $2, $3, $4, $5)",
                        )
                        .bind(&c.id)
                        .bind(&c.credential_id)
                        .bind(&c.status)
                        .bind(&c.actor)
                        .bind(c.changed_at)
                        .execute(&mut *tx)
                        .await
                        .map_err($crate::sql::map_err)?;
                        changed.push(c.credential_id.clone());
                        if !lists.contains(&list) {
                            lists.push(list);
                        }
                    }
                    for list in &lists {
                        $db::query("UPDATE status_lists SET version = version + 1 WHERE id = $1")
                            .bind(list)
                            .execute(&mut *tx)
                            .await
                            .map_err($crate::sql::map_err)?;
                    }
                    tx.commit().await.map_err($crate::sql::map_err)?;
                    Ok(changed)
                })
            }

            async fn list_status_changes(
                &self,
                credential_id: &str,
            ) -> Result<Vec<sigil_core::store::StatusChangeRecord>, StoreError> {
                let guard = self.reader()?;
                let db = &*guard;
                let rows = $db::query_as::<$dbt, (String, String, String, String, i64)>(
                    "SELECT id, credential_id, status, actor, changed_at FROM credential_status_changes \
                     WHERE credential_id = $1 ORDER BY changed_at, id",
                )
                .bind(credential_id)
                .fetch_all(db)
                .await
                .map_err($crate::sql::map_err)?;
                Ok(rows
                    .into_iter()
                    .map(|(id, credential_id, status, actor, changed_at)| {
                        sigil_core::store::StatusChangeRecord { id, credential_id, status, actor, changed_at }
                    })
                    .collect())
            }

            async fn list_issued_credentials(
                &self,
                user_id: &str,
            ) -> Result<Vec<sigil_core::store::IssuedCredentialRecord>, StoreError> {
                let guard = self.reader()?;
                let db = &*guard;
                let rows = $db::query_as::<$dbt, $crate::sql::IssuedCredentialRow>(concat!(
                    "SELECT ", $crate::sql::issued_credential_columns!(),
                    " FROM issued_credentials WHERE user_id = $1 ORDER BY id"
                ))
                .bind(user_id)
                .fetch_all(db)
                .await
                .map_err($crate::sql::map_err)?;
                Ok(rows.into_iter().map($crate::sql::issued_credential_record).collect())
            }

            async fn insert_deferred_issuance(
                &self,
                r: &sigil_core::store::DeferredIssuanceRecord,
                nonces: &[sigil_core::store::SpentNonce],
            ) -> Result<bool, StoreError> {
                $crate::sql::writing!(self, |db| {
                    let mut tx = db.begin().await.map_err($crate::sql::map_err)?;
                    if !$crate::sql::spend_nonces!($db, &mut *tx, nonces) {
                        // Ended here, not by dropping it (which closes a PostgreSQL connection).
                        tx.rollback().await.map_err($crate::sql::map_err)?;
                        return Ok(false);
                    }
                    $db::query(concat!(
                        "INSERT INTO deferred_issuances (", $crate::sql::deferred_columns!(),
                        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
                    ))
                    .bind(&r.id)
                    .bind(&r.transaction_hash)
                    .bind(&r.token_hash)
                    .bind(&r.user_id)
                    .bind(&r.configuration_id)
                    .bind(&r.offer_id)
                    .bind(&r.request)
                    .bind(&r.status)
                    .bind(&r.reason)
                    .bind(&r.claims)
                    .bind(r.expires_at)
                    .bind(r.delivered_at)
                    .bind(r.created_at)
                    .bind(r.updated_at)
                    .execute(&mut *tx)
                    .await
                    .map_err($crate::sql::map_err)?;
                    tx.commit().await.map_err($crate::sql::map_err)?;
                    Ok(true)
                })
            }

            async fn find_deferred_issuance(
                &self,
                transaction_hash: &[u8],
                now: i64,
            ) -> Result<Option<sigil_core::store::DeferredIssuanceRecord>, StoreError> {
                let guard = self.reader()?;
                let db = &*guard;
                let row = $db::query_as::<$dbt, $crate::sql::DeferredRow>(concat!(
                    "SELECT ", $crate::sql::deferred_columns!(),
                    " FROM deferred_issuances WHERE transaction_hash = $1 AND expires_at > $2 AND delivered_at IS NULL"
                ))
                .bind(transaction_hash)
                .bind(now)
                .fetch_optional(db)
                .await
                .map_err($crate::sql::map_err)?;
                Ok(row.map($crate::sql::deferred_record))
            }

            async fn get_deferred_issuance(
                &self,
                id: &str,
            ) -> Result<Option<sigil_core::store::DeferredIssuanceRecord>, StoreError> {
                let guard = self.reader()?;
                let db = &*guard;
                let row = $db::query_as::<$dbt, $crate::sql::DeferredRow>(concat!(
                    "SELECT ", $crate::sql::deferred_columns!(), " FROM deferred_issuances WHERE id = $1"
                ))
                .bind(id)
                .fetch_optional(db)
                .await
                .map_err($crate::sql::map_err)?;
                Ok(row.map($crate::sql::deferred_record))
            }

            async fn list_deferred_issuances(
                &self,
                now: i64,
            ) -> Result<Vec<sigil_core::store::DeferredIssuanceRecord>, StoreError> {
                let guard = self.reader()?;
                let db = &*guard;
                let rows = $db::query_as::<$dbt, $crate::sql::DeferredRow>(concat!(
                    "SELECT ", $crate::sql::deferred_columns!(),
                    " FROM deferred_issuances WHERE expires_at > $1 AND delivered_at IS NULL ORDER BY id"
                ))
                .bind(now)
                .fetch_all(db)
                .await
                .map_err($crate::sql::map_err)?;
                Ok(rows.into_iter().map($crate::sql::deferred_record).collect())
            }

            async fn decide_deferred_issuance(
                &self,
                id: &str,
                status: &str,
                reason: Option<&str>,
                claims: Option<&str>,
                now: i64,
            ) -> Result<bool, StoreError> {
                $crate::sql::writing!(self, |db| {
                    let done = $db::query(
                        "UPDATE deferred_issuances SET status = $2, reason = $3, claims = $4, updated_at = $5 \
                         WHERE id = $1 AND status = 'pending' AND delivered_at IS NULL AND expires_at > $5",
                    )
                    .bind(id)
                    .bind(status)
                    .bind(reason)
                    .bind(claims)
                    .bind(now)
                    .execute(db)
                    .await
                    .map_err($crate::sql::map_err)?;
                    Ok(done.rows_affected() == 1)
                })
            }

            async fn deliver_deferred_issuance(
                &self,
                id: &str,
                now: i64,
                credentials: &[sigil_core::store::IssuedCredentialRecord],
            ) -> Result<bool, StoreError> {
                $crate::sql::writing!(self, |db| {
                    let mut tx = db.begin().await.map_err($crate::sql::map_err)?;
                    let won = $db::query(
                        "UPDATE deferred_issuances SET delivered_at = $2, updated_at = $2 \
                         WHERE id = $1 AND delivered_at IS NULL AND expires_at > $2",
                    )
                    .bind(id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err($crate::sql::map_err)?
                    .rows_affected()
                        == 1;
                    if !won {
                        tx.rollback().await.map_err($crate::sql::map_err)?;
                        return Ok(false);
                    }
                    for r in credentials {
                        $crate::sql::insert_issued_credential!($db, &mut *tx, r);
                    }
                    tx.commit().await.map_err($crate::sql::map_err)?;
                    Ok(true)
                })
            }

            async fn insert_document(
                &self,
                kind: sigil_core::store::DocumentKind,
                r: &sigil_core::store::DocumentRecord,
            ) -> Result<(), StoreError> {
                $crate::sql::writing!(self, |db| {
                    $db::query(
                        "INSERT INTO admin_documents (id, unique_key, document, secret_hash, sealed_key_id, \
                         sealed, created_at, updated_at, kind) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    )
                    .bind(&r.id)
                    .bind(&r.unique_key)
                    .bind(&r.document)
                    .bind(&r.secret_hash)
                    .bind(&r.sealed_key_id)
                    .bind(&r.sealed)
                    .bind(r.created_at)
                    .bind(r.updated_at)
                    .bind(kind.as_str())
                    .execute(db)
                    .await
                    .map(|_| ())
                    .map_err($crate::sql::map_err)
                })
            }

            async fn get_document(
                &self,
                kind: sigil_core::store::DocumentKind,
                id: &str,
            ) -> Result<Option<sigil_core::store::DocumentRecord>, StoreError> {
                let guard = self.reader()?;
                let db = &*guard;
                let row = $db::query_as::<$dbt, $crate::sql::DocumentRow>(concat!(
                    "SELECT ",
                    $crate::sql::document_columns!(),
                    " FROM admin_documents WHERE id = $1 AND kind = $2"
                ))
                .bind(id)
                .bind(kind.as_str())
                .fetch_optional(db)
                .await
                .map_err($crate::sql::map_err)?;
                Ok(row.map($crate::sql::document_record))
            }

            async fn list_documents(
                &self,
                kind: sigil_core::store::DocumentKind,
                after: Option<&str>,
                limit: u32,
            ) -> Result<Vec<sigil_core::store::DocumentRecord>, StoreError> {
                let guard = self.reader()?;
                let db = &*guard;
                let rows = $db::query_as::<$dbt, $crate::sql::DocumentRow>(concat!(
                    "SELECT ",
                    $crate::sql::document_columns!(),
                    " FROM admin_documents WHERE kind = $3 AND ($1 IS NULL OR id > $1) ORDER BY id LIMIT $2"
                ))
                .bind(after)
                .bind(i64::from(limit))
                .bind(kind.as_str())
                .fetch_all(db)
                .await
                .map_err($crate::sql::map_err)?;
                Ok(rows.into_iter().map($crate::sql::document_record).collect())
            }

            async fn update_document(
                &self,
                kind: sigil_core::store::DocumentKind,
                r: &sigil_core::store::DocumentRecord,
            ) -> Result<bool, StoreError> {
                $crate::sql::writing!(self, |db| {
                    let done = $db::query(
                        "UPDATE admin_documents SET unique_key = $2, document = $3, secret_hash = $4, \
                         sealed_key_id = $5, sealed = $6, updated_at = $7 WHERE id = $1 AND kind = $8",
                    )
                    .bind(&r.id)
                    .bind(&r.unique_key)
                    .bind(&r.document)
                    .bind(&r.secret_hash)
                    .bind(&r.sealed_key_id)
                    .bind(&r.sealed)
                    .bind(r.updated_at)
                    .bind(kind.as_str())
                    .execute(db)
                    .await
                    .map_err($crate::sql::map_err)?;
                    Ok(done.rows_affected() == 1)
                })
            }

            async fn delete_document(
                &self,
                kind: sigil_core::store::DocumentKind,
                id: &str,
            ) -> Result<bool, StoreError> {
                $crate::sql::writing!(self, |db| {
                    let done = $db::query("DELETE FROM admin_documents WHERE id = $1 AND kind = $2")
                        .bind(id)
                        .bind(kind.as_str())
                        .execute(db)
                        .await
                        .map_err($crate::sql::map_err)?;
                    Ok(done.rows_affected() == 1)
                })
            }

            async fn insert_mdoc_certificate(
                &self,
                r: &sigil_core::store::MdocCertificateRecord,
            ) -> Result<(), StoreError> {
                $crate::sql::writing!(self, |db| {
                    let mut tx = db.begin().await.map_err($crate::sql::map_err)?;
                    if r.active && r.kind == sigil_core::store::MdocCertificateKind::Iaca {
                        $db::query("UPDATE mdoc_certificates SET active = FALSE WHERE kind = 'iaca' AND active")
                            .execute(&mut *tx)
                            .await
                            .map_err($crate::sql::map_err)?;
                    }
                    $db::query(concat!(
                        "INSERT INTO mdoc_certificates (",
                        $crate::sql::mdoc_columns!(),
                        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
                    ))
                    .bind(&r.id)
                    .bind(r.kind.as_str())
                    .bind(&r.iaca_id)
                    .bind(r.active)
                    .bind(r.managed)
                    .bind(&r.certificate)
                    .bind(&r.private_key_key_id)
                    .bind(&r.private_key_ciphertext)
                    .bind(r.not_before)
                    .bind(r.not_after)
                    .bind(r.created_at)
                    .bind(&r.replaces)
                    .bind(&r.provider)
                    .execute(&mut *tx)
                    .await
                    .map_err($crate::sql::map_err)?;
                    tx.commit().await.map_err($crate::sql::map_err)
                })
            }

            async fn get_mdoc_certificate(
                &self,
                kind: sigil_core::store::MdocCertificateKind,
                id: &str,
            ) -> Result<Option<sigil_core::store::MdocCertificateRecord>, StoreError> {
                let guard = self.reader()?;
                let db = &*guard;
                let row = $db::query_as::<$dbt, $crate::sql::MdocRow>(concat!(
                    "SELECT ",
                    $crate::sql::mdoc_columns!(),
                    " FROM mdoc_certificates WHERE id = $1 AND kind = $2"
                ))
                .bind(id)
                .bind(kind.as_str())
                .fetch_optional(db)
                .await
                .map_err($crate::sql::map_err)?;
                row.map($crate::sql::mdoc_record).transpose()
            }

            async fn list_mdoc_certificates(
                &self,
                kind: sigil_core::store::MdocCertificateKind,
                after: Option<&str>,
                limit: u32,
            ) -> Result<Vec<sigil_core::store::MdocCertificateRecord>, StoreError> {
                let guard = self.reader()?;
                let db = &*guard;
                let rows = $db::query_as::<$dbt, $crate::sql::MdocRow>(concat!(
                    "SELECT ",
                    $crate::sql::mdoc_columns!(),
                    " FROM mdoc_certificates WHERE kind = $3 AND ($1 IS NULL OR id > $1) ORDER BY id LIMIT $2"
                ))
                .bind(after)
                .bind(i64::from(limit))
                .bind(kind.as_str())
                .fetch_all(db)
                .await
                .map_err($crate::sql::map_err)?;
                rows.into_iter().map($crate::sql::mdoc_record).collect()
            }

            async fn active_iaca(
                &self,
            ) -> Result<Option<sigil_core::store::MdocCertificateRecord>, StoreError> {
                let guard = self.reader()?;
                let db = &*guard;
                let row = $db::query_as::<$dbt, $crate::sql::MdocRow>(concat!(
                    "SELECT ",
                    $crate::sql::mdoc_columns!(),
                    " FROM mdoc_certificates WHERE kind = 'iaca' AND active"
                ))
                .fetch_optional(db)
                .await
                .map_err($crate::sql::map_err)?;
                row.map($crate::sql::mdoc_record).transpose()
            }

            async fn newest_document_signer(
                &self,
                iaca_id: &str,
            ) -> Result<Option<sigil_core::store::MdocCertificateRecord>, StoreError> {
                let guard = self.reader()?;
                let db = &*guard;
                let row = $db::query_as::<$dbt, $crate::sql::MdocRow>(concat!(
                    "SELECT ",
                    $crate::sql::mdoc_columns!(),
                    " FROM mdoc_certificates WHERE kind = 'document-signer' AND iaca_id = $1 \
                     ORDER BY id DESC LIMIT 1"
                ))
                .bind(iaca_id)
                .fetch_optional(db)
                .await
                .map_err($crate::sql::map_err)?;
                row.map($crate::sql::mdoc_record).transpose()
            }

            async fn set_iaca_active(&self, id: &str, active: bool) -> Result<bool, StoreError> {
                $crate::sql::writing!(self, |db| {
                    let mut tx = db.begin().await.map_err($crate::sql::map_err)?;
                    if active {
                        $db::query("UPDATE mdoc_certificates SET active = FALSE WHERE kind = 'iaca' AND active AND id <> $1")
                            .bind(id)
                            .execute(&mut *tx)
                            .await
                            .map_err($crate::sql::map_err)?;
                    }
                    let done = $db::query("UPDATE mdoc_certificates SET active = $2 WHERE id = $1 AND kind = 'iaca'")
                        .bind(id)
                        .bind(active)
                        .execute(&mut *tx)
                        .await
                        .map_err($crate::sql::map_err)?;
                    if done.rows_affected() != 1 {
                        return Ok(false);
                    }
                    tx.commit().await.map_err($crate::sql::map_err)?;
                    Ok(true)
                })
            }

            async fn delete_mdoc_certificate(
                &self,
                kind: sigil_core::store::MdocCertificateKind,
                id: &str,
            ) -> Result<bool, StoreError> {
                $crate::sql::writing!(self, |db| {
                    let mut tx = db.begin().await.map_err($crate::sql::map_err)?;
                    $db::query("DELETE FROM mdoc_certificates WHERE iaca_id = $1 AND $2 = 'iaca'")
                        .bind(id)
                        .bind(kind.as_str())
                        .execute(&mut *tx)
                        .await
                        .map_err($crate::sql::map_err)?;
                    let done = $db::query("DELETE FROM mdoc_certificates WHERE id = $1 AND kind = $2")
                        .bind(id)
                        .bind(kind.as_str())
                        .execute(&mut *tx)
                        .await
                        .map_err($crate::sql::map_err)?;
                    tx.commit().await.map_err($crate::sql::map_err)?;
                    Ok(done.rows_affected() == 1)
                })
            }

            async fn insert_authorization_offer(
                &self,
                o: &sigil_core::store::AuthorizationOfferRecord,
            ) -> Result<(), StoreError> {
                $crate::sql::writing!(self, |db| {
                    $db::query(
                        "INSERT INTO authorization_offers (id, issuer_state_hash, configuration_ids, \
                         expires_at, consumed_at, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(&o.id)
                    .bind(&o.issuer_state_hash)
                    .bind(&o.configuration_ids)
                    .bind(o.expires_at)
                    .bind(o.consumed_at)
                    .bind(o.created_at)
                    .execute(db)
                    .await
                    .map(|_| ())
                    .map_err($crate::sql::map_err)
                })
            }

            async fn find_authorization_offer(
                &self,
                issuer_state_hash: &[u8],
                now: i64,
            ) -> Result<Option<sigil_core::store::AuthorizationOfferRecord>, StoreError> {
                let guard = self.reader()?;
                let db = &*guard;
                let row = $db::query_as::<$dbt, (String, Vec<u8>, String, i64, Option<i64>, i64)>(
                    "SELECT id, issuer_state_hash, configuration_ids, expires_at, consumed_at, created_at \
                     FROM authorization_offers WHERE issuer_state_hash = $1 AND consumed_at IS NULL \
                     AND expires_at > $2",
                )
                .bind(issuer_state_hash)
                .bind(now)
                .fetch_optional(db)
                .await
                .map_err($crate::sql::map_err)?;
                Ok(row.map(|(id, issuer_state_hash, configuration_ids, expires_at, consumed_at, created_at)| {
                    sigil_core::store::AuthorizationOfferRecord {
                        id, issuer_state_hash, configuration_ids, expires_at, consumed_at, created_at,
                    }
                }))
            }

            async fn insert_pushed_request(
                &self,
                r: &sigil_core::store::PushedRequestRecord,
            ) -> Result<(), StoreError> {
                $crate::sql::writing!(self, |db| {
                    $db::query(
                        "INSERT INTO pushed_authorization_requests (request_uri_hash, client_id, request, \
                         expires_at) VALUES ($1, $2, $3, $4)",
                    )
                    .bind(&r.request_uri_hash)
                    .bind(&r.client_id)
                    .bind(&r.request)
                    .bind(r.expires_at)
                    .execute(db)
                    .await
                    .map(|_| ())
                    .map_err($crate::sql::map_err)
                })
            }

            async fn take_pushed_request(
                &self,
                request_uri_hash: &[u8],
                client_id: &str,
                now: i64,
            ) -> Result<Option<String>, StoreError> {
                $crate::sql::writing!(self, |db| {
                    let row = $db::query_as::<$dbt, (String,)>(
                        "UPDATE pushed_authorization_requests SET used_at = $3 WHERE request_uri_hash = $1 \
                         AND client_id = $2 AND used_at IS NULL AND expires_at > $3 RETURNING request",
                    )
                    .bind(request_uri_hash)
                    .bind(client_id)
                    .bind(now)
                    .fetch_optional(db)
                    .await
                    .map_err($crate::sql::map_err)?;
                    Ok(row.map(|(r,)| r))
                })
            }

            async fn insert_authorization_session(
                &self,
                r: &sigil_core::store::AuthorizationSessionRecord,
            ) -> Result<(), StoreError> {
                $crate::sql::writing!(self, |db| {
                    $db::query(
                        "INSERT INTO authorization_sessions (state_hash, stage, sealed_key_id, sealed, \
                         expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(&r.state_hash)
                    .bind(&r.stage)
                    .bind(&r.sealed_key_id)
                    .bind(&r.sealed)
                    .bind(r.expires_at)
                    .bind(r.created_at)
                    .execute(db)
                    .await
                    .map(|_| ())
                    .map_err($crate::sql::map_err)
                })
            }

            async fn find_authorization_session(
                &self,
                state_hash: &[u8],
            ) -> Result<Option<sigil_core::store::AuthorizationSessionRecord>, StoreError> {
                let guard = self.reader()?;
                let db = &*guard;
                let row = $db::query_as::<$dbt, (Vec<u8>, String, String, Vec<u8>, i64, i64)>(
                    "SELECT state_hash, stage, sealed_key_id, sealed, expires_at, created_at \
                     FROM authorization_sessions WHERE state_hash = $1",
                )
                .bind(state_hash)
                .fetch_optional(db)
                .await
                .map_err($crate::sql::map_err)?;
                Ok(row.map(|(state_hash, stage, sealed_key_id, sealed, expires_at, created_at)| {
                    sigil_core::store::AuthorizationSessionRecord {
                        state_hash, stage, sealed_key_id, sealed, expires_at, created_at,
                    }
                }))
            }

            async fn advance_authorization_session(
                &self,
                state_hash: &[u8],
                from: &str,
                to: &sigil_core::store::AuthorizationSessionRecord,
                now: i64,
            ) -> Result<bool, StoreError> {
                $crate::sql::writing!(self, |db| {
                    let done = $db::query(
                        "UPDATE authorization_sessions SET stage = $3, sealed_key_id = $4, sealed = $5, \
                         expires_at = $6 WHERE state_hash = $1 AND stage = $2 AND expires_at > $7",
                    )
                    .bind(state_hash)
                    .bind(from)
                    .bind(&to.stage)
                    .bind(&to.sealed_key_id)
                    .bind(&to.sealed)
                    .bind(to.expires_at)
                    .bind(now)
                    .execute(db)
                    .await
                    .map_err($crate::sql::map_err)?;
                    Ok(done.rows_affected() == 1)
                })
            }

            async fn insert_authorization_code(
                &self,
                c: &sigil_core::store::AuthorizationCodeRecord,
                offer_id: Option<&str>,
                now: i64,
            ) -> Result<bool, StoreError> {
                $crate::sql::writing!(self, |db| {
                    let mut tx = db.begin().await.map_err($crate::sql::map_err)?;
                    if let Some(offer_id) = offer_id {
                        let won = $db::query(
                            "UPDATE authorization_offers SET consumed_at = $2 WHERE id = $1 \
                             AND consumed_at IS NULL AND expires_at > $2",
                        )
                        .bind(offer_id)
                        .bind(now)
                        .execute(&mut *tx)
                        .await
                        .map_err($crate::sql::map_err)?;
                        if won.rows_affected() != 1 {
                            tx.rollback().await.map_err($crate::sql::map_err)?;
                            return Ok(false);
                        }
                    }
                    $db::query(
                        "INSERT INTO authorization_codes (code_hash, client_id, grant_data, expires_at, \
                         used_at, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(&c.code_hash)
                    .bind(&c.client_id)
                    .bind(&c.grant_data)
                    .bind(c.expires_at)
                    .bind(c.used_at)
                    .bind(c.created_at)
                    .execute(&mut *tx)
                    .await
                    .map_err($crate::sql::map_err)?;
                    tx.commit().await.map_err($crate::sql::map_err)?;
                    Ok(true)
                })
            }

            async fn find_authorization_code(
                &self,
                code_hash: &[u8],
                now: i64,
            ) -> Result<Option<sigil_core::store::AuthorizationCodeRecord>, StoreError> {
                let guard = self.reader()?;
                let db = &*guard;
                let row = $db::query_as::<$dbt, (Vec<u8>, String, String, i64, Option<i64>, i64)>(
                    "SELECT code_hash, client_id, grant_data, expires_at, used_at, created_at \
                     FROM authorization_codes WHERE code_hash = $1 AND expires_at > $2",
                )
                .bind(code_hash)
                .bind(now)
                .fetch_optional(db)
                .await
                .map_err($crate::sql::map_err)?;
                Ok(row.map(|(code_hash, client_id, grant_data, expires_at, used_at, created_at)| {
                    sigil_core::store::AuthorizationCodeRecord {
                        code_hash, client_id, grant_data, expires_at, used_at, created_at,
                    }
                }))
            }

            async fn redeem_authorization_code(
                &self,
                code_hash: &[u8],
                now: i64,
                token: &sigil_core::store::AccessTokenRecord,
            ) -> Result<sigil_core::store::CodeRedemption, StoreError> {
                use sigil_core::store::CodeRedemption;
                $crate::sql::writing!(self, |db| {
                    let mut tx = db.begin().await.map_err($crate::sql::map_err)?;
                    let won = $db::query(
                        "UPDATE authorization_codes SET used_at = $2 WHERE code_hash = $1 \
                         AND used_at IS NULL AND expires_at > $2",
                    )
                    .bind(code_hash)
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err($crate::sql::map_err)?;
                    if won.rows_affected() == 1 {
                        $crate::sql::insert_access_token!($db, &mut *tx, token);
                        tx.commit().await.map_err($crate::sql::map_err)?;
                        return Ok(CodeRedemption::Redeemed);
                    }
                    let used = $db::query_as::<$dbt, (i64,)>(
                        "SELECT used_at FROM authorization_codes WHERE code_hash = $1 AND used_at IS NOT NULL",
                    )
                    .bind(code_hash)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err($crate::sql::map_err)?;
                    if used.is_none() {
                        tx.rollback().await.map_err($crate::sql::map_err)?;
                        return Ok(CodeRedemption::Refused);
                    }
                    $db::query("DELETE FROM access_tokens WHERE authorization_code_hash = $1")
                        .bind(code_hash)
                        .execute(&mut *tx)
                        .await
                        .map_err($crate::sql::map_err)?;
                    tx.commit().await.map_err($crate::sql::map_err)?;
                    Ok(CodeRedemption::Replayed)
                })
            }

            async fn purge_expired(&self, now: i64) -> Result<u64, StoreError> {
                $crate::sql::writing!(self, |db| {
                    let mut total = 0;
                    // Spent nonces stay a while past expiry (see SPENT_NONCE_GRACE).
                    total += $db::query("DELETE FROM nonces WHERE expires_at <= $1")
                        .bind(now - sigil_core::store::SPENT_NONCE_GRACE)
                        .execute(db)
                        .await
                        .map_err($crate::sql::map_err)?
                        .rows_affected();
                    for statement in [
                        "DELETE FROM dpop_proofs WHERE expires_at <= $1",
                        "DELETE FROM deferred_issuances WHERE expires_at <= $1",
                        "DELETE FROM access_tokens WHERE expires_at <= $1",
                        "DELETE FROM offers WHERE expires_at <= $1",
                        "DELETE FROM authorization_offers WHERE expires_at <= $1",
                        "DELETE FROM pushed_authorization_requests WHERE expires_at <= $1",
                        "DELETE FROM authorization_sessions WHERE expires_at <= $1",
                        // A used code is kept until it expires so that a replay can revoke its tokens.
                        "DELETE FROM authorization_codes WHERE expires_at <= $1",
                        // Two windows back: the sliding estimate reads the previous one.
                        "DELETE FROM rate_limits WHERE window_start < $1 - 120",
                    ] {
                        total += $db::query(statement)
                            .bind(now)
                            .execute(db)
                            .await
                            .map_err($crate::sql::map_err)?
                            .rows_affected();
                    }
                    Ok(total)
                })
            }

            async fn add_rate_limit_hits(
                &self,
                hits: &[sigil_core::store::RateLimitHits],
            ) -> Result<Vec<i64>, StoreError> {
                if hits.is_empty() {
                    return Ok(Vec::new());
                }
                $crate::sql::writing!(self, |db| {
                    // A bucket that only asks for a total (no hits to add) is read, not written:
                    // inserting its zero would cost a row and a page write for nothing.
                    let (adds, asks): (Vec<&sigil_core::store::RateLimitHits>, Vec<_>) =
                        hits.iter().partition(|h| h.hits > 0);
                    let mut rows: Vec<(Vec<u8>, i64, i64)> = Vec::with_capacity(hits.len());
                    if !adds.is_empty() {
                        rows.extend(self.upsert_rate_limits(db, &adds).await?);
                    }
                    if !asks.is_empty() {
                        rows.extend(self.read_rate_limits(db, &asks).await?);
                    }
                    let totals: std::collections::HashMap<(Vec<u8>, i64), i64> = rows
                        .into_iter()
                        .map(|(bucket, window, total)| ((bucket, window), total))
                        .collect();
                    Ok(hits
                        .iter()
                        .map(|h| totals.get(&(h.bucket.clone(), h.window)).copied().unwrap_or(h.hits))
                        .collect())
                })
            }
        }
    };
}
pub(crate) use impl_store;

macro_rules! hook_columns {
    () => {
        "url, claims, session_timeout_secs, disabled, secret_key_id, secret_ciphertext, created_at, updated_at"
    };
}
pub(crate) use hook_columns;

pub(crate) type HookRow = (String, String, Option<i64>, bool, String, Vec<u8>, i64, i64);

pub(crate) fn hook_record(r: HookRow) -> sigil_core::store::InteractionHookRecord {
    let (
        url,
        claims,
        session_timeout_secs,
        disabled,
        secret_key_id,
        secret_ciphertext,
        created_at,
        updated_at,
    ) = r;
    sigil_core::store::InteractionHookRecord {
        url,
        claims,
        session_timeout_secs,
        disabled,
        secret_key_id,
        secret_ciphertext,
        created_at,
        updated_at,
    }
}

pub(crate) type ConfigRow = (String, String, String, String, i64, i64);

pub(crate) fn config_record(r: ConfigRow) -> sigil_core::store::CredentialConfigurationRecord {
    let (id, format, scope, document, created_at, updated_at) = r;
    sigil_core::store::CredentialConfigurationRecord {
        id,
        format,
        scope,
        document,
        created_at,
        updated_at,
    }
}

pub(crate) type UserRow = (String, Option<String>, Option<String>, String, i64, i64);

pub(crate) fn user_record(r: UserRow) -> sigil_core::store::UserRecord {
    let (id, provider_url, subject_id, claims, created_at, updated_at) = r;
    sigil_core::store::UserRecord {
        id,
        provider_url,
        subject_id,
        claims,
        created_at,
        updated_at,
    }
}

pub(crate) type KeyRow = (
    String,
    String,
    String,
    String,
    Vec<u8>,
    String,
    String,
    Option<String>,
    i64,
    String,
    Option<i64>,
);

pub(crate) fn key_record(r: KeyRow) -> sigil_core::store::SigningKeyRecord {
    let (
        kid,
        algorithm,
        public_jwk,
        private_key_key_id,
        private_key_ciphertext,
        status,
        purpose,
        certificate,
        created_at,
        provider,
        retired_at,
    ) = r;
    sigil_core::store::SigningKeyRecord {
        kid,
        algorithm,
        public_jwk,
        private_key_key_id,
        private_key_ciphertext,
        status,
        purpose,
        certificate,
        created_at,
        provider,
        retired_at,
    }
}

macro_rules! offer_columns {
    () => {
        "id, user_id, configuration_ids, claims, code_hash, tx_code_mac, tx_code_failures, reference_hash, \
         sealed_key_id, sealed_offer, expires_at, consumed_at, created_at"
    };
}
pub(crate) use offer_columns;

pub(crate) type OfferRow = (
    String,
    String,
    String,
    Option<String>,
    Vec<u8>,
    Option<Vec<u8>>,
    i64,
    Option<Vec<u8>>,
    Option<String>,
    Option<Vec<u8>>,
    i64,
    Option<i64>,
    i64,
);

pub(crate) fn offer_record(r: OfferRow) -> sigil_core::store::OfferRecord {
    let (
        id,
        user_id,
        configuration_ids,
        claims,
        code_hash,
        tx_code_mac,
        tx_code_failures,
        reference_hash,
        sealed_key_id,
        sealed_offer,
        expires_at,
        consumed_at,
        created_at,
    ) = r;
    sigil_core::store::OfferRecord {
        id,
        user_id,
        configuration_ids,
        claims,
        code_hash,
        tx_code_mac,
        tx_code_failures,
        reference_hash,
        sealed_key_id,
        sealed_offer,
        expires_at,
        consumed_at,
        created_at,
    }
}

/// Inserts an [`AccessTokenRecord`](sigil_core::store::AccessTokenRecord) on an executor.
/// The access token a redemption stores: the new token's own fields, and the user, offer,
/// configurations and claims of the offer it redeemed (as `UPDATE offers … RETURNING` gives them).
pub(crate) fn redeemed_token(
    token: &sigil_core::store::NewAccessToken,
    (offer_id, user_id, configuration_ids, claims): (String, String, String, Option<String>),
) -> sigil_core::store::AccessTokenRecord {
    sigil_core::store::AccessTokenRecord {
        token_hash: token.token_hash.clone(),
        user_id,
        offer_id: Some(offer_id),
        configuration_ids,
        claims,
        client_id: token.client_id.clone(),
        authorization_code_hash: None,
        credential_identifiers: None,
        dpop_jkt: token.dpop_jkt.clone(),
        expires_at: token.expires_at,
        created_at: token.created_at,
        user: None,
    }
}

macro_rules! insert_access_token {
    ($db:ident, $executor:expr, $record:expr) => {{
        let r: &sigil_core::store::AccessTokenRecord = $record;
        $db::query(
            "INSERT INTO access_tokens (token_hash, user_id, offer_id, configuration_ids, claims, \
             client_id, authorization_code_hash, credential_identifiers, dpop_jkt, expires_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(&r.token_hash)
        .bind(&r.user_id)
        .bind(&r.offer_id)
        .bind(&r.configuration_ids)
        .bind(&r.claims)
        .bind(&r.client_id)
        .bind(&r.authorization_code_hash)
        .bind(&r.credential_identifiers)
        .bind(&r.dpop_jkt)
        .bind(r.expires_at)
        .bind(r.created_at)
        .execute($executor)
        .await
        .map_err($crate::sql::map_err)?;
    }};
}
pub(crate) use insert_access_token;

/// An access token row and its user's `provider_url`, `subject_id` and `claims` (a `LEFT JOIN`:
/// `claims`, never null in `users`, is null when the user is gone).
pub(crate) type AccessTokenUserRow = (
    Vec<u8>,
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    Option<Vec<u8>>,
    Option<String>,
    Option<String>,
    i64,
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
);

pub(crate) fn access_token_with_user(
    row: AccessTokenUserRow,
) -> sigil_core::store::AccessTokenRecord {
    let (
        token_hash,
        user_id,
        offer_id,
        configuration_ids,
        claims,
        client_id,
        authorization_code_hash,
        credential_identifiers,
        dpop_jkt,
        expires_at,
        created_at,
        provider_url,
        subject_id,
        user_claims,
    ) = row;
    sigil_core::store::AccessTokenRecord {
        token_hash,
        user_id,
        offer_id,
        configuration_ids,
        claims,
        client_id,
        authorization_code_hash,
        credential_identifiers,
        dpop_jkt,
        expires_at,
        created_at,
        user: user_claims.map(|claims| sigil_core::store::TokenUser {
            provider_url,
            subject_id,
            claims,
        }),
    }
}

macro_rules! user_columns {
    () => {
        "id, provider_url, subject_id, claims, created_at, updated_at"
    };
}
pub(crate) use user_columns;

/// Binds a new user's columns as the next six parameters, in `user_columns!` order.
macro_rules! bind_user {
    ($query:expr, $user:expr) => {{
        let u: &sigil_core::store::UserRecord = $user;
        $query
            .bind(&u.id)
            .bind(&u.provider_url)
            .bind(&u.subject_id)
            .bind(&u.claims)
            .bind(u.created_at)
            .bind(u.updated_at)
    }};
}
pub(crate) use bind_user;

macro_rules! offer_insert_columns {
    () => {
        "id, user_id, configuration_ids, claims, code_hash, tx_code_mac, tx_code_failures, \
         reference_hash, sealed_key_id, sealed_offer, expires_at, consumed_at, created_at"
    };
}
pub(crate) use offer_insert_columns;

/// Binds an offer's columns as the next thirteen parameters, in `offer_insert_columns!` order.
macro_rules! bind_offer {
    ($query:expr, $offer:expr) => {{
        let o: &sigil_core::store::OfferRecord = $offer;
        $query
            .bind(&o.id)
            .bind(&o.user_id)
            .bind(&o.configuration_ids)
            .bind(&o.claims)
            .bind(&o.code_hash)
            .bind(&o.tx_code_mac)
            .bind(o.tx_code_failures)
            .bind(&o.reference_hash)
            .bind(&o.sealed_key_id)
            .bind(&o.sealed_offer)
            .bind(o.expires_at)
            .bind(o.consumed_at)
            .bind(o.created_at)
    }};
}
pub(crate) use bind_offer;

/// Spends c_nonces inside a transaction by inserting their hashes: the primary key lets one
/// insert win, on every node. `false` when one had been spent (the caller drops the transaction).
macro_rules! spend_nonces {
    ($db:ident, $executor:expr, $nonces:expr) => {{
        let nonces: &[sigil_core::store::SpentNonce] = $nonces;
        let mut all = true;
        for n in nonces {
            let done = $db::query(
                "INSERT INTO nonces (nonce_hash, expires_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind(&n.nonce_hash)
            .bind(n.expires_at)
            .execute($executor)
            .await
            .map_err($crate::sql::map_err)?;
            if done.rows_affected() != 1 {
                all = false;
                break;
            }
        }
        all
    }};
}
pub(crate) use spend_nonces;

macro_rules! insert_issued_credential {
    ($db:ident, $executor:expr, $record:expr) => {{
        $crate::sql::bind_issued_credential!(
            $db::query(concat!(
                "INSERT INTO issued_credentials (",
                $crate::sql::issued_credential_columns!(),
                ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
            )),
            $record
        )
        .execute($executor)
        .await
        .map_err($crate::sql::map_err)?;
    }};
}
pub(crate) use insert_issued_credential;

/// Binds an issued credential's columns as `$1`…`$16`, in `issued_credential_columns!` order.
macro_rules! bind_issued_credential {
    ($query:expr, $record:expr) => {{
        let r: &sigil_core::store::IssuedCredentialRecord = $record;
        let n = r.notification.as_ref();
        $query
            .bind(&r.id)
            .bind(&r.user_id)
            .bind(&r.configuration_id)
            .bind(&r.offer_id)
            .bind(&r.format)
            .bind(&r.holder_key_thumbprint)
            .bind(r.issued_at)
            .bind(&r.mso_digest)
            .bind(&r.token_hash)
            .bind(&r.notification_id)
            .bind(n.map(|n| n.event.clone()))
            .bind(n.and_then(|n| n.description.clone()))
            .bind(n.map(|n| n.at))
            .bind(&r.status_list_id)
            .bind(r.status_index)
            .bind(&r.status)
    }};
}
pub(crate) use bind_issued_credential;

/// An admin token row, in the order of `admin_token_columns!`.
pub(crate) type AdminTokenRow = (String, String, Vec<u8>, i64, Option<i64>);

macro_rules! admin_token_columns {
    () => {
        "id, name, token_hash, created_at, revoked_at"
    };
}
pub(crate) use admin_token_columns;

pub(crate) fn admin_token_record(
    (id, name, token_hash, created_at, revoked_at): AdminTokenRow,
) -> sigil_core::store::AdminTokenRecord {
    sigil_core::store::AdminTokenRecord {
        id,
        name,
        token_hash,
        created_at,
        revoked_at,
    }
}

macro_rules! issued_credential_columns {
    () => {
        "id, user_id, configuration_id, offer_id, format, holder_key_thumbprint, issued_at, \
         mso_digest, token_hash, notification_id, notification_event, notification_description, \
         notified_at, status_list_id, status_index, status"
    };
}
pub(crate) use issued_credential_columns;

pub(crate) type IssuedCredentialRow = (
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    i64,
    Option<Vec<u8>>,
    Option<Vec<u8>>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<i64>,
    String,
);

pub(crate) fn issued_credential_record(
    row: IssuedCredentialRow,
) -> sigil_core::store::IssuedCredentialRecord {
    let (
        id,
        user_id,
        configuration_id,
        offer_id,
        format,
        holder_key_thumbprint,
        issued_at,
        mso_digest,
        token_hash,
        notification_id,
        event,
        description,
        at,
        status_list_id,
        status_index,
        status,
    ) = row;
    sigil_core::store::IssuedCredentialRecord {
        id,
        user_id,
        configuration_id,
        offer_id,
        format,
        holder_key_thumbprint,
        issued_at,
        mso_digest,
        token_hash,
        notification_id,
        notification: match (event, at) {
            (Some(event), Some(at)) => Some(sigil_core::store::NotificationRecord {
                event,
                description,
                at,
            }),
            _ => None,
        },
        status_list_id,
        status_index,
        status,
    }
}

macro_rules! status_list_columns {
    () => {
        "id, kind, size, allocated, permutation_key, version, created_at"
    };
}
pub(crate) use status_list_columns;

pub(crate) type StatusListRow = (String, String, i64, i64, Vec<u8>, i64, i64);

pub(crate) fn status_list_record(row: StatusListRow) -> sigil_core::store::StatusListRecord {
    let (id, kind, size, allocated, permutation_key, version, created_at) = row;
    sigil_core::store::StatusListRecord {
        id,
        kind,
        size,
        allocated,
        permutation_key,
        version,
        created_at,
    }
}

macro_rules! deferred_columns {
    () => {
        "id, transaction_hash, token_hash, user_id, configuration_id, offer_id, request, status, \
         reason, claims, expires_at, delivered_at, created_at, updated_at"
    };
}
pub(crate) use deferred_columns;

pub(crate) type DeferredRow = (
    String,
    Vec<u8>,
    Vec<u8>,
    String,
    String,
    Option<String>,
    String,
    String,
    Option<String>,
    Option<String>,
    i64,
    Option<i64>,
    i64,
    i64,
);

pub(crate) fn deferred_record(row: DeferredRow) -> sigil_core::store::DeferredIssuanceRecord {
    let (
        id,
        transaction_hash,
        token_hash,
        user_id,
        configuration_id,
        offer_id,
        request,
        status,
        reason,
        claims,
        expires_at,
        delivered_at,
        created_at,
        updated_at,
    ) = row;
    sigil_core::store::DeferredIssuanceRecord {
        id,
        transaction_hash,
        token_hash,
        user_id,
        configuration_id,
        offer_id,
        request,
        status,
        reason,
        claims,
        expires_at,
        delivered_at,
        created_at,
        updated_at,
    }
}

macro_rules! document_columns {
    () => {
        "id, unique_key, document, secret_hash, sealed_key_id, sealed, created_at, updated_at"
    };
}
pub(crate) use document_columns;

pub(crate) type DocumentRow = (
    String,
    Option<String>,
    String,
    Option<Vec<u8>>,
    Option<String>,
    Option<Vec<u8>>,
    i64,
    i64,
);

pub(crate) fn document_record(row: DocumentRow) -> sigil_core::store::DocumentRecord {
    let (id, unique_key, document, secret_hash, sealed_key_id, sealed, created_at, updated_at) =
        row;
    sigil_core::store::DocumentRecord {
        id,
        unique_key,
        document,
        secret_hash,
        sealed_key_id,
        sealed,
        created_at,
        updated_at,
    }
}

macro_rules! mdoc_columns {
    () => {
        "id, kind, iaca_id, active, managed, certificate, private_key_key_id, \
         private_key_ciphertext, not_before, not_after, created_at, replaces, provider"
    };
}
pub(crate) use mdoc_columns;

pub(crate) type MdocRow = (
    String,
    String,
    Option<String>,
    bool,
    bool,
    Vec<u8>,
    String,
    Vec<u8>,
    i64,
    i64,
    i64,
    Option<String>,
    String,
);

pub(crate) fn mdoc_record(
    row: MdocRow,
) -> Result<sigil_core::store::MdocCertificateRecord, StoreError> {
    use sigil_core::store::MdocCertificateKind;
    let (
        id,
        kind,
        iaca_id,
        active,
        managed,
        certificate,
        private_key_key_id,
        private_key_ciphertext,
        not_before,
        not_after,
        created_at,
        replaces,
        provider,
    ) = row;
    let kind = match kind.as_str() {
        "iaca" => MdocCertificateKind::Iaca,
        "document-signer" => MdocCertificateKind::DocumentSigner,
        other => {
            return Err(StoreError::Corrupt(format!(
                "mdoc certificate kind {other}"
            )));
        }
    };
    Ok(sigil_core::store::MdocCertificateRecord {
        id,
        kind,
        iaca_id,
        replaces,
        active,
        managed,
        certificate,
        private_key_key_id,
        private_key_ciphertext,
        not_before,
        not_after,
        created_at,
        provider,
    })
}
