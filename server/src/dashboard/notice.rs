//! Result banners after a form: a POST redirects back to its page with `?notice=CODE`, and the
//! page shows the sentence for that code. Only codes from this list are ever shown, so nothing a
//! request carries is reflected into the page, and a reload shows the same banner without
//! repeating the action.

use uppsok_model::fidelity::Lang;

use super::html::esc;
use super::i18n::tr;

/// What happened, or why nothing happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// A month was approved.
    Approved,
    /// A month changed since the page was shown; nothing was approved.
    FiguresChanged,
    /// Someone approved the same month a moment earlier; nothing was stored twice.
    AlreadyApproved,
    /// The month is not over yet.
    MonthNotOver,
    /// There were no trips to approve.
    NothingToApprove,
    /// The driver has suggested distances they have not confirmed.
    Unconfirmed,
    /// A phone was revoked.
    Revoked,
    /// A phone was told to wipe itself at its next contact.
    WipeOrdered,
    /// A wipe was withdrawn before the phone carried it out.
    WipeWithdrawn,
    /// Too late to withdraw: the phone has already wiped itself.
    WipeAlreadyDone,
    /// A revoke or wipe was asked for without ticking the confirmation.
    NotConfirmed,
}

const ALL: [(Notice, &str); 11] = [
    (Notice::Approved, "approved"),
    (Notice::FiguresChanged, "figures-changed"),
    (Notice::AlreadyApproved, "already-approved"),
    (Notice::MonthNotOver, "month-not-over"),
    (Notice::NothingToApprove, "nothing-to-approve"),
    (Notice::Unconfirmed, "unconfirmed"),
    (Notice::Revoked, "revoked"),
    (Notice::WipeOrdered, "wipe-ordered"),
    (Notice::WipeWithdrawn, "wipe-withdrawn"),
    (Notice::WipeAlreadyDone, "wipe-already-done"),
    (Notice::NotConfirmed, "not-confirmed"),
];

impl Notice {
    /// The code used in `?notice=`.
    pub fn code(self) -> &'static str {
        ALL.iter().find(|(n, _)| *n == self).map_or("", |(_, c)| c)
    }

    /// A code from the query; anything else is ignored.
    pub fn parse(code: &str) -> Option<Notice> {
        ALL.iter().find(|(_, c)| *c == code).map(|(n, _)| *n)
    }

    /// Whether the banner reports a refusal rather than a success.
    pub fn is_refusal(self) -> bool {
        matches!(
            self,
            Notice::FiguresChanged
                | Notice::AlreadyApproved
                | Notice::MonthNotOver
                | Notice::NothingToApprove
                | Notice::Unconfirmed
                | Notice::WipeAlreadyDone
                | Notice::NotConfirmed
        )
    }

    pub fn text(self, l: Lang) -> &'static str {
        match self {
            Notice::Approved => tr(l, "Månaden är attesterad.", "The month is approved."),
            Notice::FiguresChanged => tr(
                l,
                "Inget attesterades: siffrorna har ändrats sedan sidan visades (en resa har synkats eller ändrats). Se över de nya siffrorna och attestera igen.",
                "Nothing was approved: the figures changed since the page was shown (a trip was synced or changed). Check the new figures and approve again.",
            ),
            Notice::AlreadyApproved => tr(
                l,
                "Månaden hade redan attesterats av någon annan alldeles nyss; inget sparades två gånger.",
                "Someone else approved the month a moment ago; nothing was stored twice.",
            ),
            Notice::MonthNotOver => tr(
                l,
                "Inget attesterades: månaden är inte slut än. Resor kan fortfarande komma in.",
                "Nothing was approved: the month is not over yet. Trips may still come in.",
            ),
            Notice::NothingToApprove => tr(
                l,
                "Inget attesterades: föraren har inga resor den månaden.",
                "Nothing was approved: the driver has no trips that month.",
            ),
            Notice::Unconfirmed => tr(
                l,
                "Inget attesterades: föraren har resor med föreslagen sträcka som hen inte har bekräftat. Hur många står i tabellen; föraren bekräftar dem i appen.",
                "Nothing was approved: the driver has trips with a suggested distance they have not confirmed. The table says how many; the driver confirms them in the app.",
            ),
            Notice::Revoked => tr(
                l,
                "Telefonen är spärrad. Den kan inte längre synka.",
                "The phone is revoked. It can no longer sync.",
            ),
            Notice::WipeOrdered => tr(
                l,
                "Telefonen är spärrad och raderar sina data nästa gång den kontaktar servern. Det går att ångra tills dess.",
                "The phone is revoked and destroys its data the next time it contacts the server. This can be withdrawn until then.",
            ),
            Notice::WipeWithdrawn => tr(
                l,
                "Raderingen är ångrad. Telefonen är fortfarande spärrad; data som väntar på den finns kvar.",
                "The wipe is withdrawn. The phone stays revoked; the changes waiting on it are kept.",
            ),
            Notice::WipeAlreadyDone => tr(
                l,
                "För sent att ångra: telefonen har redan raderat sina data.",
                "Too late to withdraw: the phone has already destroyed its data.",
            ),
            Notice::NotConfirmed => tr(
                l,
                "Inget gjordes: kryssa i rutan för att bekräfta.",
                "Nothing was done: tick the box to confirm.",
            ),
        }
    }

    /// The banner, or nothing.
    pub fn banner(notice: Option<Notice>, l: Lang) -> String {
        match notice {
            None => String::new(),
            Some(n) => format!(
                "<p class=\"{}\" role=\"status\">{}</p>",
                if n.is_refusal() { "warn" } else { "ok" },
                esc(n.text(l))
            ),
        }
    }

    /// The banner for a `?notice=` value, if it is one of ours.
    pub fn banner_for(code: Option<&str>, l: Lang) -> String {
        Self::banner(code.and_then(Notice::parse), l)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_notice_has_its_own_code_and_comes_back() {
        let mut codes: Vec<&str> = ALL.iter().map(|(_, c)| *c).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), ALL.len());
        for (n, c) in ALL {
            assert_eq!(n.code(), c);
            assert_eq!(Notice::parse(c), Some(n));
        }
    }

    #[test]
    fn unknown_codes_show_nothing_and_nothing_is_reflected() {
        assert_eq!(Notice::banner_for(Some("<script>"), Lang::Sv), "");
        assert_eq!(Notice::banner_for(None, Lang::Sv), "");
        let b = Notice::banner_for(Some("month-not-over"), Lang::Sv);
        assert!(b.contains("månaden är inte slut"), "{b}");
        assert!(b.contains("class=\"warn\""), "{b}");
    }
}
