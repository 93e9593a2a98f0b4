"""The SQLite database: opening it safely and upgrading its schema in place.

One file (the embedded default) with WAL, foreign keys and a busy timeout; schema changes
are ``sqlite_utils.Migrations`` so an installed database upgrades without losing data.
"""
from __future__ import annotations

import errno
import os
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils
from sqlite_utils import Migrations

from . import private
from .vietnamese import fold

DEFAULT_DB = Path("instance") / "cfc.db"
migrations = Migrations("cfc")
DISK_FULL, READ_ONLY = "disk-full", "read-only"


def database_path(explicit: str | os.PathLike | None = None) -> Path:
    """``--db PATH``, else ``$CFC_DB``, else ``instance/cfc.db``."""
    return Path(explicit or os.environ.get("CFC_DB") or DEFAULT_DB)


def connect(path: str | os.PathLike, migrate: bool = True) -> sqlite_utils.Database:
    """Open (creating if needed) the database at ``path`` and bring its schema up to date."""
    path = Path(path)
    private.create_empty(path)  # mode 600 before SQLite writes a byte (its -wal and -shm follow)
    db = sqlite_utils.Database(path)
    db.conn.execute("PRAGMA busy_timeout = 10000")
    db.conn.execute("PRAGMA journal_mode = WAL")
    db.conn.execute("PRAGMA foreign_keys = ON")
    db.conn.execute("PRAGMA synchronous = NORMAL")
    if migrate:
        migrations.apply(db)
    return db


@migrations()
def m001_initial(db: sqlite_utils.Database) -> None:
    """Units, criteria sets, rounds, assessments and the append-only audit log."""
    db.executescript(
        """
        CREATE TABLE unit_sets (
            id TEXT PRIMARY KEY, profile TEXT NOT NULL, name TEXT NOT NULL,
            valid_from TEXT NOT NULL, valid_until TEXT
        );
        CREATE TABLE units (
            id TEXT PRIMARY KEY, unit_set TEXT NOT NULL REFERENCES unit_sets(id),
            code TEXT NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL,
            parent_id TEXT REFERENCES units(id), category TEXT, khu_vuc TEXT,
            sort_key TEXT NOT NULL, UNIQUE (unit_set, code, type)
        );
        CREATE INDEX units_parent ON units(parent_id);
        CREATE TABLE unit_lineage (
            from_id TEXT NOT NULL REFERENCES units(id), to_id TEXT NOT NULL REFERENCES units(id),
            PRIMARY KEY (from_id, to_id)
        );
        CREATE TABLE criteria_sets (
            hash TEXT PRIMARY KEY, id TEXT NOT NULL, version TEXT NOT NULL,
            content TEXT NOT NULL, installed_at TEXT NOT NULL
        );
        CREATE TABLE rounds (
            id INTEGER PRIMARY KEY, name TEXT NOT NULL, year INTEGER NOT NULL,
            criteria_id TEXT NOT NULL, criteria_version TEXT NOT NULL,
            criteria_hash TEXT NOT NULL REFERENCES criteria_sets(hash),
            profile TEXT NOT NULL, unit_set TEXT NOT NULL REFERENCES unit_sets(id),
            submission_deadline TEXT, review_deadline TEXT, created_at TEXT NOT NULL
        );
        CREATE TABLE assessments (
            id INTEGER PRIMARY KEY, round_id INTEGER NOT NULL REFERENCES rounds(id),
            unit_id TEXT NOT NULL REFERENCES units(id), status TEXT NOT NULL,
            declared TEXT NOT NULL DEFAULT '{}', verified TEXT NOT NULL DEFAULT '{}',
            declared_total INTEGER, verified_total INTEGER, recognised INTEGER,
            result TEXT, criteria_hash TEXT NOT NULL,
            version INTEGER NOT NULL DEFAULT 1, updated_at TEXT NOT NULL, updated_by TEXT NOT NULL,
            UNIQUE (round_id, unit_id)
        );
        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
            entity TEXT NOT NULL, entity_id TEXT NOT NULL, field TEXT,
            old TEXT, new TEXT, reason TEXT
        );
        CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
        """
    )


@migrations()
def m002_review_evidence_attachments(db: sqlite_utils.Database) -> None:
    """Per-criterion review, evidence notes, attachments and recognition decisions."""
    db.executescript(
        """
        CREATE TABLE reviews (
            assessment_id INTEGER NOT NULL REFERENCES assessments(id), criterion INTEGER NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('accepted', 'needs_clarification', 'adjusted')),
            comment TEXT, reviewer TEXT NOT NULL, at TEXT NOT NULL,
            PRIMARY KEY (assessment_id, criterion)
        );
        CREATE TABLE evidence (
            assessment_id INTEGER NOT NULL REFERENCES assessments(id), item_id TEXT NOT NULL,
            note TEXT NOT NULL, updated_by TEXT NOT NULL, updated_at TEXT NOT NULL,
            PRIMARY KEY (assessment_id, item_id)
        );
        CREATE TABLE attachments (
            id INTEGER PRIMARY KEY, assessment_id INTEGER NOT NULL REFERENCES assessments(id),
            item_id TEXT, filename TEXT NOT NULL, content_type TEXT NOT NULL, size INTEGER NOT NULL,
            sha256 TEXT NOT NULL, stored_name TEXT NOT NULL UNIQUE,
            uploaded_by TEXT NOT NULL, uploaded_at TEXT NOT NULL
        );
        CREATE TABLE decisions (
            assessment_id INTEGER PRIMARY KEY REFERENCES assessments(id),
            outcome TEXT NOT NULL CHECK (outcome IN ('recognised', 'not_recognised')),
            reason TEXT, decided_by TEXT NOT NULL, decided_at TEXT NOT NULL,
            revoked_at TEXT, revoked_by TEXT, revoke_reason TEXT
        );
        """
    )


def backup(source: Path, target: Path) -> None:
    """Online backup of ``source`` into ``target`` (consistent even while others write); a new target has mode 600."""
    private.create_empty(target)
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        src.execute("PRAGMA busy_timeout = 10000")
        with dst:
            src.backup(dst)
    finally:
        dst.close()
        src.close()


def backup_file(source: Path, target: Path) -> None:
    """Back up ``source`` as a new file: written to ``TARGET.part`` and renamed to ``target`` only when
    complete, so a full disk or a kill never leaves a partial file that looks like a backup."""
    part = target.with_name(target.name + ".part")
    _remove_partial(part)  # what a killed run left
    try:
        backup(source, part)
        os.replace(part, target)
    except BaseException:
        _remove_partial(part)
        raise


def _remove_partial(part: Path) -> None:
    """Delete an unfinished backup file and its rollback journal."""
    for leftover in (part, part.with_name(part.name + "-journal")):
        leftover.unlink(missing_ok=True)


def write_failure(exc: BaseException) -> str | None:
    """``DISK_FULL`` or ``READ_ONLY`` when a write failed because of the disk or the file, not the data.

    SQLite says SQLITE_FULL when the disk is full and SQLITE_IOERR when a write fails outright
    (a file-size limit, a failing disk); files written by Python raise ENOSPC, EFBIG, EDQUOT or EIO.
    """
    if isinstance(exc, sqlite3.OperationalError):
        code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF  # the primary result code
        return {sqlite3.SQLITE_FULL: DISK_FULL, sqlite3.SQLITE_IOERR: DISK_FULL,
                sqlite3.SQLITE_READONLY: READ_ONLY}.get(code)
    if isinstance(exc, OSError):
        return {errno.ENOSPC: DISK_FULL, errno.EFBIG: DISK_FULL, errno.EDQUOT: DISK_FULL, errno.EIO: DISK_FULL,
                errno.EROFS: READ_ONLY, errno.EACCES: READ_ONLY}.get(exc.errno)
    return None


@dataclass(frozen=True)
class Damage:
    """A problem ``check`` found, said in English (``str``) and in Vietnamese (``vi``)."""

    en: str
    vi: str

    def __str__(self) -> str:
        return self.en


def check(path: Path) -> list[Damage]:
    """Problems found by integrity and foreign-key checks and the audit-log guards."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    guards = {"audit_log_no_update": "sửa", "audit_log_no_delete": "xóa"}
    try:
        problems = [Damage(f"integrity: {r[0]}", f"tệp cơ sở dữ liệu bị hỏng (SQLite báo: {r[0]})")
                    for r in conn.execute("PRAGMA integrity_check") if r[0] != "ok"]
        problems += [Damage(f"foreign key: {r[0]} row {r[1]} → {r[2]}",
                            f"một dòng của bảng {r[0]} trỏ tới dòng không còn trong bảng {r[2]}")
                     for r in conn.execute("PRAGMA foreign_key_check")]
        triggers = {r[0] for r in conn.execute("select name from sqlite_master where type = 'trigger'")}
        problems += [Damage(f"missing trigger {t}", f"nhật ký thao tác không còn được bảo vệ khỏi bị {verb}")
                     for t, verb in guards.items() if t not in triggers]
    except sqlite3.DatabaseError as exc:
        problems = [Damage(f"not a readable database: {exc}", "không phải tệp cơ sở dữ liệu đọc được")]
    finally:
        conn.close()
    return problems


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[None]:
    """All or nothing: ``BEGIN IMMEDIATE`` … ``COMMIT``, or a savepoint when already inside one.

    sqlite-utils runs the connection in autocommit mode, so ``with db.conn`` alone would not
    group statements; this does, and nests.
    """
    conn = db.conn
    if conn.in_transaction:
        name = f"sp_{secrets.token_hex(4)}"
        conn.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            conn.execute(f"ROLLBACK TO {name}")
            conn.execute(f"RELEASE {name}")
            raise
        conn.execute(f"RELEASE {name}")
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


@migrations()
def m003_users(db: sqlite_utils.Database) -> None:
    """Accounts with a role and a jurisdiction, and login attempts for rate limiting."""
    db.executescript(
        """
        CREATE TABLE users (
            id INTEGER PRIMARY KEY, username TEXT NOT NULL UNIQUE COLLATE NOCASE,
            display_name TEXT NOT NULL, password_hash TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('officer', 'reviewer', 'authority', 'viewer', 'admin')),
            scope_unit_id TEXT REFERENCES units(id), active INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL, password_changed_at TEXT
        );
        CREATE TABLE login_attempts (
            id INTEGER PRIMARY KEY, username TEXT NOT NULL, remote TEXT NOT NULL,
            at REAL NOT NULL, success INTEGER NOT NULL
        );
        CREATE INDEX login_attempts_recent ON login_attempts(username, at);
        """
    )


@migrations()
def m004_documents(db: sqlite_utils.Database) -> None:
    """Recognition decisions as issued documents (number, date, signer) and their certificates.

    A certificate's validity is not stored: it follows the assessment (recognised or revoked,
    see ``decisions``) and the decision's ``valid_until``.
    """
    db.executescript(
        """
        CREATE TABLE recognition_documents (
            id INTEGER PRIMARY KEY, round_id INTEGER NOT NULL REFERENCES rounds(id),
            issuer_unit_id TEXT NOT NULL REFERENCES units(id),
            number TEXT NOT NULL, year INTEGER NOT NULL, signed_on TEXT NOT NULL,
            valid_until TEXT NOT NULL, signer_title TEXT NOT NULL, signer_name TEXT NOT NULL,
            criteria_hash TEXT NOT NULL REFERENCES criteria_sets(hash), specimen INTEGER NOT NULL,
            issued_by TEXT NOT NULL, issued_at TEXT NOT NULL,
            UNIQUE (issuer_unit_id, year, number), CHECK (valid_until >= signed_on)
        );
        CREATE TABLE certificates (
            code TEXT PRIMARY KEY, document_id INTEGER NOT NULL REFERENCES recognition_documents(id),
            assessment_id INTEGER NOT NULL UNIQUE REFERENCES assessments(id),
            serial INTEGER NOT NULL, total INTEGER NOT NULL,
            UNIQUE (document_id, serial)
        );
        CREATE INDEX certificates_document ON certificates(document_id);
        """
    )


@migrations()
def m005_urban_status(db: sqlite_utils.Database) -> None:
    """Civilised-urban status (đô thị văn minh) of wards and townships, per year, as the province records it."""
    db.executescript(
        """
        CREATE TABLE urban_status (
            unit_id TEXT NOT NULL REFERENCES units(id), year INTEGER NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('dat', 'chua_dat')),
            decision TEXT, decided_on TEXT, note TEXT,
            recorded_by TEXT NOT NULL, recorded_at TEXT NOT NULL,
            PRIMARY KEY (unit_id, year)
        );
        """
    )


@migrations()
def m006_sessions_and_username_keys(db: sqlite_utils.Database) -> None:
    """Session generations and user names compared as NFC, case-folded keys.

    A session is valid while it carries its user's ``session_generation``; the trigger ends all
    sessions of a user whose password, role, jurisdiction or active flag changes (logout bumps it
    in ``accounts``). ``username_key`` is not UNIQUE so that an older database holding two names
    that fold alike still upgrades; ``cfc doctor`` reports them and new accounts cannot add one.
    """
    db.execute("ALTER TABLE users ADD COLUMN session_generation INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE users ADD COLUMN username_key TEXT")
    for user_id, username in db.execute("select id, username from users").fetchall():
        db.execute("update users set username_key = ? where id = ?", [fold(username), user_id])
    db.execute("CREATE INDEX users_username_key ON users(username_key)")
    db.execute(
        """
        CREATE TRIGGER users_end_sessions AFTER UPDATE OF password_hash, role, scope_unit_id, active ON users
        WHEN OLD.password_hash IS NOT NEW.password_hash OR OLD.role IS NOT NEW.role
          OR OLD.scope_unit_id IS NOT NEW.scope_unit_id OR OLD.active IS NOT NEW.active
        BEGIN UPDATE users SET session_generation = session_generation + 1 WHERE id = NEW.id; END
        """)


@migrations()
def m007_attachment_deletion(db: sqlite_utils.Database) -> None:
    """Attachments the officer deleted before submitting: marked (when, by whom), never erased.

    A deleted file is hidden from every page, document and download; its row and its bytes on disk
    stay, so the audit trail can still name and find it (see ``attachments.delete``).
    """
    db.execute("ALTER TABLE attachments ADD COLUMN deleted_at TEXT")
    db.execute("ALTER TABLE attachments ADD COLUMN deleted_by TEXT")


@migrations()
def m008_threads_and_submissions(db: sqlite_utils.Database) -> None:
    """The review conversation (one thread per criterion and one for the assessment, never erased) and
    what each submission held, so a resubmission shows what changed and keeps the reviews it did not touch.

    Assessments already under review or decided get their current declaration as their first submission
    (it cannot have changed since: the commune could not edit it); a returned one has none, so its first
    resubmission reviews every criterion again. The reviewers' comments and return comments written
    before become the first messages of their threads.
    """
    db.executescript(
        """
        CREATE TABLE messages (
            id INTEGER PRIMARY KEY, assessment_id INTEGER NOT NULL REFERENCES assessments(id),
            criterion INTEGER, author TEXT NOT NULL, role TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('review', 'return', 'answer')),
            status TEXT, body TEXT NOT NULL, at TEXT NOT NULL
        );
        CREATE INDEX messages_assessment ON messages(assessment_id, criterion, id);
        CREATE TABLE submissions (
            assessment_id INTEGER NOT NULL REFERENCES assessments(id), number INTEGER NOT NULL,
            at TEXT NOT NULL, actor TEXT NOT NULL, declared TEXT NOT NULL, notes TEXT NOT NULL,
            files TEXT NOT NULL, reviews TEXT NOT NULL,
            PRIMARY KEY (assessment_id, number)
        );
        INSERT INTO submissions (assessment_id, number, at, actor, declared, notes, files, reviews)
        SELECT a.id, 1, a.updated_at, 'migration', a.declared,
               (SELECT coalesce(json_group_object(e.item_id, e.note), '{}') FROM evidence e WHERE e.assessment_id = a.id),
               (SELECT coalesce(json_group_array(json_object('id', f.id, 'item_id', f.item_id,
                                                             'filename', f.filename, 'sha256', f.sha256)), '[]')
                  FROM attachments f WHERE f.assessment_id = a.id),
               '{}'
        FROM assessments a WHERE a.status NOT IN ('draft', 'returned');
        INSERT INTO messages (assessment_id, criterion, author, role, kind, status, body, at)
        SELECT assessment_id, criterion, reviewer, 'reviewer', 'review', status, comment, at
        FROM reviews WHERE trim(coalesce(comment, '')) != '' ORDER BY at;
        INSERT INTO messages (assessment_id, criterion, author, role, kind, status, body, at)
        SELECT CAST(entity_id AS INTEGER), NULL, actor, 'reviewer', 'return', NULL, reason, at
        FROM audit_log WHERE entity = 'assessment' AND action = 'status' AND new = 'returned'
          AND trim(coalesce(reason, '')) != '' ORDER BY id;
        """
    )


@migrations()
def m009_audit_by_field(db: sqlite_utils.Database) -> None:
    """The audit log by assessment and field: the checklist reads each field's revision (its last change)
    on every save, which must not scan years of entries."""
    db.execute("CREATE INDEX audit_log_entity_field ON audit_log(entity, entity_id, action, field)")


@migrations()
def m010_account_administration(db: sqlite_utils.Database) -> None:
    """What administering accounts needs: a password the user must change at next login (one an
    administrator set), and when an administrator last lifted the login throttle of an account (failed
    logins before it no longer count against it)."""
    db.execute("ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE users ADD COLUMN unlocked_at REAL")


@migrations()
def m011_quality_explanations(db: sqlite_utils.Database) -> None:
    """A reviewer's explanation of a data-quality flag (``webapp/store/quality.py``): which flag of which
    assessment, about which figures (it holds while they stay the same), the note, who and when."""
    db.executescript(
        """
        CREATE TABLE quality_explanations (
            assessment_id INTEGER NOT NULL REFERENCES assessments(id), flag TEXT NOT NULL,
            figures TEXT NOT NULL, note TEXT NOT NULL, explained_by TEXT NOT NULL, explained_at TEXT NOT NULL,
            PRIMARY KEY (assessment_id, flag)
        );
        """
    )


@migrations()
def m012_criteria_workbench(db: sqlite_utils.Database) -> None:
    """The criteria workbench: draft versions of a criteria set (their YAML text), each value edit with its
    citation and scan, the sets published through it (who prepared, who confirmed), and the ``legal`` role
    (cán bộ pháp chế) that maintains them. SQLite cannot widen a CHECK in place, so ``users`` is rebuilt
    from its own schema with the new role, keeping its rows, index and trigger."""
    schema = {r[0]: r[1] for r in db.execute(
        "select name, sql from sqlite_master where tbl_name = 'users' and sql is not null").fetchall()}
    table = schema.pop("users")
    widened = table.replace("'viewer', 'admin')", "'viewer', 'admin', 'legal')")
    assert widened != table, "the users table's role CHECK is not the one m003 wrote"
    db.execute(widened.replace("CREATE TABLE users", "CREATE TABLE users_m012", 1))
    db.execute("INSERT INTO users_m012 SELECT * FROM users")
    db.execute("DROP TABLE users")
    db.execute("ALTER TABLE users_m012 RENAME TO users")
    for sql in schema.values():  # the index on username_key and the trigger that ends sessions
        db.execute(sql)
    for statement in (
        """CREATE TABLE criteria_drafts (
            id INTEGER PRIMARY KEY, set_id TEXT NOT NULL,
            base_hash TEXT NOT NULL REFERENCES criteria_sets(hash),
            version TEXT NOT NULL, valid_from TEXT NOT NULL, content TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('draft', 'prepared', 'published')),
            created_by TEXT NOT NULL, created_at TEXT NOT NULL,
            prepared_by TEXT, prepared_at TEXT, confirmed_by TEXT, confirmed_at TEXT,
            published_hash TEXT REFERENCES criteria_sets(hash)
        )""",
        """CREATE TABLE criteria_draft_edits (
            id INTEGER PRIMARY KEY, draft_id INTEGER NOT NULL REFERENCES criteria_drafts(id),
            part TEXT NOT NULL, old TEXT NOT NULL, new TEXT NOT NULL,
            document TEXT NOT NULL, clause TEXT NOT NULL, page TEXT,
            scan_name TEXT, scan_type TEXT, scan_size INTEGER, scan_sha256 TEXT, scan_stored TEXT UNIQUE,
            edited_by TEXT NOT NULL, edited_at TEXT NOT NULL
        )""",
        "CREATE INDEX criteria_draft_edits_draft ON criteria_draft_edits(draft_id, part, id)",
        """CREATE TABLE criteria_published (
            hash TEXT PRIMARY KEY REFERENCES criteria_sets(hash), set_id TEXT NOT NULL, version TEXT NOT NULL,
            draft_id INTEGER NOT NULL REFERENCES criteria_drafts(id),
            prepared_by TEXT NOT NULL, confirmed_by TEXT NOT NULL, published_at TEXT NOT NULL
        )""",
    ):
        db.execute(statement)


@migrations()
def m014_profile_changes(db: sqlite_utils.Database) -> None:
    """Confirmations of the hierarchy profiles against the official text (``profile_changes``): the wording
    one person proposes for a part of a profile, with its citation, and the second person who confirms or
    withdraws it."""
    db.execute("""CREATE TABLE profile_changes (
        id INTEGER PRIMARY KEY, profile_id TEXT NOT NULL, part TEXT NOT NULL, name TEXT, text TEXT NOT NULL,
        document TEXT NOT NULL, clause TEXT NOT NULL, page TEXT NOT NULL DEFAULT '',
        proposed_by TEXT NOT NULL, proposed_at TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('proposed', 'confirmed', 'withdrawn')),
        decided_by TEXT, decided_at TEXT
    )""")
    db.execute("CREATE INDEX profile_changes_profile ON profile_changes(profile_id, state)")


@migrations()
def m015_ntm_workbench(db: sqlite_utils.Database) -> None:
    """The NTM indicator sets in the workbench: draft versions (their YAML text) and the versions published
    through it, with their text and content hash, who prepared and who confirmed them, and when."""
    db.execute("""CREATE TABLE ntm_drafts (
        id INTEGER PRIMARY KEY, set_id TEXT NOT NULL, version TEXT NOT NULL, content TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('draft', 'prepared', 'published')),
        created_by TEXT NOT NULL, created_at TEXT NOT NULL,
        prepared_by TEXT, prepared_at TEXT, confirmed_by TEXT, confirmed_at TEXT, published_hash TEXT
    )""")
    db.execute("""CREATE TABLE ntm_published (
        hash TEXT PRIMARY KEY, set_id TEXT NOT NULL, version TEXT NOT NULL, content TEXT NOT NULL,
        draft_id INTEGER NOT NULL REFERENCES ntm_drafts(id),
        prepared_by TEXT NOT NULL, confirmed_by TEXT NOT NULL, published_at TEXT NOT NULL
    )""")
    db.execute("CREATE INDEX ntm_published_set ON ntm_published(set_id, published_at)")


@migrations()
def m016_ntm_draft_edits(db: sqlite_utils.Database) -> None:
    """Every edit of an NTM draft with its citation and optional scan (as ``criteria_draft_edits``), and the text
    of the version each draft was made from (what its comparison page compares with; empty for older drafts,
    which were made from the shipped file)."""
    db.execute("ALTER TABLE ntm_drafts ADD COLUMN base_content TEXT")
    db.execute("""CREATE TABLE ntm_draft_edits (
        id INTEGER PRIMARY KEY, draft_id INTEGER NOT NULL REFERENCES ntm_drafts(id),
        part TEXT NOT NULL, old TEXT NOT NULL, new TEXT NOT NULL,
        document TEXT NOT NULL, clause TEXT NOT NULL, page TEXT,
        scan_name TEXT, scan_type TEXT, scan_size INTEGER, scan_sha256 TEXT, scan_stored TEXT UNIQUE,
        edited_by TEXT NOT NULL, edited_at TEXT NOT NULL
    )""")
    db.execute("CREATE INDEX ntm_draft_edits_draft ON ntm_draft_edits(draft_id, part, id)")
