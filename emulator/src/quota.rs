//! How many kf messages a user's action allows, and for how long: the official send doc's
//! table, kept as data because WeChat has changed the counts (2016, 2021, 2023) and will again.

use serde::{Deserialize, Serialize};

/// What a user did that opens a window for kf messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserAction {
    /// The user sent a message.
    Message,
    /// The user clicked a custom menu.
    MenuClick,
    /// The user followed the account.
    Follow,
    /// The user scanned a QR code of the account.
    Scan,
    /// The user completed a payment (service accounts).
    Payment,
}

/// One row of the table: an action opens `messages` kf messages (none = unlimited) within
/// `within_secs`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quota {
    /// The user's action.
    pub action: UserAction,
    /// Messages allowed; `None` (JSON `null`) = unlimited.
    pub messages: Option<u32>,
    /// How long the window stays open, in seconds.
    pub within_secs: i64,
}

const HOUR: i64 = 3600;

/// The table of the official send doc (2023): a message opens 5 within 48 hours; a menu click,
/// a follow or a QR scan 3 within a minute; a payment an unlimited 48-hour window.
pub fn default_quotas() -> Vec<Quota> {
    let row = |action, messages, within_secs| Quota { action, messages, within_secs };
    vec![
        row(UserAction::Message, Some(5), 48 * HOUR),
        row(UserAction::MenuClick, Some(3), 60),
        row(UserAction::Follow, Some(3), 60),
        row(UserAction::Scan, Some(3), 60),
        row(UserAction::Payment, None, 48 * HOUR),
    ]
}

/// The action a pushed event stands for, if it opens a window: menu events are clicks,
/// `subscribe` a follow, `SCAN` a scan of a follower.
pub fn action_of_event(event: &str) -> Option<UserAction> {
    const MENU: [&str; 9] = [
        "click",
        "view",
        "scancode_push",
        "scancode_waitmsg",
        "pic_sysphoto",
        "pic_photo_or_album",
        "pic_weixin",
        "location_select",
        "view_miniprogram",
    ];
    let lower = event.to_ascii_lowercase();
    match lower.as_str() {
        "subscribe" => Some(UserAction::Follow),
        "scan" => Some(UserAction::Scan),
        e if MENU.contains(&e) => Some(UserAction::MenuClick),
        _ => None,
    }
}

/// A window one action opened for one user.
#[derive(Debug, Clone, Serialize)]
pub struct Window {
    /// What opened it.
    pub action: UserAction,
    /// When (ms).
    pub opened_ms: i64,
    /// Until when (ms, inclusive).
    pub until_ms: i64,
    /// Messages left; `None` = unlimited.
    pub left: Option<u32>,
}

/// Why a kf message may not be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No window is open (45015).
    OutOfWindow,
    /// Every open window's budget is spent (45047).
    BudgetSpent,
}

/// The windows of one user: one per kind of action, the latest action of a kind replacing the
/// window it opened before (a new action opens a new budget).
#[derive(Debug, Clone, Default)]
pub struct Windows(Vec<Window>);

impl Windows {
    /// Opens the window `action` gives under `table` (nothing when the table has no row for it).
    pub fn open(&mut self, table: &[Quota], action: UserAction, now_ms: i64) {
        let Some(q) = table.iter().find(|q| q.action == action) else { return };
        self.0.retain(|w| w.action != action);
        let until_ms = now_ms.saturating_add(q.within_secs.saturating_mul(1000));
        self.0.push(Window { action, opened_ms: now_ms, until_ms, left: q.messages });
    }

    /// Takes one message from the most recently opened window that is open and has budget left.
    pub fn take(&mut self, now_ms: i64) -> Result<UserAction, Refusal> {
        let mut open: Vec<&mut Window> = self.0.iter_mut().filter(|w| now_ms <= w.until_ms).collect();
        if open.is_empty() {
            return Err(Refusal::OutOfWindow);
        }
        open.sort_by_key(|w| std::cmp::Reverse(w.opened_ms));
        let w = open.into_iter().find(|w| w.left != Some(0)).ok_or(Refusal::BudgetSpent)?;
        if let Some(n) = w.left.as_mut() {
            *n -= 1;
        }
        Ok(w.action)
    }

    /// The windows still open at `now_ms`.
    pub fn open_at(&self, now_ms: i64) -> Vec<&Window> {
        self.0.iter().filter(|w| now_ms <= w.until_ms).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_the_docs() {
        let t = default_quotas();
        let find = |a| t.iter().find(|q| q.action == a).cloned();
        assert_eq!(
            find(UserAction::Message),
            Some(Quota { action: UserAction::Message, messages: Some(5), within_secs: 172_800 })
        );
        assert_eq!(find(UserAction::Scan).map(|q| (q.messages, q.within_secs)), Some((Some(3), 60)));
        assert_eq!(find(UserAction::Payment).map(|q| q.messages), Some(None));
    }

    #[test]
    fn windows_open_replace_and_run_out() {
        let t = default_quotas();
        let mut w = Windows::default();
        assert_eq!(w.take(0), Err(Refusal::OutOfWindow));
        w.open(&t, UserAction::MenuClick, 0);
        for _ in 0..3 {
            assert_eq!(w.take(1000), Ok(UserAction::MenuClick));
        }
        assert_eq!(w.take(1000), Err(Refusal::BudgetSpent));
        assert_eq!(w.take(61_000), Err(Refusal::OutOfWindow));
        w.open(&t, UserAction::MenuClick, 70_000);
        assert_eq!(w.take(70_000), Ok(UserAction::MenuClick), "a new click opens a new budget");
        assert_eq!(action_of_event("CLICK"), Some(UserAction::MenuClick));
        assert_eq!(action_of_event("LOCATION"), None);
    }
}
