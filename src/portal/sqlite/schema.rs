//! The SQLite schema's versions, applied in order by
//! [`super::SqliteStore`]: version N is `MIGRATIONS[N-1]`. Append only: a
//! released version never changes.

/// The schema versions, applied in order; version N is `MIGRATIONS[N-1]`.
/// Append only: a released version never changes.
pub(super) const MIGRATIONS: &[&str] = &[
    // 1: part 1 of the portal.
    "CREATE TABLE accounts (
        id INTEGER PRIMARY KEY,
        payee_number TEXT NOT NULL UNIQUE,
        email TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        language TEXT NOT NULL,
        totp_sealed BLOB,
        totp_nonce BLOB,
        totp_last_step INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL
    );
    CREATE TABLE sessions (
        id_hash BLOB PRIMARY KEY,
        account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        stage TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        last_seen INTEGER NOT NULL
    );
    CREATE INDEX sessions_account ON sessions(account_id);
    CREATE TABLE failures (key TEXT NOT NULL, at INTEGER NOT NULL);
    CREATE INDEX failures_key ON failures(key, at);
    CREATE TABLE letters (
        payee_number TEXT NOT NULL,
        letter_date TEXT NOT NULL,
        source TEXT NOT NULL,
        PRIMARY KEY (payee_number, letter_date)
    );
    CREATE TABLE codes_used (used_key TEXT PRIMARY KEY, at INTEGER NOT NULL);
    CREATE TABLE runs (
        name TEXT PRIMARY KEY,
        run TEXT NOT NULL,
        period TEXT NOT NULL,
        manifest_sha256 TEXT NOT NULL
    );
    CREATE TABLE documents (
        seq INTEGER PRIMARY KEY,
        run TEXT NOT NULL REFERENCES runs(name) ON DELETE CASCADE,
        document_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        payee_number TEXT NOT NULL,
        file TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        pages INTEGER NOT NULL,
        amount TEXT NOT NULL,
        month TEXT NOT NULL,
        ok INTEGER NOT NULL,
        UNIQUE (run, document_id)
    );
    CREATE INDEX documents_payee ON documents(payee_number, document_id);
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        event TEXT NOT NULL,
        account_id INTEGER,
        payee_number TEXT,
        detail TEXT NOT NULL,
        address TEXT NOT NULL
    );",
    // 2: part 2, invoices claimed online (`sqlite/claims.rs`).
    "CREATE TABLE claims (
        payee_number TEXT NOT NULL,
        invoice_number TEXT NOT NULL,
        month TEXT NOT NULL,
        state TEXT NOT NULL,
        entries TEXT NOT NULL,
        saved_at INTEGER NOT NULL,
        saved_by INTEGER NOT NULL,
        submitted_at INTEGER,
        export_batch INTEGER,
        PRIMARY KEY (payee_number, invoice_number)
    );
    CREATE INDEX claims_unexported ON claims(state, export_batch, submitted_at);
    CREATE TABLE claim_exports (
        batch INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        cutoff INTEGER NOT NULL
    );",
    // 3: people (`sqlite/people.rs`). An account is a person; what it may
    // do for a payee is a membership (the registering account becomes the
    // payee's administrator); state staff have a staff role; invitations
    // and outgoing mail are kept until used and sent.
    "CREATE TABLE accounts_v3 (
        id INTEGER PRIMARY KEY,
        email TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        language TEXT NOT NULL,
        totp_sealed BLOB,
        totp_nonce BLOB,
        totp_last_step INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        staff_role TEXT
    );
    INSERT INTO accounts_v3 (id, email, password_hash, language, totp_sealed, totp_nonce, totp_last_step, created_at)
        SELECT id, email, password_hash, language, totp_sealed, totp_nonce, totp_last_step, created_at FROM accounts;
    CREATE TABLE memberships (
        account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        payee_number TEXT NOT NULL,
        role TEXT NOT NULL,
        added_at INTEGER NOT NULL,
        added_by INTEGER,
        PRIMARY KEY (account_id, payee_number)
    );
    INSERT INTO memberships (account_id, payee_number, role, added_at) SELECT id, payee_number, 'admin', created_at FROM accounts;
    DROP TABLE accounts;
    ALTER TABLE accounts_v3 RENAME TO accounts;
    CREATE INDEX memberships_payee ON memberships(payee_number);
    ALTER TABLE sessions ADD COLUMN payee_number TEXT;
    CREATE TABLE invites (
        token_hash BLOB PRIMARY KEY,
        payee_number TEXT NOT NULL,
        email TEXT NOT NULL,
        role TEXT NOT NULL,
        invited_by INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        used_at INTEGER
    );
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        to_address TEXT NOT NULL,
        subject TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        sent_at INTEGER,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT
    );",
    // 4: messages (`sqlite/messages.rs`) and staff's letter requests.
    "CREATE TABLE threads (
        id INTEGER PRIMARY KEY,
        payee_number TEXT NOT NULL,
        unit TEXT NOT NULL,
        subject TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        waiting_for_staff INTEGER NOT NULL
    );
    CREATE INDEX threads_payee ON threads(payee_number, updated_at);
    CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        thread_id INTEGER NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
        author INTEGER NOT NULL,
        from_staff INTEGER NOT NULL,
        body TEXT NOT NULL,
        at INTEGER NOT NULL,
        attachment_name TEXT,
        attachment_type TEXT,
        attachment BLOB
    );
    CREATE INDEX messages_thread ON messages(thread_id, id);
    CREATE TABLE letter_requests (
        id INTEGER PRIMARY KEY,
        payee_number TEXT NOT NULL,
        requested_by INTEGER NOT NULL,
        requested_at INTEGER NOT NULL,
        made_at INTEGER
    );",
    // 5: opt-in email notices of new documents.
    "ALTER TABLE accounts ADD COLUMN notify_documents INTEGER NOT NULL DEFAULT 0;",
    // 6: more than one server: a server takes outgoing mail for a while
    // (`PeopleStore::take_mail`), so no other sends it too.
    // No index on the audit log's payee here (PostgreSQL has one): every
    // download appends to it, one commit each behind the store's one
    // connection, and the index made that commit nearly three times as
    // dear (measured: 8 → 21 µs; the load benchmark 6 % slower). The staff's
    // look-up of one payee scans the log backwards instead: a year of a
    // state's downloads is about a million rows, a fraction of a second.
    "ALTER TABLE outbox ADD COLUMN leased_until INTEGER NOT NULL DEFAULT 0;",
];
