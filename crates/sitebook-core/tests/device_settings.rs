//! The device's settings in Settings: output retention and the worker count. Only a superuser
//! changes them, every change is audited, bad values are named, and the saved values are used.

mod common;

use common::fixture;
use sitebook_core::domain::permissions::MembershipRole;
use sitebook_core::jobs::device::DeviceSettings;
use sitebook_core::Error;

#[tokio::test]
async fn a_superuser_changes_retention_and_workers_and_others_only_look() {
    let fx = fixture().await;
    let defaults = fx.core.device_settings(&fx.root).await.unwrap();
    assert_eq!(defaults.retention_days, 30, "the documented default");

    let saved = fx
        .core
        .device_settings_save(
            &fx.root,
            DeviceSettings {
                retention_days: 90,
                workers: 3,
            },
        )
        .await
        .unwrap();
    assert_eq!(saved.retention_days, 90);
    assert_eq!(fx.core.device_settings(&fx.root).await.unwrap(), saved);
    assert!(fx
        .audit()
        .await
        .iter()
        .any(|row| row.action == "device.settings"
            && row.outcome == "success"
            && row
                .reason
                .as_deref()
                .is_some_and(|r| r.contains("retention 30 -> 90 days"))));

    // The saved worker count is what a pool started without a count uses.
    let pool = fx.core.start_workers(None).await.unwrap();
    assert_eq!(pool.size(), 3);
    pool.shutdown().await;

    fx.org("AAA").await;
    fx.member("asha", "AAA", MembershipRole::Owner).await;
    let asha = fx.sign_in("asha").await;
    assert_eq!(fx.core.device_settings(&asha).await.unwrap(), saved);
    let refused = fx.core.device_settings_save(&asha, defaults).await;
    assert!(matches!(refused, Err(Error::Denied(_))), "{refused:?}");
    assert!(fx
        .audit()
        .await
        .iter()
        .any(|row| row.action == "device.settings" && row.outcome == "denied"));
}

#[tokio::test]
async fn out_of_range_values_are_named_and_nothing_is_saved() {
    let fx = fixture().await;
    let before = fx.core.device_settings(&fx.root).await.unwrap();
    let Err(Error::Validation(message)) = fx
        .core
        .device_settings_save(
            &fx.root,
            DeviceSettings {
                retention_days: 0,
                workers: 99,
            },
        )
        .await
    else {
        panic!("refused");
    };
    assert!(
        message.contains("retention must be 1 to 3650 days, not 0"),
        "{message}"
    );
    assert!(
        message.contains("worker count must be 1 to 16, not 99"),
        "{message}"
    );
    assert_eq!(fx.core.device_settings(&fx.root).await.unwrap(), before);
}
