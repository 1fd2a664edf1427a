//! Helper of the `field_crash` test: opens a field store and saves visits in a loop, printing
//! each visit's id only after its save returned, until killed. The test SIGKILLs it mid-run and
//! then checks that every printed id is in the store.
//!
//! Usage: `field_save_loop STORE_FILE CLIENT_CODE` with `UPPSOK_PASSPHRASE` and
//! `UPPSOK_INSECURE_KDF_ITERATIONS` set as for `uppsok field`.

use std::io::Write;
use uppsok_device::{KdfParams, PassphraseKeyProvider, Store};
use uppsok_model::{ClientCode, ContactKind, Note, PlaceName, Setting, Visit, VisitId};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or_else(|| anyhow::anyhow!("usage: field_save_loop STORE CODE"))?;
    let code = ClientCode::parse(args.next().unwrap_or_else(|| "K-017".into()))?;
    let iterations: u32 = std::env::var("UPPSOK_INSECURE_KDF_ITERATIONS")?.parse()?;
    let provider = PassphraseKeyProvider::new(
        std::env::var("UPPSOK_PASSPHRASE")?,
        KdfParams::insecure_for_tests(iterations),
    );
    let store = Store::open(&path, &provider)?;
    let user = store.profile()?.user;
    let client = store
        .client_by_code(&code)?
        .ok_or_else(|| anyhow::anyhow!("no such client"))?;
    let note = Note::parse("Krasch-test: anteckning som måste överleva")?;
    let mut out = std::io::stdout().lock();
    for i in 0u64.. {
        let v = Visit {
            id: VisitId::new(),
            client: client.id,
            author: user.clone(),
            staff: vec![user.clone()],
            // Spread over a past year without naming chrono (not a dependency of this crate).
            start: format!(
                "2025-{:02}-{:02}T{:02}:{:02}:00Z",
                1 + i % 12,
                1 + i % 28,
                i % 24,
                i % 60
            )
            .parse()?,
            minutes: (i % 600 + 1) as u16,
            contact: ContactKind::FaceToFace,
            setting: Some(Setting::Home),
            network: i % 2 == 0,
            place: Some(PlaceName::parse("Kraschby")?),
            note: Some(note.clone()),
            client_present: true,
            group: false,
        };
        store.save_visit(&v)?;
        writeln!(out, "{}", v.id)?;
        out.flush()?;
    }
    Ok(())
}
