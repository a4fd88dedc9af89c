//! `org list` and `org switch` on a device with 45 organizations of 200 members each (the
//! regional-government deployment). Target: under 30 ms each. Seeding goes around the API
//! (one precomputed password hash, bulk inserts), because 9,000 argon2 hashes would take minutes
//! and are not what is measured.

use criterion::{criterion_group, criterion_main, Criterion};
use sitebook_core::api::OpenOptions;
use sitebook_core::tenancy::accounts::Password;
use sitebook_core::Sitebook;

const ORGS: usize = 45;
const MEMBERS_PER_ORG: usize = 200;
const PASSWORD: &str = "bench-password";

async fn seeded() -> (Sitebook, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let core = Sitebook::open(OpenOptions::new(dir.path())).await.unwrap();
    let root = core
        .init_first_account("root", "Root Admin", Password::new(PASSWORD))
        .await
        .unwrap();
    let csv: String = std::iter::once("code,name,type".to_string())
        .chain((0..ORGS).map(|i| format!("ORG{i:02},Organization {i},ministry")))
        .collect::<Vec<_>>()
        .join("\n");
    core.org_import(&root, "bench.csv", &csv).await.unwrap();

    let pool = core.unscoped_pool_for_tests();
    let hash: String =
        sqlx::query_scalar("SELECT password_hash FROM users WHERE username = 'root'")
            .fetch_one(pool)
            .await
            .unwrap();
    let mut tx = pool.begin().await.unwrap();
    for org in 0..ORGS {
        let org_id: i64 = sqlx::query_scalar("SELECT id FROM organizations WHERE code = ?")
            .bind(format!("ORG{org:02}"))
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        for member in 0..MEMBERS_PER_ORG {
            let user_id: i64 = sqlx::query_scalar(
                "INSERT INTO users (username, full_name, kind, password_hash, created_at) \
                 VALUES (?, 'Bench Person', 'standard', ?, '2026-01-01T00:00:00.000Z') RETURNING id",
            )
            .bind(format!("u{org:02}-{member:03}"))
            .bind(&hash)
            .fetch_one(&mut *tx)
            .await
            .unwrap();
            sqlx::query(
                "INSERT INTO memberships (org_id, user_id, role, is_primary, created_at) \
                 VALUES (?, ?, 'member', 1, '2026-01-01T00:00:00.000Z')",
            )
            .bind(org_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .unwrap();
        }
    }
    tx.commit().await.unwrap();
    (core, dir)
}

fn tenancy(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (core, _dir) = runtime.block_on(seeded());
    let superuser = runtime
        .block_on(core.sign_in("root", Password::new(PASSWORD), None))
        .unwrap();
    let member = runtime
        .block_on(core.sign_in("u17-042", Password::new(PASSWORD), None))
        .unwrap();

    c.bench_function("org list, superuser, 45 orgs", |b| {
        b.to_async(&runtime)
            .iter(|| async { core.org_list(&superuser).await.unwrap() })
    });
    c.bench_function("org list, standard member", |b| {
        b.to_async(&runtime)
            .iter(|| async { core.org_list(&member).await.unwrap() })
    });
    let mut session = superuser.clone();
    let mut flip = false;
    c.bench_function("org switch (persisted + audited)", |b| {
        b.iter(|| {
            flip = !flip;
            let code = if flip { "ORG07" } else { "org33" };
            runtime
                .block_on(core.org_switch(&mut session, code))
                .unwrap()
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50);
    targets = tenancy
}
criterion_main!(benches);
